"""Air analysis of an area's stations (空气质量分析): calendar, monthly trends, polluted days by primary pollutant,
rankings. Every figure is the standards engine's; this module only gathers the stations' days.

The area's day is the mean of its stations' valid daily values (HJ 663's city value); a day no station has
stays NaN, and a period without enough valid days is "insufficient data", never a number.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, timedelta

import numpy as np

from lanqing import standards
from lanqing.monitoring import daily, quality
from lanqing.monitoring.models import Site, SiteKind
from lanqing.standards.versions import EFFECTIVE_2026

# Pollutants in the order of the national tables, as the trend charts list them.
POLLUTANTS = ("PM2.5", "PM10", "O3", "NO2", "SO2", "CO")


def period_version(first_day: date) -> standards.AirStandard:
    """The windows a period's daily values use: those of its first day's version, as evaluate_hourly does."""
    return standards.AirStandard.V2026 if first_day >= EFFECTIVE_2026 else standards.AirStandard.V2012


StationDays = list[dict[standards.AirStandard, dict[str, np.ndarray]]]


def area_days(sites: list[Site], *, first_day: date, days: int,
              per_station: StationDays | None = None) -> dict[standards.AirStandard, dict[str, np.ndarray]]:
    """Per version, per indicator: the mean of the stations' valid daily values on each day (`per_station`:
    the stations' `quality.air_days` of the same days, when the caller has them already)."""
    if per_station is None:
        per_station = [quality.air_days(site, first_day=first_day, days=days) for site in sites]
    result: dict[standards.AirStandard, dict[str, np.ndarray]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a day no station has stays NaN
        for version in quality.AIR_VERSIONS:
            names = per_station[0][version]
            result[version] = {name: np.nanmean(np.vstack([station[version][name] for station in per_station]),
                                                 axis=0) for name in names}
    return result


@dataclass(frozen=True)
class MonthlyTrend:
    months: list[str]  # "2026-01" …
    means: dict[str, list[float | None]]  # pollutant → rounded monthly statistic (CO: P95, O3: P90 MDA8)
    limits: dict[str, float | None]  # the annual (or 24-h / 8-h for CO, O3) grade-2 limit of the year's end


@dataclass(frozen=True)
class RankRow:
    site: Site
    rank: int | None  # None: insufficient data, listed last
    composite: float | None
    pm25: float | None
    good_ratio: float | None


@dataclass(frozen=True)
class AirAnalysis:
    year: int
    first_day: date
    last_day: date
    calendar: list[quality.AqiRow]
    trend: MonthlyTrend
    trend_last_year: MonthlyTrend
    polluted_by_primary: list[tuple[str, int]]  # days with AQI > 100 by primary pollutant, most first
    polluted_days: int
    ranking: list[RankRow]


STATISTIC = {"SO2": "SO2_mean", "NO2": "NO2_mean", "PM10": "PM10_mean", "PM2.5": "PM2.5_mean",
             "CO": "CO_P95", "O3": "O3_MDA8_P90"}


def _number(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def monthly_trend(sites: list[Site], *, first_day: date, last_day: date,
                  per_station: StationDays | None = None) -> MonthlyTrend:
    days = (last_day - first_day).days + 1
    if not sites or days <= 0:
        return MonthlyTrend([], {p: [] for p in POLLUTANTS}, {p: None for p in POLLUTANTS})
    daily = area_days(sites, first_day=first_day, days=days, per_station=per_station)[period_version(first_day)]
    result = standards.evaluate_daily(daily, first_day=first_day, by="month")
    return MonthlyTrend(
        months=list(result.periods),
        means={p: [_number(v) for v in result.statistics[STATISTIC[p]].rounded[0]] for p in POLLUTANTS},
        limits={p: _number(result.statistics[STATISTIC[p]].limit[0][-1]) for p in POLLUTANTS},
    )


def ranks(values: list[float | None], *, descending: bool = False) -> list[int | None]:
    """Competition ranks: equal values share a rank and the next rank skips ("1, 1, 3"); None is unranked."""
    known = sorted((v for v in values if v is not None), reverse=descending)
    first_place: dict[float, int] = {}
    for place, value in enumerate(known, start=1):
        first_place.setdefault(value, place)
    return [None if v is None else first_place[v] for v in values]


def station_ranking(sites: list[Site], *, first_day: date, last_day: date,
                    per_station: StationDays | None = None) -> list[RankRow]:
    """Stations by the composite index of the days so far (ascending; 环办监测〔2018〕19号), ties ranked equal."""
    days = (last_day - first_day).days + 1
    if not sites or days <= 0:
        return []
    version = period_version(first_day)
    if per_station is None:
        per_station = [quality.air_days(site, first_day=first_day, days=days) for site in sites]
    of_version = [station[version] for station in per_station]
    daily = {name: np.vstack([station[name] for station in of_version]) for name in of_version[0]}
    result = standards.evaluate_daily(daily, first_day=first_day, by="to_date")
    composites = [_number(v) for v in result.composite_rounded[:, 0]]
    pm25 = [_number(v) for v in result.statistics["PM2.5_mean"].rounded[:, 0]]
    good = [_number(v) for v in result.good_ratio[:, 0]]
    rows = [RankRow(site, rank, composite, pm, ratio) for site, rank, composite, pm, ratio
            in zip(sites, ranks(composites), composites, pm25, good, strict=True)]
    return sorted(rows, key=lambda row: (row.rank is None, row.rank or 0, row.site.code))


def air_analysis(sites: list[Site], *, year: int, today: date) -> AirAnalysis:
    """The analysis of the stations' year to yesterday, as kept for the area (``daily.area_read``; the period
    kept starts a year earlier, as last year's trend reads those days too)."""
    last_day = min(date(year, 12, 31), today - timedelta(days=1))
    if not sites or last_day < date(year, 1, 1) or today != daily.local_today():
        return air_analysis_computed(sites, year=year, today=today)
    figures = daily.area_read("air-analysis", sites, kind=SiteKind.AIR, first_day=date(year - 1, 1, 1),
                              last_day=last_day)
    return _analysis_from(figures, sites)


@daily.area_computer("air-analysis")
def _analysis_figures(sites: list[Site], _first_day: date, last_day: date, today: date) -> daily.Figures:
    analysis = air_analysis_computed(sites, year=last_day.year, today=today)
    return {
        "year": analysis.year, "first_day": analysis.first_day.isoformat(), "last_day": analysis.last_day.isoformat(),
        "calendar": [[row.label.isoformat(), row.aqi, row.display, row.level, row.category_zh, row.category_en,
                      row.colour, list(row.primary), row.standard, row.incomplete] for row in analysis.calendar],
        "trend": asdict(analysis.trend), "trend_last_year": asdict(analysis.trend_last_year),
        "polluted_by_primary": analysis.polluted_by_primary, "polluted_days": analysis.polluted_days,
        "ranking": [[row.site.id, row.rank, row.composite, row.pm25, row.good_ratio] for row in analysis.ranking],
    }


def _analysis_from(figures: daily.Figures, sites: list[Site]) -> AirAnalysis:
    by_id = {site.id: site for site in sites}
    calendar = [quality.AqiRow(date.fromisoformat(label), aqi, display, level, zh, en, colour, tuple(primary),
                               standard, incomplete)
                for label, aqi, display, level, zh, en, colour, primary, standard, incomplete in figures["calendar"]]
    return AirAnalysis(
        year=figures["year"], first_day=date.fromisoformat(figures["first_day"]),
        last_day=date.fromisoformat(figures["last_day"]), calendar=calendar,
        trend=MonthlyTrend(**figures["trend"]), trend_last_year=MonthlyTrend(**figures["trend_last_year"]),
        polluted_by_primary=[(name, count) for name, count in figures["polluted_by_primary"]],
        polluted_days=figures["polluted_days"],
        ranking=[RankRow(by_id[site_id], rank, composite, pm25, good)
                 for site_id, rank, composite, pm25, good in figures["ranking"]],
    )


def air_analysis_computed(sites: list[Site], *, year: int, today: date) -> AirAnalysis:
    """The analysis computed from the stations' kept days."""
    first_day = date(year, 1, 1)
    last_day = min(date(year, 12, 31), today - timedelta(days=1))
    days = (last_day - first_day).days + 1
    calendar: list[quality.AqiRow] = []
    # The year's days of each station, read once for the calendar, the trend and the ranking.
    per_station = [quality.air_days(site, first_day=first_day, days=days) for site in sites] if days > 0 else []
    if sites and days > 0:
        calendar = quality.aqi_of_days(area_days(sites, first_day=first_day, days=days, per_station=per_station),
                                       first_day=first_day)
    polluted_rows = [row for row in calendar if row.aqi is not None and row.aqi > 100]
    # A day with two primary pollutants counts for each of them, as the composition is published.
    polluted: Counter[str] = Counter(name for row in polluted_rows for name in row.primary)
    last_year_end = same_day_a_year_earlier(last_day)
    return AirAnalysis(
        year=year, first_day=first_day, last_day=last_day, calendar=calendar,
        trend=monthly_trend(sites, first_day=first_day, last_day=last_day, per_station=per_station),
        trend_last_year=monthly_trend(sites, first_day=date(year - 1, 1, 1), last_day=last_year_end),
        polluted_by_primary=polluted.most_common(), polluted_days=len(polluted_rows),
        ranking=station_ranking(sites, first_day=first_day, last_day=last_day, per_station=per_station),
    )


def same_day_a_year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def air_chart_data(analysis: AirAnalysis) -> dict:
    """What the page's charts draw, as plain JSON (the page embeds it; the script reads it)."""
    levels = standards.LEVELS
    bounds = [(0, 50), (51, 100), (101, 150), (151, 200), (201, 300), (301, 500)]
    return {
        "year": str(analysis.year),
        "calendar": [[row.label.isoformat(), row.aqi, ",".join(row.primary)] for row in analysis.calendar
                     if row.aqi is not None],
        "pieces": [{"min": low, "max": high, "color": level.hex} for (low, high), level in zip(bounds, levels,
                                                                                             strict=True)],
        "months": [label[5:] for label in analysis.trend.months],
        "trend": analysis.trend.means,
        "trend_last_year": analysis.trend_last_year.means,
        "limits": analysis.trend.limits,
        "polluted": analysis.polluted_by_primary,
    }
