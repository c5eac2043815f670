"""Which version of the air standards applies to data of a given date, and which GB 3095-2026 phase."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from enum import StrEnum

import numpy as np

from lanqing.standards import unverified

# GB 3095-2026, HJ 633-2026 and HJ 663-2026 took effect on 2026-03-01 (MEE notice of 2026-02-24) [S].
EFFECTIVE_2026 = date(2026, 3, 1)
# GB 3095-2026: phase 2 limits from 2031-01-01 [S: news].
PHASE_2_FROM = date(2031, 1, 1)
# HJ 633-2012 was applied to the first 74 cities from 2013; the engine refuses older data rather than guess.
EARLIEST_DATA = date(2013, 1, 1)
# Data days are Beijing days (UTC+8, no daylight saving), so "today" is asked there, not in the server's zone.
BEIJING = timezone(timedelta(hours=8))


class AirStandard(StrEnum):
    V2012 = "2012"  # HJ 633-2012, HJ 663-2013, GB 3095-2012 (with its 2018 amendment)
    V2026 = "2026"  # HJ 633-2026, HJ 663-2026, GB 3095-2026

    @property
    def label(self) -> str:
        if self is AirStandard.V2012:
            return "HJ 633-2012 / HJ 663-2013 / GB 3095-2012"
        return "HJ 633-2026 / HJ 663-2026 / GB 3095-2026"


class DateOutOfRange(ValueError):
    pass


def parse_standard(value: str | AirStandard | None) -> AirStandard | None:
    """`None` or "auto" mean: choose by the date of the data."""
    if value is None or isinstance(value, AirStandard):
        return value
    text = str(value).strip().lower()
    if text in ("", "auto"):
        return None
    for standard in AirStandard:
        if text in (standard.value, f"hj633-{standard.value}", f"hj 633-{standard.value}"):
            return standard
    raise ValueError(f"unknown standard version {value!r}: use auto, 2012 or 2026")


def data_day(moment: date | datetime) -> date:
    """The natural day a value belongs to; an hourly label marks the end of its hour [U]."""
    if isinstance(moment, datetime):
        if unverified.HOUR_LABEL_MARKS_END:
            moment = moment - timedelta(hours=1)
        return moment.date()
    return moment


def beijing_today() -> date:
    return datetime.now(BEIJING).date()


def check_data_date(day: date, *, today: date | None = None) -> None:
    if day < EARLIEST_DATA:
        raise DateOutOfRange(
            f"{day.isoformat()} is before {EARLIEST_DATA.isoformat()}: no AQI standard is applied "
            "to such old data here"
        )
    if day > (today or beijing_today()):
        raise DateOutOfRange(f"{day.isoformat()} is in the future")


def air_standard_for(
    moment: date | datetime, *, force: str | AirStandard | None = None, today: date | None = None
) -> AirStandard:
    """The version in force on the day of the data, unless the caller forces one."""
    forced = parse_standard(force)
    if forced is not None:
        return forced
    day = data_day(moment)
    check_data_date(day, today=today)
    return AirStandard.V2026 if day >= EFFECTIVE_2026 else AirStandard.V2012


def gb3095_phase(day: date) -> int:
    """GB 3095-2026 phase: 1 up to 2030-12-31, 2 from 2031-01-01."""
    return 2 if day >= PHASE_2_FROM else 1


# Codes used in per-row arrays of versions.
CODE_OUT_OF_RANGE = -1
CODES = {AirStandard.V2012: 0, AirStandard.V2026: 1}
BY_CODE = {0: AirStandard.V2012, 1: AirStandard.V2026}


def standards_for_times(
    times: np.ndarray, *, hourly: bool, force: str | AirStandard | None = None, today: date | None = None
) -> np.ndarray:
    """Per-row version codes (0 = 2012, 1 = 2026, -1 = date before 2013 or in the future) for datetime64
    values.

    NaT rows get -1 too. With `force` every row in range gets the forced version; rows out of range stay -1.
    """
    stamps = np.asarray(times, dtype="datetime64[m]")
    if hourly and unverified.HOUR_LABEL_MARKS_END:
        stamps = stamps - np.timedelta64(60, "m")
    days = stamps.astype("datetime64[D]")
    first = np.datetime64(EARLIEST_DATA.isoformat(), "D")
    last = np.datetime64((today or beijing_today()).isoformat(), "D")
    forced = parse_standard(force)
    with np.errstate(invalid="ignore"):
        in_range = (days >= first) & (days <= last)
    if forced is not None:
        codes = np.full(days.shape, CODES[forced], dtype=np.int8)
    else:
        codes = (days >= np.datetime64(EFFECTIVE_2026.isoformat(), "D")).astype(np.int8)
    codes[~in_range] = CODE_OUT_OF_RANGE
    return codes
