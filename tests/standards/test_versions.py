from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest

from lanqing.standards.versions import (
    AirStandard,
    DateOutOfRange,
    air_standard_for,
    gb3095_phase,
    parse_standard,
    standards_for_times,
)


def test_data_before_march_2026_use_the_2012_standards():
    assert air_standard_for(date(2026, 2, 28), today=date(2030, 1, 1)) is AirStandard.V2012


def test_data_from_march_2026_use_the_2026_standards():
    assert air_standard_for(date(2026, 3, 1), today=date(2030, 1, 1)) is AirStandard.V2026


def test_the_caller_may_force_a_version():
    assert air_standard_for(date(2020, 1, 1), force="2026") is AirStandard.V2026


def test_hourly_labels_mark_the_end_of_the_hour():
    assert air_standard_for(datetime(2026, 3, 1, 0, 0), today=date(2030, 1, 1)) is AirStandard.V2012
    assert air_standard_for(datetime(2026, 3, 1, 1, 0), today=date(2030, 1, 1)) is AirStandard.V2026


def test_old_and_future_dates_are_refused():
    with pytest.raises(DateOutOfRange):
        air_standard_for(date(2012, 12, 31))
    with pytest.raises(DateOutOfRange, match="future"):
        air_standard_for(date(2030, 1, 2), today=date(2030, 1, 1))


def test_gb3095_2026_phase_two_starts_in_2031():
    assert gb3095_phase(date(2030, 12, 31)) == 1
    assert gb3095_phase(date(2031, 1, 1)) == 2


def test_an_unknown_version_is_an_error():
    with pytest.raises(ValueError, match="unknown standard version '2019'"):
        parse_standard("2019")
    assert parse_standard("auto") is None
    assert parse_standard("HJ633-2012") is AirStandard.V2012


def test_per_row_codes_mark_out_of_range_and_missing_times():
    times = np.array(["2012-06-01", "2025-06-01", "2026-06-01", "NaT"], dtype="datetime64[m]")
    assert list(standards_for_times(times, hourly=False, today=date(2027, 1, 1))) == [-1, 0, 1, -1]
