"""AQI per HJ 633: sub-indices, AQI, level, primary and exceeding pollutants, for arrays and for one record.

How it is exact and fast: a concentration is read once onto an integer grid (0.01 µg/m³; 0.001 mg/m³ for CO),
and the rounded-up IAQI of every grid point of a breakpoint row is tabulated once with integer arithmetic
(lookup tables of at most 384,004 int16). An array of concentrations then costs a multiply, a clip and a
table lookup, done in cache-sized chunks. Sentinel entries of the same tables carry the special cases.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

import numpy as np

from lanqing.standards import air_tables, unverified
from lanqing.standards.rounding import ceil_div
from lanqing.standards.versions import BY_CODE, CODES, AirStandard, parse_standard, standards_for_times

# Codes in IAQI arrays besides 0 … 500.
MISSING = -1  # no value
INVALID = -2  # negative, or not a number
NOT_COMPUTED = -3  # HJ 633-2012 notes 2 and 3: SO2 1-h > 800 or O3 8-h > 800
SUSPECT_UNIT = -4  # CO so large that it was surely given in µg/m³
NOT_USED = -5  # the indicator is not part of this version's report (e.g. O3 1-h in the 2026 daily AQI)
ABOVE_TABLE = 501  # beyond the last breakpoint; reported as 500 and flagged

FLAG_NAMES = {
    MISSING: "missing",
    INVALID: "invalid",
    NOT_COMPUTED: "not_computed",
    SUSPECT_UNIT: "suspect_unit",
    NOT_USED: "not_used",
    ABOVE_TABLE: "above_table",
}

PERIODS = ("hour", "day")

# Canonical indicator names, in the order ties are listed (CNEMC lists PM10 before PM2.5 before 臭氧1小时).
ORDER = ("SO2", "NO2", "CO", "PM10", "PM2.5", "O3_1h", "O3_8h")
# Which breakpoint row scores each indicator. HJ 633-2012 note 1: 1-h rows of SO2/NO2/CO only in the hourly
# report; the hourly report scores the 1-h PM values on the 24-h PM rows (verified on 2,937 CNEMC
# station-hours).
ROWS = {
    "hour": {
        "SO2": "SO2_1h",
        "NO2": "NO2_1h",
        "CO": "CO_1h",
        "PM10": "PM10_24h",
        "PM2.5": "PM2.5_24h",
        "O3_1h": "O3_1h",
        "O3_8h": "O3_8h",
    },
    "day": {
        "SO2": "SO2_24h",
        "NO2": "NO2_24h",
        "CO": "CO_24h",
        "PM10": "PM10_24h",
        "PM2.5": "PM2.5_24h",
        "O3_1h": "O3_1h",
        "O3_8h": "O3_8h",
    },
}
REQUIRED = {
    "hour": ("SO2", "NO2", "CO", "PM10", "PM2.5", "O3_1h"),
    "day": ("SO2", "NO2", "CO", "PM10", "PM2.5", "O3_8h"),
}
# Real-time report 2012: the O3 8-h running mean enters when supplied (published city records list 臭氧8小时 as
# primary); CNEMC station records leave it out, and so does the 2026 real-time report (six 1-h values) [S].
OPTIONAL = {
    ("hour", "2012"): ("O3_8h",),
    ("hour", "2026"): (),
    ("day", "2012"): ("O3_1h",) if unverified.DAILY_USES_O3_1H["2012"] else (),
    ("day", "2026"): ("O3_1h",) if unverified.DAILY_USES_O3_1H["2026"] else (),
}
# HJ 633-2012 note 2: with SO2 1-h > 800 the SO2 sub-index comes from the 24-h mean, given as column SO2_24h.
FALLBACK_COLUMN = "SO2_24h"

_ALIASES = {
    "PM2.5": "PM2.5",
    "PM2_5": "PM2.5",
    "PM25": "PM2.5",
    "PM10": "PM10",
    "SO2": "SO2",
    "NO2": "NO2",
    "CO": "CO",
    "O3": "O3_1h",
    "O3_1H": "O3_1h",
    "O3_8H": "O3_8h",
    "O3-8H": "O3_8h",
    "O3_8": "O3_8h",
    "SO2_24H": "SO2_24h",
}


def canonical(column: str) -> str | None:
    """The indicator a column holds ("pm2_5" -> "PM2.5", "O3" -> "O3_1h"), or None for other columns."""
    return _ALIASES.get(column.strip().upper())


def pollutant_of(indicator: str) -> str:
    return "O3" if indicator.startswith("O3") else indicator.split("_")[0]


class MissingIndicators(ValueError):
    def __init__(self, missing: Sequence[str], period: str) -> None:
        kind = "hourly" if period == "hour" else "daily"
        super().__init__(
            f"the {kind} AQI needs the indicator(s) {', '.join(missing)}; give them (blank values "
            "are fine) or the AQI cannot be judged"
        )
        self.missing = tuple(missing)


# ---- lookup tables -----------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Table:
    scale: int
    qmax: int  # grid index of the last breakpoint
    lut: np.ndarray  # int16: [MISSING, INVALID, iaqi(q=0) … iaqi(q=qmax), above]


@cache
def _table(version: str, row: str, check_unit: bool = False) -> _Table:
    pollutant = pollutant_of(row)
    scale = air_tables.SCALE[pollutant]
    points = np.array(air_tables.BREAKPOINTS[version][row], dtype=np.int64) * scale
    steps = np.array(air_tables.IAQI_STEPS[: len(points)], dtype=np.int64)
    qmax = int(points[-1])
    q = np.arange(qmax + 1, dtype=np.int64)
    segment = np.clip(np.searchsorted(points, q, side="right") - 1, 0, len(points) - 2)
    lo, hi = points[segment], points[segment + 1]
    ilo, ihi = steps[segment], steps[segment + 1]
    # HJ 633-2012 §6.2: IAQI rounded up; exact because it is an integer division.
    values = ilo + ceil_div((ihi - ilo) * (q - lo), hi - lo)
    if version == "2026" and row in air_tables.CAPPED_ABOVE_2026:
        above = air_tables.CAPPED_ABOVE_2026[row]
    elif row in ("SO2_1h", "O3_8h"):
        above = NOT_COMPUTED
    else:
        above = ABOVE_TABLE
    lut = np.concatenate([[MISSING, INVALID], values, [above]]).astype(np.int16)
    if check_unit and pollutant == "CO":
        # Every CO value the table defines is scored (HJ 633 Table 1 runs to 150 mg/m³ 1-h, 60 mg/m³ 24-h);
        # only a value above the table is taken for one given in µg/m³ and gets no sub-index.
        lut[-1] = SUSPECT_UNIT
    lut.setflags(write=False)
    return _Table(scale, qmax, lut)


CHUNK = 65536
# Inputs this large are split over the machine's cores: numpy releases the GIL in every call of the chunk
# loop, and each part writes only its own slice of the outputs. Small inputs (a site page) stay on one thread.
PARALLEL_FROM = 8 * CHUNK
_pool: ThreadPoolExecutor | None = None


def _in_parallel(run: Callable[[int, int], None], n: int) -> None:
    """Calls run(first, last) over [0, n): once, or on chunk-aligned parts in a thread pool."""
    global _pool
    workers = min(os.cpu_count() or 1, 8)
    if n < PARALLEL_FROM or workers == 1:
        run(0, n)
        return
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="aqi")
    per_part = -(-n // workers)
    per_part = -(-per_part // CHUNK) * CHUNK  # whole chunks, so no part shares a cache line of output
    futures = [_pool.submit(run, first, min(first + per_part, n)) for first in range(0, n, per_part)]
    for future in futures:
        future.result()


def _codes(values: np.ndarray, table: _Table, out: np.ndarray) -> None:
    """IAQI codes of float64 `values` into int16 `out`, chunk by chunk so the temporaries stay in cache."""
    n = values.shape[0]
    work = np.empty(min(n, CHUNK), dtype=np.float64)
    index = work.view(np.intp)  # the float grid positions become table indices in place
    with np.errstate(invalid="ignore"):  # see `_codes_chunk`
        for start in range(0, n, CHUNK):
            stop = min(start + CHUNK, n)
            _codes_chunk(
                values[start:stop], table, out[start:stop], work[: stop - start], index[: stop - start]
            )


def _codes_chunk(values: np.ndarray, table: _Table, out: np.ndarray, f: np.ndarray, i: np.ndarray) -> None:
    # index = round(value × scale) + 2, half up (a half-way value is below the grid's resolution). Truncation
    # and mode="clip" send NaN, ±inf and values below -1.5 grid steps to 0 (MISSING; `_refine` tells a
    # non-number from a bad number later), -1.5 … -0.5 steps to 1 (INVALID) and everything beyond the table to
    # its last entry. The caller silences the "invalid value" warning of the NaN cast once for all chunks
    # (entering np.errstate costs about as much as a chunk's add).
    np.multiply(values, table.scale, out=f)
    np.add(f, 2.5, out=i, casting="unsafe")  # i may share f's memory: numpy casts through its own buffer
    np.take(table.lut, i, out=out, mode="clip")


def _refine(codes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """MISSING codes of values that are numbers (negative, infinite) become INVALID; returns a new array."""
    out = codes.copy()
    out[(codes == MISSING) & ~np.isnan(values)] = INVALID
    return out


def iaqi_codes(values: Any, row: str, *, standard: str | AirStandard) -> np.ndarray:
    """Rounded-up IAQI of an array on one breakpoint row (e.g. "PM2.5_24h"), with the codes of this module."""
    version = _version(standard)
    array = np.ascontiguousarray(values, dtype=np.float64).reshape(-1)
    out = np.empty(array.shape[0], dtype=np.int16)
    _codes(array, _table(version, row), out)
    return _refine(out, array).reshape(np.shape(values))


@dataclass(frozen=True)
class SubIndex:
    value: int | None  # None when the standard gives no sub-index for this value
    flags: tuple[str, ...] = ()


def iaqi(concentration: float | None, row: str, *, standard: str | AirStandard) -> SubIndex:
    """One IAQI; `row` names the breakpoint row, e.g. "CO_24h" (CO in mg/m³, the rest in µg/m³)."""
    value = np.nan if concentration is None else float(concentration)
    code = int(iaqi_codes(np.array([value]), row, standard=standard)[0])
    return _sub_index(code)


def _sub_index(code: int, fallback: bool = False) -> SubIndex:
    extra = ("fallback_24h",) if fallback else ()
    if code == ABOVE_TABLE:
        return SubIndex(unverified.ABOVE_TABLE_IAQI, ("above_table", *extra))
    if code < 0:
        return SubIndex(None, (FLAG_NAMES[code], *extra))
    return SubIndex(code, extra)


def _version(standard: str | AirStandard) -> str:
    parsed = parse_standard(standard)
    if parsed is None:
        raise ValueError("a standard version is needed here (2012 or 2026), not auto")
    return parsed.value


# ---- levels ------------------------------------------------------------------------------------------------

# Level by AQI 0 … 500 (HJ 633-2012 Table 2), index shifted by one so that NA (-1) gives level 0.
_LEVEL_BY_AQI = np.concatenate(
    [[0], np.searchsorted(np.array(air_tables.LEVEL_UPPER), np.arange(501), side="left") + 1]
).astype(np.int8)


def levels(aqi_values: Any) -> np.ndarray:
    """AQI level 1–6 per value (HJ 633-2012 Table 2); 0 where the AQI is NA (negative)."""
    a = np.asarray(aqi_values)
    return _LEVEL_BY_AQI[np.clip(a, -1, 500).astype(np.intp) + 1]


@dataclass(frozen=True)
class Level:
    level: int
    numeral_zh: str
    category_zh: str
    category_en: str
    colour_zh: str
    rgb: tuple[int, int, int]
    cmyk: tuple[int, int, int, int]

    @property
    def hex(self) -> str:
        return "#{:02X}{:02X}{:02X}".format(*self.rgb)


LEVELS = tuple(
    Level(
        i + 1,
        air_tables.LEVEL_NUMERALS[i],
        air_tables.CATEGORY_ZH[i],
        air_tables.CATEGORY_EN[i],
        air_tables.COLOUR_ZH[i],
        air_tables.COLOUR_RGB[i],
        air_tables.COLOUR_CMYK[i],
    )  # type: ignore[arg-type]
    for i in range(6)
)


def level_of(aqi_value: int) -> Level:
    if aqi_value < 0:
        raise ValueError("an AQI is never negative")
    return LEVELS[int(_LEVEL_BY_AQI[min(aqi_value, 500) + 1]) - 1]


# ---- AQI of arrays -----------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class AqiResult:
    """AQI of n records. Integer arrays use -1 for NA: read them through `aqi >= 0` or the helpers."""

    period: str
    columns: tuple[str, ...]  # the caller's column names; required indicators first
    indicators: tuple[str, ...]  # canonical names of those columns
    standard: np.ndarray  # int8 per record: 0 = 2012, 1 = 2026, -1 = date out of range (no AQI)
    codes: np.ndarray  # int16 (k, n): IAQI or a code of this module (see `value_codes` for the refined codes)
    aqi: np.ndarray  # int16 (n,): 0 … 500, -1 = NA
    above_table: np.ndarray  # bool: some value beyond its table; the AQI is at least 500 ("500+")
    incomplete: np.ndarray  # bool: a required indicator had no usable value
    primary: np.ndarray  # uint8 bit mask over `columns` (bit j = columns[j]); 0 when AQI <= 50 or NA
    fallback: np.ndarray = field(repr=False)  # bool: SO2 sub-index taken from SO2_24h (note 2)
    values: tuple[np.ndarray, ...] = field(repr=False, default=())  # the inputs, as given (not copied)

    def __len__(self) -> int:
        return int(self.aqi.shape[0])

    @property
    def level(self) -> np.ndarray:
        """Level 1–6 per record, 0 where the AQI is NA."""
        return levels(self.aqi)

    @property
    def exceeding(self) -> np.ndarray:
        """uint8 bit mask of the exceeding pollutants (超标污染物, IAQI > 100) of HJ 633-2012; 0 under 2026,
        which drops the notion."""
        weights = (1 << np.arange(len(self.columns))).astype(np.uint8)
        bits = np.einsum("j,jm->m", weights, (self.codes > 100).view(np.uint8))
        bits[self.standard != 0] = 0
        return bits

    def _exceeding_of(self, i: int) -> int:
        if self.standard[i] != 0:
            return 0
        return sum(1 << j for j in range(len(self.columns)) if self.codes[j, i] > 100)

    @property
    def date_out_of_range(self) -> np.ndarray:
        return self.standard < 0

    def value_codes(self, column: str) -> np.ndarray:
        """Codes of one column with INVALID told apart from MISSING."""
        j = self.columns.index(column)
        return _refine(self.codes[j], self.values[j]) if self.values else self.codes[j].copy()

    def iaqi(self, column: str) -> np.ndarray:
        """Sub-index of one column: int16, -1 where none (see `value_codes`), 500 for above-table values."""
        codes = self.codes[self.columns.index(column)]
        out = np.where(codes < 0, np.int16(-1), codes)
        out[codes == ABOVE_TABLE] = unverified.ABOVE_TABLE_IAQI
        return out

    def names(self, mask: int) -> list[str]:
        """Column names of a bit mask, in the order ties are published (PM10, PM2.5, O3 1-h …)."""
        chosen = [j for j in range(len(self.columns)) if mask >> j & 1]
        return [self.columns[j] for j in sorted(chosen, key=lambda j: ORDER.index(self.indicators[j]))]

    def joined(self, masks: np.ndarray, sep: str = ",") -> list[str]:
        """Names for each mask, joined by `sep` ("" for none); one join per distinct mask."""
        unique, inverse = np.unique(masks, return_inverse=True)
        texts = [sep.join(self.names(int(m))) for m in unique]
        return [texts[j] for j in inverse.reshape(-1)]

    def sub_index(self, column: str, i: int) -> SubIndex:
        j = self.columns.index(column)
        code = int(self.codes[j, i])
        if code == MISSING and self.values and not np.isnan(self.values[j][i]):
            code = INVALID
        return _sub_index(code, bool(self.fallback[i]) and self.indicators[j] == "SO2")

    def record(self, i: int) -> AqiReport:
        value = int(self.aqi[i])
        sub = {c: self.sub_index(c, i) for c in self.columns}
        return AqiReport(
            standard=BY_CODE.get(int(self.standard[i])),
            aqi=value if value >= 0 else None,
            above_table=bool(self.above_table[i]),
            incomplete=bool(self.incomplete[i]),
            level=level_of(value) if value >= 0 else None,
            primary_pollutants=tuple(self.names(int(self.primary[i]))),
            exceeding_pollutants=tuple(self.names(self._exceeding_of(i))),
            iaqi={c: s.value for c, s in sub.items()},
            flags={c: s.flags for c, s in sub.items() if s.flags},
            date_out_of_range=bool(self.standard[i] < 0),
        )


@dataclass(frozen=True)
class AqiReport:
    standard: AirStandard | None
    aqi: int | None
    above_table: bool
    incomplete: bool
    level: Level | None
    primary_pollutants: tuple[str, ...]
    exceeding_pollutants: tuple[str, ...]
    iaqi: dict[str, int | None]
    flags: dict[str, tuple[str, ...]]
    date_out_of_range: bool = False

    @property
    def display(self) -> str:
        """ "NA", "500+" or the AQI."""
        if self.aqi is None:
            return "NA"
        return f"{self.aqi}+" if self.above_table else str(self.aqi)


def _select_columns(values: Mapping[str, Any], period: str) -> tuple[list[tuple[str, str]], str | None]:
    if period not in PERIODS:
        raise ValueError(f"period must be 'hour' or 'day', not {period!r}")
    chosen: dict[str, str] = {}
    fallback = None
    for column in values:
        name = canonical(column)
        if name is None:
            continue
        if name == FALLBACK_COLUMN:
            if period == "hour":
                fallback = column
            continue
        if name in chosen:
            raise ValueError(f"columns {chosen[name]!r} and {column!r} both hold {name}")
        chosen[name] = column
    missing = [name for name in REQUIRED[period] if name not in chosen]
    if missing:
        raise MissingIndicators(missing, period)
    # Required indicators first, so that the AQI's completeness is a check on the leading rows.
    ordered = [(name, chosen[name]) for name in ORDER if name in REQUIRED[period]]
    ordered += [(name, chosen[name]) for name in ORDER if name in chosen and name not in REQUIRED[period]]
    return ordered, fallback


def compute_aqi(
    values: Mapping[str, Any],
    *,
    period: str,
    standard: str | AirStandard | None = None,
    times: Any = None,
    today: date | None = None,
    check_co_unit: bool = True,
    partial: bool = False,
) -> AqiResult:
    """AQI of equal-length arrays keyed by column name ("SO2", "PM2.5", "O3_8h" …; CO in mg/m³, rest µg/m³).

    period "hour": 1-h SO2/NO2/CO/O3/PM10/PM2.5 (+ optional O3_8h under 2012, + SO2_24h for the SO2 > 800
    rule).
    period "day": 24-h SO2/NO2/CO/PM10/PM2.5 and O3_8h (daily max 8-h), + optional O3 (daily max 1-h, 2012).
    The version is `standard` (forced) or chosen per record from `times` (datetime64 or datetimes, local
    time).
    With `check_co_unit`, CO above its table (the 1-h or 24-h row) gets no sub-index (flag "suspect_unit");
    without it such a value scores as any value above the table.
    With `partial`, an incomplete record keeps the AQI of the indicators that have a sub-index (still flagged
    incomplete) where the version would publish NA (unverified.NA_IF_INCOMPLETE_AND_AQI_AT_MOST).
    """
    columns, fallback_column = _select_columns(values, period)
    arrays = [np.ascontiguousarray(values[c], dtype=np.float64).reshape(-1) for _, c in columns]
    n = arrays[0].shape[0]
    if any(a.shape[0] != n for a in arrays):
        raise ValueError("all columns must have the same length")
    fallback_values = (
        np.ascontiguousarray(values[fallback_column], dtype=np.float64).reshape(-1)
        if fallback_column
        else None
    )
    single = None  # the one version of all records, when known without looking at them
    if standard is not None and parse_standard(standard) is not None:
        forced = parse_standard(standard)
        assert forced is not None
        if times is None:
            version_codes = np.full(n, CODES[forced], dtype=np.int8)
            single = forced
        else:
            version_codes = standards_for_times(
                _as_datetime64(times), hourly=period == "hour", force=forced, today=today
            )
    elif times is not None:
        version_codes = standards_for_times(_as_datetime64(times), hourly=period == "hour", today=today)
    else:
        raise ValueError("give the standard version or the times of the data")

    names = tuple(name for name, _ in columns)
    labels = tuple(c for _, c in columns)
    if single is None:
        first = int(version_codes[0]) if n else 0
        if first >= 0 and bool((version_codes == first).all()):
            single = BY_CODE[first]
    if single is not None:
        # One version for all records (the usual case): no copies.
        part = _compute_version(names, arrays, fallback_values, period, single.value, check_co_unit,
                                partial)
        codes, aqi, above, incomplete, primary, fallback = part
        return AqiResult(
            period,
            labels,
            names,
            version_codes,
            codes,
            aqi,
            above,
            incomplete,
            primary,
            fallback,
            values=tuple(arrays),
        )
    k = len(names)
    codes = np.full((k, n), MISSING, dtype=np.int16)
    aqi = np.full(n, MISSING, dtype=np.int16)
    above = np.zeros(n, dtype=bool)
    incomplete = np.zeros(n, dtype=bool)
    primary = np.zeros(n, dtype=np.uint8)
    fallback = np.zeros(n, dtype=bool)
    for code, version in BY_CODE.items():
        rows = np.flatnonzero(version_codes == code)
        if not rows.size:
            continue
        sub_fallback = fallback_values[rows] if fallback_values is not None else None
        part = _compute_version(
            names, [a[rows] for a in arrays], sub_fallback, period, version.value, check_co_unit, partial
        )
        codes[:, rows] = part[0]
        aqi[rows], above[rows], incomplete[rows] = part[1], part[2], part[3]
        primary[rows], fallback[rows] = part[4], part[5]
    return AqiResult(
        period,
        labels,
        names,
        version_codes,
        codes,
        aqi,
        above,
        incomplete,
        primary,
        fallback,
        values=tuple(arrays),
    )


def _as_datetime64(times: Any) -> np.ndarray:
    array = np.asarray(times)
    if array.dtype.kind == "M":
        return array
    return np.array(
        [np.datetime64("NaT") if t is None else np.datetime64(t) for t in array.reshape(-1)],
        dtype="datetime64[m]",
    )


def _compute_version(
    names: tuple[str, ...],
    arrays: list[np.ndarray],
    fallback_values: np.ndarray | None,
    period: str,
    version: str,
    check_unit: bool,
    partial: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n = arrays[0].shape[0] if arrays else 0
    k = len(names)
    codes = np.empty((k, n), dtype=np.int16)
    used = set(REQUIRED[period]) | set(OPTIONAL[(period, version)])
    tables = [_table(version, ROWS[period][name], check_unit) if name in used else None for name in names]
    fallback = np.zeros(n, dtype=bool)
    # HJ 633-2012 note 2: SO2 1-h > 800 -> the SO2 sub-index of the 24-h mean, when that is given.
    so2 = (
        names.index("SO2") if period == "hour" and version == "2012" and fallback_values is not None else None
    )
    aqi = np.empty(n, dtype=np.int16)
    above = np.empty(n, dtype=bool)
    incomplete = np.empty(n, dtype=bool)
    primary = np.empty(n, dtype=np.uint8)
    weights = (1 << np.arange(k)).astype(np.uint8)  # bit j for indicator j (k <= 7)
    r = sum(1 for name in names if name in REQUIRED[period])
    limit = None if partial else unverified.NA_IF_INCOMPLETE_AND_AQI_AT_MOST[version]

    def run(first: int, last: int) -> None:
        """Records [first, last) chunk by chunk, with scratch buffers of this call (one per thread)."""
        size = min(last - first, CHUNK)
        work = np.empty(size, dtype=np.float64)
        index = work.view(np.intp)  # the float grid positions become table indices in place
        test = np.empty((k, size), dtype=bool)
        lowest = np.empty(size, dtype=np.int16)
        flag = np.empty(size, dtype=bool)
        # One pass over the records: sub-indices, then everything that depends on them while they are in cache.
        with np.errstate(invalid="ignore"):  # NaN cast to a table index, see `_codes_chunk`
            for start in range(first, last, CHUNK):
                stop = min(start + CHUNK, last)
                m = stop - start
                block, a, t, low, f = codes[:, start:stop], aqi[start:stop], test[:, :m], lowest[:m], flag[:m]
                for j, table in enumerate(tables):
                    if table is None:
                        block[j] = NOT_USED
                    else:
                        _codes_chunk(arrays[j][start:stop], table, block[j], work[:m], index[:m])
                if so2 is not None and fallback_values is not None:
                    hit = block[so2] == NOT_COMPUTED
                    if hit.any():
                        block[so2][hit] = iaqi_codes(
                            fallback_values[start:stop][hit], "SO2_24h", standard=version
                        )
                        fallback[start:stop] = hit
                np.maximum.reduce(block, axis=0, out=a)
                # HJ 633-2012 §6: the primary pollutants are all indicators whose IAQI equals the AQI (ties
                # included).
                np.equal(block, a, out=t)
                np.einsum("j,jm->m", weights, t.view(np.uint8), out=primary[start:stop])
                # Incomplete: a required indicator (the leading rows) without a sub-index.
                np.minimum.reduce(block[:r], axis=0, out=low)
                np.less(low, 0, out=incomplete[start:stop])
                if limit is not None:
                    np.less_equal(a, limit, out=f)
                    np.logical_and(f, incomplete[start:stop], out=f)
                    np.copyto(a, MISSING, where=f)
                np.equal(a, ABOVE_TABLE, out=above[start:stop])
                np.clip(a, MISSING, unverified.ABOVE_TABLE_IAQI, out=a)
                # HJ 633-2012 §6: no primary pollutant when AQI <= 50 (nor when there is no AQI).
                np.greater(a, 50, out=f)
                np.multiply(primary[start:stop], f, out=primary[start:stop])

    _in_parallel(run, n)
    if "O3_8h" in names and "O3_1h" in names and "O3_1h" in used:
        # HJ 633-2012 note 3: O3 8-h > 800 has no sub-index, but the O3 1-h one stands in: not incomplete.
        j8, j1 = names.index("O3_8h"), names.index("O3_1h")
        covered = np.flatnonzero((codes[j8] == NOT_COMPUTED) & (codes[j1] >= 0))
        if covered.size:
            others = [j for j in range(r) if j != j8]
            incomplete[covered] = (codes[others][:, covered] < 0).any(axis=0)
    return codes, aqi, above, incomplete, primary, fallback


# ---- one record --------------------------------------------------------------------------------------------


def aqi_report(
    concentrations: Mapping[str, float | None],
    *,
    period: str,
    standard: str | AirStandard | None = None,
    when: date | datetime | None = None,
    check_co_unit: bool = True,
) -> AqiReport:
    """AQI of one record, e.g. aqi_report({"SO2": 8, "PM2.5": 30, …}, period="day", when=date(2025, 5, 1))."""
    arrays = {
        k: np.array([np.nan if v is None else float(v)], dtype=np.float64) for k, v in concentrations.items()
    }
    times = None if when is None else np.array([np.datetime64(when, "m")])
    result = compute_aqi(arrays, period=period, standard=standard, times=times, check_co_unit=check_co_unit)
    return result.record(0)
