"""AQI rules beyond the vectors: missing data, bad values, versions by date, the scalar and array layers
agree."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest

from lanqing.standards.aqi import MissingIndicators, aqi_report, compute_aqi, levels

CLEAN_DAY = {"SO2": 10, "NO2": 30, "CO": 1.0, "PM10": 80, "PM2.5": 50, "O3_8h": 100}


def test_under_2026_an_incomplete_record_at_or_below_100_is_na():
    report = aqi_report({**CLEAN_DAY, "PM2.5": None}, period="day", standard="2026")
    assert report.aqi is None
    assert report.display == "NA"
    assert report.incomplete
    assert report.flags["PM2.5"] == ("missing",)


def test_with_partial_an_incomplete_record_keeps_the_aqi_of_the_others_where_2026_would_publish_na():
    columns = {k: np.array([np.nan if k == "PM2.5" else float(v)]) for k, v in CLEAN_DAY.items()}
    plain = compute_aqi(columns, period="day", standard="2026")
    partial = compute_aqi(columns, period="day", standard="2026", partial=True)
    # 2026 24-h PM10 row: 80 lies between 50 (IAQI 50) and 120 (IAQI 100): 50 + 30 × 50/70 = 71.4, up to 72;
    # the others are lower (NO2 30 → 38, CO 1.0 → 25, O3 8-h 100 → 50, SO2 10 → 10).
    assert int(plain.aqi[0]) == -1
    assert bool(plain.incomplete[0])
    assert int(partial.aqi[0]) == 72
    assert bool(partial.incomplete[0])
    assert partial.joined(partial.primary) == ["PM10"]


def test_under_2026_an_incomplete_record_above_100_is_published():
    report = aqi_report({**CLEAN_DAY, "PM2.5": None, "PM10": 300}, period="day", standard="2026")
    assert report.aqi == 175
    assert report.incomplete


def test_under_2012_the_aqi_of_the_available_indicators_is_published_and_flagged():
    report = aqi_report({**CLEAN_DAY, "PM2.5": None}, period="day", standard="2012")
    assert report.aqi == 65
    assert report.incomplete


def test_a_negative_concentration_gives_no_sub_index_and_says_why():
    report = aqi_report({**CLEAN_DAY, "NO2": -4}, period="day", standard="2012")
    assert report.iaqi["NO2"] is None
    assert report.flags["NO2"] == ("invalid",)


def test_co_given_in_micrograms_is_flagged_instead_of_scored():
    report = aqi_report({**CLEAN_DAY, "CO": 800}, period="day", standard="2012")
    assert report.iaqi["CO"] is None
    assert report.flags["CO"] == ("suspect_unit",)
    assert report.aqi == 69


def test_co_within_the_table_is_scored_however_high():
    # HJ 633-2012 CO 24-h: 400 + (55 − 48)/(60 − 48) × 100 = 458.3 -> 459.
    report = aqi_report({**CLEAN_DAY, "CO": 55}, period="day", standard="2012")
    assert report.iaqi["CO"] == 459
    assert report.aqi == 459


def test_a_value_beyond_the_table_shows_as_500_plus():
    report = aqi_report({**CLEAN_DAY, "PM10": 1800}, period="day", standard="2012")
    assert report.aqi == 500
    assert report.above_table
    assert report.display == "500+"
    assert report.primary_pollutants == ("PM10",)
    assert report.flags["PM10"] == ("above_table",)


def test_so2_above_800_without_a_24h_mean_leaves_so2_without_sub_index_under_2012():
    report = aqi_report(
        {"SO2": 900, "NO2": 50, "CO": 1.0, "O3": 60, "PM10": 60, "PM2.5": 30}, period="hour", standard="2012"
    )
    assert report.iaqi["SO2"] is None
    assert report.flags["SO2"] == ("not_computed",)
    assert report.incomplete


def test_o3_8h_above_800_is_covered_by_the_1h_value_under_2012():
    report = aqi_report({**CLEAN_DAY, "O3_8h": 850, "O3_1h": 900}, period="day", standard="2012")
    assert report.iaqi["O3_8h"] is None
    assert not report.incomplete
    assert report.aqi == 350
    assert report.primary_pollutants == ("O3_1h",)


def test_the_version_follows_the_date_of_each_row():
    columns = {k: np.array([v, v]) for k, v in {**CLEAN_DAY, "PM2.5": 70}.items()}
    times = np.array(["2026-02-28", "2026-03-01"], dtype="datetime64[m]")
    result = compute_aqi(columns, period="day", times=times)
    assert list(result.standard) == [0, 1]
    assert list(result.aqi) == [94, 110]


def test_an_hour_labelled_midnight_belongs_to_the_day_before():
    report = aqi_report(
        {"SO2": 5, "NO2": 5, "CO": 0.5, "O3": 5, "PM10": 130, "PM2.5": 5},
        period="hour",
        when=datetime(2026, 3, 1, 0, 0),
    )
    assert report.standard.value == "2012"
    assert report.aqi == 90


def test_dates_before_2013_or_in_the_future_get_no_aqi():
    columns = {k: np.array([v, v, v]) for k, v in CLEAN_DAY.items()}
    times = np.array(["2012-12-31", "2020-01-01", "2999-01-01"], dtype="datetime64[m]")
    result = compute_aqi(columns, period="day", times=times, today=date(2025, 1, 1))
    assert list(result.aqi >= 0) == [False, True, False]
    assert result.record(0).date_out_of_range


def test_a_missing_required_column_is_an_error_not_a_guess():
    with pytest.raises(MissingIndicators, match="O3_8h"):
        compute_aqi(
            {k: np.array([v]) for k, v in CLEAN_DAY.items() if k != "O3_8h"}, period="day", standard="2012"
        )


def test_the_version_must_be_given_or_derivable():
    with pytest.raises(ValueError, match="standard version or the times"):
        compute_aqi({k: np.array([v]) for k, v in CLEAN_DAY.items()}, period="day")


def test_array_and_scalar_layers_agree_on_many_records():
    rng = np.random.default_rng(7)
    columns = {k: rng.uniform(0, 3 * v, 200).round(1) for k, v in CLEAN_DAY.items()}
    result = compute_aqi(columns, period="day", standard="2026")
    for i in range(0, 200, 17):
        report = aqi_report({k: float(v[i]) for k, v in columns.items()}, period="day", standard="2026")
        assert report == result.record(i)


def test_levels_of_an_array_mark_na_as_zero():
    assert list(levels(np.array([-1, 0, 50, 51, 300, 301, 500]))) == [0, 1, 1, 2, 5, 6, 6]


def test_column_spellings_are_kept_in_primary_names():
    columns = {"so2": [5.0], "no2": [5.0], "co": [0.5], "o3": [5.0], "pm10": [350.0], "PM2_5": [150.0]}
    result = compute_aqi(columns, period="hour", standard="2012")
    assert result.joined(result.primary) == ["pm10,PM2_5"]


def test_a_large_input_split_over_threads_gives_the_same_results_as_one_thread(monkeypatch):
    import numpy as np

    from lanqing.standards import aqi as aqi_module
    from lanqing.standards import compute_aqi

    rng = np.random.default_rng(7)
    n = aqi_module.PARALLEL_FROM + 12345  # not a whole number of chunks
    values = {name: rng.gamma(2.0, scale, n) for name, scale in
              (("SO2", 40), ("NO2", 40), ("CO", 1), ("O3", 80), ("PM10", 80), ("PM2.5", 50))}
    values["PM2.5"][::97] = np.nan
    values["SO2"][::89] = -1.0
    values["SO2"][::101] = 900.0  # HJ 633-2012 note 2: SO2 1-h above 800
    values["PM10"][::53] = values["PM2.5"][::53] * 0 + 150  # ties with other indicators
    threaded = compute_aqi(values, period="hour", standard="2012")
    monkeypatch.setattr(aqi_module, "PARALLEL_FROM", 10**12)
    single = compute_aqi(values, period="hour", standard="2012")
    for name in ("codes", "aqi", "above_table", "incomplete", "primary", "fallback"):
        assert np.array_equal(getattr(threaded, name), getattr(single, name)), name
