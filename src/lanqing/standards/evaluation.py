"""Air-quality assessment per HJ 663 and GB 3095: daily values from hourly ones, period statistics,
attainment,
good-days ratio, heavy-pollution days and the composite index.

Arrays: hourly values are (stations, hours) on a regular grid whose slot 0 is 00:00–01:00 of the first day
(so the value CNEMC labels 01:00); daily values are (stations, days). NaN is a missing value. A statistic that
lacks its minimum data is NaN with `sufficient` False, never a number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import numpy as np

from lanqing.standards import air_tables, unverified
from lanqing.standards.aqi import compute_aqi
from lanqing.standards.rounding import gbt8170, gbt8170_array, round_half_even_ratio
from lanqing.standards.versions import EFFECTIVE_2026, AirStandard, gb3095_phase, parse_standard

# GB 3095-2012 Table 4 [S]: a 24-h mean needs >= 20 hourly values; an 8-h running mean >= 6 hourly values.
DAY_MIN_HOURS = 20
WINDOW_MIN_HOURS = 6
# HJ 663-2013 §6.1.2 (same in HJ 663-2026) [S]: MDA8 needs >= 14 valid 8-h values, or fewer if it exceeds the
# limit.
MDA8_MIN_WINDOWS = 14

# Verdicts, as int8 arrays.
ATTAINS, EXCEEDS, INSUFFICIENT, NOT_ASSESSED = 1, 0, -1, -2
VERDICT_TEXT = {
    ATTAINS: "attains",
    EXCEEDS: "exceeds",
    INSUFFICIENT: "insufficient data",
    NOT_ASSESSED: "not assessed",
}


# ---- limits of the version in force ------------------------------------------------------------------------


def limit(
    pollutant: str, averaging: str, *, standard: str | AirStandard, day: date | None = None, grade: int = 2
) -> float | None:
    """GB 3095 limit ("year", "24h", "1h", "MDA8"); the 2026 figures depend on the phase of `day`."""
    version = parse_standard(standard) or AirStandard.V2012
    pair = air_tables.GB3095_2012_LIMITS.get((pollutant, averaging))
    if version is AirStandard.V2026:
        phase = gb3095_phase(day) if day else 1
        pair = unverified.GB3095_2026_LIMITS[phase].get((pollutant, averaging), pair)
    return None if pair is None else float(pair[grade - 1])


def composite_divisors(*, standard: str | AirStandard, day: date | None = None) -> dict[str, float]:
    version = parse_standard(standard) or AirStandard.V2012
    divisors = {k: float(v) for k, v in air_tables.COMPOSITE_DIVISORS_2012.items()}
    if version is AirStandard.V2026 and unverified.COMPOSITE_2026_USES_PHASE_LIMITS:
        for pollutant in air_tables.HAS_PERIOD_MEAN:
            value = limit(pollutant, "year", standard=version, day=day)
            if value is not None:
                divisors[pollutant] = value
    return divisors


# ---- hourly -> daily ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Daily:
    values: np.ndarray  # (stations, days), NaN where invalid
    counts: np.ndarray  # hours (or 8-h windows for MDA8) that went into each value


def _as_days(hourly: Any) -> np.ndarray:
    x = np.asarray(hourly, dtype=np.float64)
    if x.shape[-1] % 24:
        raise ValueError("hourly arrays must hold whole days (a multiple of 24 hours)")
    return x.reshape(*x.shape[:-1], x.shape[-1] // 24, 24)


def _round_daily(values: np.ndarray, pollutant: str) -> np.ndarray:
    if not unverified.ROUND_DAILY_VALUES:
        return values
    return gbt8170_array(values, unverified.STAT_DECIMALS[pollutant])


def daily_means(hourly: Any, pollutant: str) -> Daily:
    """24-h means (GB 3095-2012 Table 4: >= 20 hourly values), rounded per GB/T 8170 [U]."""
    x = _as_days(hourly)
    valid = ~np.isnan(x)
    counts = valid.sum(axis=-1)
    total = np.where(valid, x, 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counts >= DAY_MIN_HOURS, total / counts, np.nan)
    return Daily(_round_daily(mean, pollutant), counts)


def o3_8h_running(hourly: Any) -> tuple[np.ndarray, np.ndarray]:
    """8-h running means: element t is the mean of slots t-7 … t (>= 6 valid values), and the counts."""
    x = np.asarray(hourly, dtype=np.float64)
    valid = ~np.isnan(x)
    filled = np.where(valid, x, 0.0)
    total = np.zeros_like(filled)
    counts = np.zeros(x.shape, dtype=np.int16)
    for lag in range(8):
        # Summing eight shifted copies keeps each window's sum exact for values on a decimal grid.
        total[..., lag:] += filled[..., : x.shape[-1] - lag]
        counts[..., lag:] += valid[..., : x.shape[-1] - lag]
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts >= WINDOW_MIN_HOURS, total / counts, np.nan)
    return means, counts


def daily_max_8h(hourly_o3: Any, *, standard: str | AirStandard = AirStandard.V2012) -> Daily:
    """O3 daily maximum 8-h mean (MDA8) per HJ 663 §6.1.2, windows per unverified.MDA8_WINDOW_END_HOURS."""
    version = parse_standard(standard) or AirStandard.V2012
    x = np.asarray(hourly_o3, dtype=np.float64)
    days = _as_days(x)
    means, _ = o3_8h_running(x)
    means = means.reshape(days.shape)
    ends = np.array(unverified.MDA8_WINDOW_END_HOURS[version.value]) - 1  # slot of each window's last hour
    if ends.min() < 7:
        # A window ending before 08:00 reaches into the previous day; the first day has no such hours.
        means[..., 0, ends[ends < 7]] = np.nan
    windows = means[..., ends]
    valid_windows = (~np.isnan(windows)).sum(axis=-1)
    with np.errstate(invalid="ignore"):
        best = np.where(
            valid_windows > 0, np.nanmax(np.where(np.isnan(windows), -np.inf, windows), axis=-1), np.nan
        )
    best = _round_daily(best, "O3")
    cap = limit("O3", "MDA8", standard=version)
    with np.errstate(invalid="ignore"):
        ok = (valid_windows >= MDA8_MIN_WINDOWS) | (best > cap)
    return Daily(np.where(ok, best, np.nan), valid_windows)


def daily_max_1h(hourly_o3: Any, *, standard: str | AirStandard = AirStandard.V2012) -> Daily:
    """O3 daily maximum 1-h value, valid with >= O3_DAILY_MAX_1H_MIN_HOURS values or above the 1-h limit
    [U]."""
    x = _as_days(hourly_o3)
    valid = ~np.isnan(x)
    counts = valid.sum(axis=-1)
    best = np.where(valid, x, -np.inf).max(axis=-1)
    cap = limit("O3", "1h", standard=standard)
    ok = (counts >= unverified.O3_DAILY_MAX_1H_MIN_HOURS) | ((counts > 0) & (best > cap))
    return Daily(np.where(ok, best, np.nan), counts)


def daily_values(
    hourly: Mapping[str, Any], *, standard: str | AirStandard = AirStandard.V2012
) -> dict[str, np.ndarray]:
    """Daily indicators from hourly arrays: 24-h means, "O3" = MDA8, "O3_1h" = daily max 1-h."""
    out: dict[str, np.ndarray] = {}
    for pollutant, values in hourly.items():
        if pollutant == "O3":
            out["O3"] = daily_max_8h(values, standard=standard).values
            out["O3_1h"] = daily_max_1h(values, standard=standard).values
        else:
            out[pollutant] = daily_means(values, pollutant).values
    return out


# ---- percentiles -------------------------------------------------------------------------------------------


def percentile_hj663(values: Any, p: int) -> float:
    """HJ 663 Annex A percentile of the valid values (k = 1 + (n-1)p/100; linear between order statistics)."""
    x = np.sort(np.asarray(values, dtype=np.float64)[~np.isnan(np.asarray(values, dtype=np.float64))])
    if x.size == 0:
        raise ValueError("no valid values")
    rank = Fraction(x.size - 1) * p / 100
    s = int(rank)
    if s + 1 >= x.size:
        return float(x[-1])
    low, high = Fraction(repr(float(x[s]))), Fraction(repr(float(x[s + 1])))
    return float(low + (high - low) * (rank - s))


def _grid_stats(daily: np.ndarray, scale: int, p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact sums and HJ 663 percentile numerators on the integer grid, along the last axis.

    Returns (n, sum, percentile × 100) in grid units; percentile × 100 is -1 where n == 0.
    """
    valid = ~np.isnan(daily)
    n = valid.sum(axis=-1)
    grid = np.where(valid, np.rint(np.where(valid, daily, 0.0) * scale), 0).astype(np.int64)
    total = grid.sum(axis=-1)
    ordered = np.sort(np.where(valid, grid, np.iinfo(np.int64).max), axis=-1)  # invalid values sort last
    rank = (np.maximum(n, 1) - 1) * p  # (k - 1) × 100
    s = rank // 100
    frac = rank % 100
    last = np.maximum(n - 1, 0)
    low = np.take_along_axis(ordered, s[..., None], axis=-1)[..., 0]
    high = np.take_along_axis(ordered, np.minimum(s + 1, last)[..., None], axis=-1)[..., 0]
    high = np.where(s + 1 > last, low, high)
    pct100 = np.where(n > 0, low * 100 + (high - low) * frac, -1)
    return n, total, pct100


# ---- period statistics -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statistic:
    name: str  # e.g. "PM2.5_mean", "PM2.5_P95", "O3_MDA8_P90"
    pollutant: str
    kind: str  # "mean" or "percentile"
    value: np.ndarray  # (stations, periods) float, NaN where data are insufficient
    rounded: np.ndarray  # GB/T 8170 [U digits], NaN where insufficient
    valid_days: np.ndarray
    sufficient: np.ndarray
    limit: np.ndarray  # grade-2 limit per period (NaN when none)
    verdict: np.ndarray  # int8: ATTAINS, EXCEEDS, INSUFFICIENT or NOT_ASSESSED
    multiple: np.ndarray  # (C - S)/S on the rounded value where it exceeds, else NaN


@dataclass(frozen=True)
class Evaluation:
    by: str
    periods: list[str]  # "2024", "2024-Q1", "2024-01"
    period_start: list[date]
    period_end: list[date]
    statistics: dict[str, Statistic]
    valid_aqi_days: np.ndarray  # (stations, periods)
    good_days: np.ndarray
    heavy_days: np.ndarray
    good_ratio: np.ndarray  # percent, 1 dp (GB/T 8170), NaN with no valid day
    composite: np.ndarray  # from the rounded statistics, unrounded; NaN when a statistic is insufficient
    composite_rounded: np.ndarray  # 2 dp
    composite_main: list[list[str]]  # pollutant(s) with the largest single index
    attainment: np.ndarray  # int8 over all statistics: ATTAINS, EXCEEDS, INSUFFICIENT or NOT_ASSESSED



def _periods(first: date, days: int, by: str) -> list[tuple[str, int, int, date, date]]:
    """(label, first index, stop index, first day, last day) of each calendar period touched by the days."""
    if by not in ("month", "quarter", "year", "to_date"):
        raise ValueError("by must be month, quarter, year or to_date")
    out: list[tuple[str, int, int, date, date]] = []
    last = first + timedelta(days=days - 1)
    if by == "to_date":
        return [(f"{first.isoformat()}/{last.isoformat()}", 0, days, first, last)]
    cursor = first
    while cursor <= last:
        if by == "year":
            start, label = date(cursor.year, 1, 1), f"{cursor.year}"
            end = date(cursor.year, 12, 31)
        else:
            months = 3 if by == "quarter" else 1
            month = (cursor.month - 1) // months * months + 1
            start = date(cursor.year, month, 1)
            nxt = date(start.year + (month + months - 1) // 12, (month + months - 1) % 12 + 1, 1)
            end = nxt - timedelta(days=1)
            label = (
                f"{cursor.year}-Q{(month - 1) // 3 + 1}" if by == "quarter" else f"{cursor.year}-{month:02d}"
            )
        i0 = (max(start, first) - first).days
        i1 = (min(end, last) - first).days + 1
        out.append((label, i0, i1, start, end))
        cursor = end + timedelta(days=1)
    return out


def _month_minimum(year: int, month: int) -> int:
    return unverified.FEBRUARY_MIN_DAYS if month == 2 else unverified.MONTH_MIN_DAYS


def _sufficient(valid: np.ndarray, first: date, i0: int, start: date, end: date, by: str) -> np.ndarray:
    """Minimum data per HJ 663 / GB 3095 Table 4 [U parts in unverified.py]; valid is (stations, days)
    bool."""
    ok = np.ones(valid.shape[0], dtype=bool)
    cursor = start
    while cursor <= end:
        nxt = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
        if by == "to_date" and nxt - timedelta(days=1) > end and not unverified.TO_DATE_JUDGES_RUNNING_MONTH:
            break
        a = (cursor - first).days - i0
        b = (nxt - first).days - i0
        month_valid = valid[:, max(a, 0) : max(b, 0)].sum(axis=1)
        ok &= month_valid >= _month_minimum(cursor.year, cursor.month)
        cursor = nxt
    if by == "year":
        ok &= valid.sum(axis=1) >= unverified.YEAR_MIN_DAYS
    return ok


def evaluate_daily(
    daily: Mapping[str, Any],
    *,
    first_day: date,
    by: str = "year",
    standard: str | AirStandard | None = None,
    grade: int = 2,
) -> Evaluation:
    """HJ 663 statistics of daily values: SO2/NO2/PM10/PM2.5/CO 24-h means and O3 = MDA8 (optional O3_1h =
    daily max 1-h), each (stations, days) or (days,), from `first_day` on. `standard` None = by date.

    by "month", "quarter" or "year" cuts the days into calendar periods; "to_date" takes all of them as one
    period (累计, e.g. "so far this year"), where each calendar month that has ended must meet its monthly
    minimum and no yearly minimum applies (see unverified.TO_DATE_JUDGES_RUNNING_MONTH)."""
    arrays = {k: np.atleast_2d(np.asarray(v, dtype=np.float64)) for k, v in daily.items()}
    missing = [p for p in air_tables.POLLUTANTS if p not in arrays]
    if missing:
        raise ValueError(f"daily values are missing for {', '.join(missing)}")
    n_days = arrays["SO2"].shape[-1]
    stations = arrays["SO2"].shape[0]
    forced = parse_standard(standard)
    periods = _periods(first_day, n_days, by)

    # Daily AQI, each day under its own version (or the forced one).
    times = np.arange(
        np.datetime64(first_day.isoformat(), "D"), np.datetime64(first_day.isoformat(), "D") + n_days
    ).astype("datetime64[m]")
    columns = {
        "SO2": arrays["SO2"],
        "NO2": arrays["NO2"],
        "CO": arrays["CO"],
        "PM10": arrays["PM10"],
        "PM2.5": arrays["PM2.5"],
        "O3_8h": arrays["O3"],
    }
    if "O3_1h" in arrays:
        columns["O3_1h"] = arrays["O3_1h"]
    flat = {k: np.ascontiguousarray(v).reshape(-1) for k, v in columns.items()}
    day_aqi = compute_aqi(flat, period="day", standard=forced, times=np.tile(times, stations))
    aqi = day_aqi.aqi.reshape(stations, n_days)
    # A day counts when its AQI is complete, or when even the incomplete AQI is above 100 (so not a good day).
    counted = (aqi >= 0) & (~day_aqi.incomplete.reshape(stations, n_days) | (aqi > 100))

    labels = [p[0] for p in periods]
    shape = (stations, len(periods))
    statistics: dict[str, Statistic] = {}
    composite_parts: dict[str, np.ndarray] = {}
    valid_aqi = np.zeros(shape, dtype=np.int64)
    good = np.zeros(shape, dtype=np.int64)
    heavy = np.zeros(shape, dtype=np.int64)
    for column, (_, i0, i1, _, _) in enumerate(periods):
        c = counted[:, i0:i1]
        a = aqi[:, i0:i1]
        valid_aqi[:, column] = c.sum(axis=1)
        good[:, column] = (c & (a <= 100)).sum(axis=1)  # 优良: AQI <= 100 [S]
        heavy[:, column] = (c & (a > 200)).sum(axis=1)  # 重污染: AQI > 200, 重度及以上 [S/U]

    for pollutant in air_tables.POLLUTANTS:
        scale = air_tables.SCALE[pollutant]
        digits = unverified.STAT_DECIMALS[pollutant]
        p = air_tables.PERCENTILE_OF_DAILY[pollutant]
        kinds = (["mean"] if pollutant in air_tables.HAS_PERIOD_MEAN else []) + ["percentile"]
        for kind in kinds:
            name = (
                f"{pollutant}_mean"
                if kind == "mean"
                else (f"O3_MDA8_P{p}" if pollutant == "O3" else f"{pollutant}_P{p}")
            )
            value = np.full(shape, np.nan)
            rounded = np.full(shape, np.nan)
            valid_days = np.zeros(shape, dtype=np.int64)
            sufficient = np.zeros(shape, dtype=bool)
            limits = np.full(shape, np.nan)
            verdict = np.full(shape, NOT_ASSESSED, dtype=np.int8)
            for column, (_, i0, i1, start, end) in enumerate(periods):
                part = arrays[pollutant][:, i0:i1]
                n, total, pct100 = _grid_stats(part, scale, p)
                ok = _sufficient(~np.isnan(part), first_day, i0, start, end, by)
                valid_days[:, column] = n
                sufficient[:, column] = ok
                if kind == "mean":
                    num, den = total, np.maximum(n, 1) * scale
                else:
                    num, den = pct100, np.full_like(n, 100 * scale)
                exact = num / den
                rounded_value = round_half_even_ratio(num * 10**digits, den) / 10**digits
                value[:, column] = np.where(ok, exact, np.nan)
                rounded[:, column] = np.where(ok, rounded_value, np.nan)
                version = forced or _period_version(end)
                averaging = "year" if kind == "mean" else ("MDA8" if pollutant == "O3" else "24h")
                lim = limit(pollutant, averaging, standard=version, day=end, grade=grade)
                limits[:, column] = np.nan if lim is None else lim
                if by == "year" or not unverified.ATTAINMENT_ONLY_FOR_YEARS:
                    verdict[:, column] = np.where(
                        ok, np.where(rounded[:, column] <= lim, ATTAINS, EXCEEDS), INSUFFICIENT
                    )
                if pollutant in composite_divisors(standard=version, day=end) and (
                    kind == "mean" or pollutant in ("CO", "O3")
                ):
                    divisor = composite_divisors(standard=version, day=end)[pollutant]
                    composite_parts.setdefault(pollutant, np.full(shape, np.nan))[:, column] = (
                        rounded[:, column] / divisor
                    )
            with np.errstate(invalid="ignore"):
                multiple = np.where(rounded > limits, (rounded - limits) / limits, np.nan)
            statistics[name] = Statistic(
                name, pollutant, kind, value, rounded, valid_days, sufficient, limits, verdict, multiple
            )

    order = list(air_tables.POLLUTANTS)
    stack = np.stack([composite_parts[p] for p in order])
    composite = stack.sum(axis=0)  # NaN as soon as one statistic is insufficient
    main: list[list[str]] = []
    for s in range(stations):
        row = []
        for column in range(len(periods)):
            parts = stack[:, s, column]
            if np.isnan(parts).any():
                row.append("")
            else:
                top = parts.max()
                row.append(",".join(order[j] for j in range(len(order)) if parts[j] == top))
        main.append(row)
    verdicts = np.stack([st.verdict for st in statistics.values()])
    attainment = np.where(
        (verdicts == NOT_ASSESSED).all(axis=0),
        NOT_ASSESSED,
        np.where(
            (verdicts == INSUFFICIENT).any(axis=0),
            INSUFFICIENT,
            np.where((verdicts == EXCEEDS).any(axis=0), EXCEEDS, ATTAINS),
        ),
    ).astype(np.int8)
    good_ratio = np.where(
        valid_aqi > 0, round_half_even_ratio(good * 1000, np.maximum(valid_aqi, 1)) / 10.0, np.nan
    )
    return Evaluation(
        by,
        labels,
        [p[3] for p in periods],
        [p[4] for p in periods],
        statistics,
        valid_aqi,
        good,
        heavy,
        good_ratio,
        composite,
        gbt8170_array(composite, unverified.COMPOSITE_DECIMALS),
        main,
        attainment,
    )


def _period_version(end: date) -> AirStandard:
    # [U] unverified.PERIOD_LIMITS_FROM_LAST_DAY: the version in force on the period's last day.
    return AirStandard.V2026 if end >= EFFECTIVE_2026 else AirStandard.V2012


def evaluate_hourly(
    hourly: Mapping[str, Any],
    *,
    first_day: date,
    by: str = "year",
    standard: str | AirStandard | None = None,
    grade: int = 2,
) -> Evaluation:
    """HJ 663 statistics from hourly arrays (stations, hours) of SO2, NO2, CO (mg/m³), O3, PM10, PM2.5."""
    missing = [p for p in air_tables.POLLUTANTS if p not in hourly]
    if missing:
        raise ValueError(f"hourly values are missing for {', '.join(missing)}")
    version = parse_standard(standard)
    if version is None:
        # Window and validity rules of HJ 663 are the same in both versions as far as is known [U]; the MDA8
        # windows follow the version of the first day.
        version = AirStandard.V2026 if first_day >= EFFECTIVE_2026 else AirStandard.V2012
    daily = daily_values(hourly, standard=version)
    return evaluate_daily(daily, first_day=first_day, by=by, standard=standard, grade=grade)


# ---- single figures ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompositeIndex:
    value: Fraction  # exact, from the statistics as given
    rounded: float  # 2 dp, GB/T 8170
    single: dict[str, Fraction]
    main_pollutants: tuple[str, ...]


def composite_index(
    statistics: Mapping[str, float],
    *,
    standard: str | AirStandard = AirStandard.V2012,
    day: date | None = None,
) -> CompositeIndex:
    """环办监测〔2018〕19号: I_sum = Σ C_i / S_i over SO2, NO2, PM10, PM2.5 (period means), CO (P95 of daily
    means, mg/m³) and O3 (P90 of MDA8). Weights are not applied: no official source for them."""
    divisors = composite_divisors(standard=standard, day=day)
    missing = [p for p in air_tables.POLLUTANTS if statistics.get(p) is None]
    if missing:
        raise ValueError(f"insufficient data: no statistic for {', '.join(missing)}")
    single = {
        p: Fraction(repr(float(statistics[p]))) / Fraction(repr(divisors[p])) for p in air_tables.POLLUTANTS
    }
    total = sum(single.values(), Fraction(0))
    top = max(single.values())
    return CompositeIndex(
        total,
        float(gbt8170(total, unverified.COMPOSITE_DECIMALS)),
        single,
        tuple(p for p in air_tables.POLLUTANTS if single[p] == top),
    )


def good_days_ratio(good_days: int, valid_days: int) -> float | None:
    """优良天数比例 in percent, 1 dp (GB/T 8170); None (insufficient data) with no valid day."""
    if valid_days <= 0:
        return None
    return float(gbt8170(Fraction(100 * good_days, valid_days), unverified.PERCENT_DECIMALS))


def hour_mean_valid(sampling_minutes: float) -> bool:
    """GB 3095-2012 Table 4 [U]: a 1-h mean needs >= 45 minutes of sampling."""
    return sampling_minutes >= unverified.HOUR_MIN_MINUTES
