"""Air and water quality of a site, computed by the standards engine (no second implementation here).

Stored times are interval starts in UTC; published figures label an hour by its end and a day by the
natural day in Beijing time (DESIGN.md, Storage), so the conversion happens here, at the edge.
"""

from __future__ import annotations

import warnings
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.db.models import OuterRef, Subquery, Value
from django.utils import timezone

from lanqing import standards
from lanqing.monitoring import daily
from lanqing.monitoring.models import Factor, Measurement, Period, Point, Site
from lanqing.standards import factor_codes
from lanqing.standards.water import SectionResult

AIR_POLLUTANTS = factor_codes.AIR
WATER_FACTORS = factor_codes.WATER


@dataclass(frozen=True)
class AqiRow:
    label: datetime | date  # hour: local end of the hour; day: the local date
    aqi: int | None
    display: str
    level: int
    category_zh: str
    category_en: str
    colour: str
    primary: tuple[str, ...]
    standard: str
    incomplete: bool = False  # some pollutant lacked valid data; the AQI covers the others (HJ 633-2012)


@dataclass(frozen=True)
class WaterRow:
    day: date
    water_class: int
    class_name: str
    colour: str
    meets_target: bool | None
    worst_factors: tuple[str, ...]
    sample: dict[str, float]  # the day's mean per factor (mg/L; pH dimensionless), as classified


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _hourly_grid(site: Site, codes: dict[str, str], start: datetime, hours: int) -> dict[str, np.ndarray]:
    """Valid (flag N) hourly values per pollutant on a grid of `hours` hours from `start` (an hour start)."""
    end = start + timedelta(hours=hours)
    grid = {name: np.full(hours, np.nan) for name in codes.values()}
    names = _factor_names(codes)
    rows = Measurement.objects.filter(
        point__site=site, period=Period.HOUR, factor_id__in=list(names), time__gte=start, time__lt=end,
        flag="N",
    ).values_list("factor_id", "time", "value")
    for factor_id, when, value in rows:
        slot = int((when - start).total_seconds() // 3600)
        if value is not None and 0 <= slot < hours:
            grid[names[factor_id]][slot] = value
    return grid


def _factor_names(codes: dict[str, str]) -> dict[int, str]:
    """Factor id → name of the `codes` wanted. Values are then asked for by factor id, so that the database
    reads the (point, factor, period, time) range of each factor; asked by the factors' codes through a
    join, SQLite reads every value the point ever stored (all factors, all years) and filters them."""
    return {factor_id: codes[code] for factor_id, code in Factor.objects.filter(code__in=list(codes)).values_list(
        "id", "code")}


def _row(report_aqi: int, above: bool, primary: tuple[str, ...], label, standard: str,
         incomplete: bool) -> AqiRow:
    if report_aqi < 0:
        return AqiRow(label, None, "NA", 0, "", "", "", (), standard, incomplete)
    level = standards.level_of(report_aqi)
    display = f"{report_aqi}+" if above else str(report_aqi)
    return AqiRow(label, report_aqi, display, level.level, level.category_zh, level.category_en, level.hex,
                  primary, standard, incomplete)


def _standard_name(code: int) -> str:
    return {0: "HJ 633-2012", 1: "HJ 633-2026"}.get(int(code), "")


def hourly_aqi(site: Site, *, last_hour: datetime, hours: int = 24) -> list[AqiRow]:
    """Hourly AQI of each of the `hours` hours ending with the one that starts at last_hour, newest first;
    an hour without any valid value is NA. Partial AQIs are shown, flagged incomplete (see `daily_aqi`)."""
    start = last_hour - timedelta(hours=hours - 1)
    grid = _hourly_grid(site, AIR_POLLUTANTS, start, hours)
    local_start = timezone.localtime(start, _zone()).replace(tzinfo=None)
    # Labelled by the end of the hour, as published (CNEMC's 16:00 is the mean of 15:00–16:00).
    labels = np.array([local_start + timedelta(hours=h + 1) for h in range(hours)], dtype="datetime64[m]")
    result = standards.compute_aqi(grid, period="hour", times=labels, today=timezone.localdate(), partial=True)
    names = result.joined(result.primary)
    rows = []
    for index in range(len(result)):
        primary = tuple(names[index].split(",")) if names[index] else ()
        rows.append(_row(int(result.aqi[index]), bool(result.above_table[index]), primary,
                         labels[index].astype(datetime), _standard_name(result.standard[index]),
                         bool(result.incomplete[index])))
    return rows[::-1]


AIR_VERSIONS = (standards.AirStandard.V2012, standards.AirStandard.V2026)


def day_columns(daily: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """compute_aqi's day columns from daily_values' indicators ("O3" is MDA8 there, "O3_1h" the 1-h max)."""
    columns = {name: daily[name] for name in ("SO2", "NO2", "CO", "PM10", "PM2.5")}
    columns["O3_8h"] = daily["O3"]
    columns["O3"] = daily["O3_1h"]
    return columns


# The indicators of a station's day, in the order daily_values gives them ("O3" = MDA8, "O3_1h" = max 1-h).
AIR_DAY_NAMES = tuple(name for pollutant in AIR_POLLUTANTS.values()
                      for name in (("O3", "O3_1h") if pollutant == "O3" else (pollutant,)))


def air_days_from_hours(site: Site, *, first_day: date, days: int) -> dict[standards.AirStandard, dict[str, np.ndarray]]:
    """`air_days` computed from the stored hours (no kept day read or written)."""
    grid = _hourly_grid(site, AIR_POLLUTANTS, datetime.combine(first_day, time(), _zone()), days * 24)
    hourly = {name: values.reshape(1, -1) for name, values in grid.items()}
    return {version: {name: np.asarray(values)[0]
                      for name, values in standards.daily_values(hourly, standard=version).items()}
            for version in AIR_VERSIONS}


def air_day_figures(site: Site, first_day: date, days: int) -> list[daily.Figures]:
    """Each day's indicators per version as JSON-ready figures (None for NaN): what `daily` keeps."""
    computed = air_days_from_hours(site, first_day=first_day, days=days)
    return [{version.value: {name: None if np.isnan(values[index]) else float(values[index])
                             for name, values in computed[version].items()} for version in AIR_VERSIONS}
            for index in range(days)]


def air_days(site: Site, *, first_day: date, days: int) -> dict[standards.AirStandard, dict[str, np.ndarray]]:
    """The site's daily indicators (HJ 663: 24-h means, "O3" = MDA8, "O3_1h" = daily max 1-h) for `days` local
    days from first_day, as each version's windows compute them; NaN where a day lacks enough valid hours.

    Days already over are read as kept by `daily` (computed from the hours once, again after late data)."""
    rows = daily.days_read(site, kind="air", first_day=first_day, days=days,
                           compute=lambda first, count: air_day_figures(site, first, count))
    nan = float("nan")
    result = {}
    for version in AIR_VERSIONS:
        days_of_version = [row.get(str(version)) or {} for row in rows]
        result[version] = {name: np.array([nan if (value := day.get(name)) is None else value
                                           for day in days_of_version], dtype=np.float64)
                           for name in AIR_DAY_NAMES}
    return result


def aqi_of_days(daily: Mapping[standards.AirStandard, Mapping[str, np.ndarray]], *, first_day: date) -> list[AqiRow]:
    """Daily AQI rows, oldest first, each day under the version in force on it (its own windows and tables)."""
    today = timezone.localdate()
    results = {version: standards.compute_aqi(day_columns(values), period="day", standard=version, today=today,
                                              partial=True)
               for version, values in daily.items()}
    names = {version: result.joined(result.primary) for version, result in results.items()}
    rows = []
    for index in range(len(next(iter(results.values())).aqi)):
        day = first_day + timedelta(days=index)
        version = standards.air_standard_for(day, today=today)
        result = results[version]
        primary = tuple(names[version][index].split(",")) if names[version][index] else ()
        rows.append(_row(int(result.aqi[index]), bool(result.above_table[index]), primary, day,
                         "HJ 633-2012" if version == standards.AirStandard.V2012 else "HJ 633-2026",
                         bool(result.incomplete[index])))
    return rows


def daily_aqi(site: Site, *, last_day: date, days: int = 30) -> list[AqiRow]:
    """Daily AQI (24-h means, O3 daily max 8-h) for each local day, oldest first.

    A day where some pollutant lacks enough valid hours gets the AQI of the others, flagged incomplete, also
    where HJ 633-2026 would publish NA: the page marks it and says so (its footnote)."""
    first_day = last_day - timedelta(days=days - 1)
    return aqi_of_days(air_days(site, first_day=first_day, days=days), first_day=first_day)


def daily_water_class(site: Site, *, last_day: date, days: int = 30) -> list[WaterRow]:
    """GB 3838-2002 class of each local day's mean sample (single-factor method), oldest first; days without
    any value are left out.

    A factor's day value is the mean of its valid (flag N) hourly values that day; a factor with none takes
    the valid daily value reported for that day, if any. The site page and the water-class alert both read
    this, so a case states the class the page shows for the same day."""
    rows = []
    for day, sample in water_day_samples(site, last_day=last_day, days=days):
        result = standards.section_class(sample, target=site.target_class)
        rows.append(WaterRow(day, result.water_class, result.class_name, result.colour, result.meets_target,
                             result.worst_factors, sample))
    return rows


def water_day_samples(site: Site, *, last_day: date, days: int) -> list[tuple[date, dict[str, float]]]:
    """The days `daily_water_class` classifies (a sample with a class), with their samples, oldest first."""
    first_day = last_day - timedelta(days=days - 1)
    kept = daily.days_read(site, kind="water", first_day=first_day, days=days,
                           compute=lambda first, count: _water_samples(site, first, count))
    # The class of a day's sample does not depend on the section's target; it is kept with the sample.
    return [(first_day + timedelta(days=index),
             {name: figures["sample"][name] for name in WATER_FACTORS.values() if name in figures["sample"]})
            for index, figures in enumerate(kept) if figures.get("classed")]


def _water_samples(site: Site, first_day: date, days: int) -> list[daily.Figures]:
    """Each day's mean sample per factor (empty for a day without any value), as `daily_water_class` says, and
    whether it has a class (GB 3838 classifies some of its factors)."""
    start = datetime.combine(first_day, time(), _zone())
    grid = _hourly_grid(site, WATER_FACTORS, start, days * 24)
    reported: dict[tuple[int, str], float] = {}
    names = _factor_names(WATER_FACTORS)
    for factor_id, when, value in Measurement.objects.filter(
        point__site=site, period=Period.DAY, factor_id__in=list(names), time__gte=start,
        time__lt=start + timedelta(days=days), flag="N",
    ).values_list("factor_id", "time", "value"):
        if value is not None:
            reported[((when - start).days, names[factor_id])] = value
    samples = []
    for index in range(days):
        sample = {}
        for name, values in grid.items():
            day_values = values[index * 24:(index + 1) * 24]
            valid = day_values[~np.isnan(day_values)]
            if valid.size:
                sample[name] = float(valid.mean())
            elif (index, name) in reported:
                sample[name] = float(reported[(index, name)])
        classed = bool(sample) and bool(standards.section_class(sample).water_class)
        samples.append({"sample": sample, "classed": classed})
    return samples


@dataclass(frozen=True)
class WaterMonth:
    month: date  # the first day of the month
    result: SectionResult
    days: int  # days with a sample that month


def monthly_water_class(site: Site, *, first_month: date, months: int) -> list[WaterMonth | None]:
    """GB 3838-2002 class of each month's mean sample (each factor: the mean of its daily values that month),
    oldest first; None for a month without any value. The days are those `daily_water_class` classifies."""
    return [water_month_of(site, month, sample, days)
            for month, sample, days in monthly_water_samples(site, first_month=first_month, months=months)]


def water_month_of(site: Site, month: date, sample: dict[str, float], days: int) -> WaterMonth | None:
    """The month's class of its mean sample against the section's target; None without a classed sample."""
    judged = _classed(tuple(sorted(sample.items())), site.target_class) if sample else None
    return WaterMonth(month, judged, days) if judged and judged.water_class else None


@lru_cache(maxsize=4096)
def _classed(sample: tuple[tuple[str, float], ...], target: int | None) -> SectionResult:
    """GB 3838 classes a sample the same way every time: the water page classes years of kept monthly samples
    on every request, so each (sample, target) is classed once per process."""
    return standards.section_class(dict(sample), target=target)


def monthly_water_samples(site: Site, *, first_month: date, months: int) -> list[tuple[date, dict[str, float], int]]:
    """Each month's mean sample (each factor: the mean of its daily values that month) and its days with a
    sample, oldest first; the days are those `daily_water_class` classifies."""
    last_month = month_add(first_month, months - 1)
    last_day = month_add(last_month, 1) - timedelta(days=1)
    rows = water_day_samples(site, last_day=last_day, days=(last_day - first_month).days + 1)
    result = []
    for index in range(months):
        month = month_add(first_month, index)
        days = [sample for day, sample in rows if (day.year, day.month) == (month.year, month.month)]
        factors = sorted({name for sample in days for name in sample})
        result.append((month, {name: float(np.mean([day[name] for day in days if name in day]))
                               for name in factors}, len(days)))
    return result


def month_add(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def latest_complete_water_day(site: Site, *, now: datetime, days: int) -> WaterRow | None:
    """The newest row of `daily_water_class` among the `days` local days that ended before `now`."""
    yesterday = timezone.localtime(now, _zone()).date() - timedelta(days=1)
    rows = daily_water_class(site, last_day=yesterday, days=max(days, 1))
    return rows[-1] if rows else None


def newest_hour(site: Site) -> datetime | None:
    """Start of the newest hourly value of any factor at the site.

    Asked per point and factor, each the end of one natural-key index range: ordering all of a point's rows
    by time instead reads every value it ever stored (years of hours, ~90 ms a station with three years)."""
    newest = Measurement.objects.filter(point=OuterRef("point_id"), factor=OuterRef("pk"),
                                        period=Period.HOUR).order_by("-time").values("time")[:1]
    times = [when for point_id in Point.objects.filter(site=site).values_list("id", flat=True)
             for when in Factor.objects.annotate(point_id=Value(point_id), newest=Subquery(newest))
             .filter(newest__isnull=False).values_list("newest", flat=True)]
    return max(times, default=None)



@dataclass(frozen=True)
class YearToDate:
    first_day: date
    last_day: date
    valid_days: int
    good_days: int
    good_ratio: float | None  # percent, None with no valid day
    pm25_mean: float | None  # µg/m³, rounded; None where HJ 663 finds the data insufficient


def year_to_date(sites: list[Site], *, today: date) -> YearToDate | None:
    """The area's good-days ratio and PM2.5 mean from 1 January to yesterday, by HJ 663 (standards engine):
    each day's value is the mean of the stations' daily values, as for a city's figure."""
    first_day, last_day = date(today.year, 1, 1), today - timedelta(days=1)
    days = (last_day - first_day).days + 1
    if not sites or days < 1:
        return None
    start = datetime.combine(first_day, time(), _zone())
    per_station = []
    for site in sites:
        grid = _hourly_grid(site, AIR_POLLUTANTS, start, days * 24)
        daily = standards.daily_values({name: values.reshape(1, -1) for name, values in grid.items()},
                                       standard=standards.air_standard_for(last_day, today=today))
        per_station.append({name: daily[name][0] for name in ("SO2", "NO2", "CO", "PM10", "PM2.5", "O3")})
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a day no station measured stays NaN
        area = {name: np.nanmean(np.stack([station[name] for station in per_station]), axis=0)
                for name in per_station[0]}
    result = standards.evaluate_daily(area, first_day=first_day, by="year")
    pm25 = result.statistics["PM2.5_mean"]
    ratio = float(result.good_ratio[0, -1])
    mean = float(pm25.rounded[0, -1])
    return YearToDate(first_day, last_day, int(result.valid_aqi_days[0, -1]), int(result.good_days[0, -1]),
                      None if np.isnan(ratio) else ratio, None if np.isnan(mean) else mean)
