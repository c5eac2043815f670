"""HJ 663 assessment: vectors (annual, percentile, composite, good days, validity) and the hourly pipeline."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from lanqing.standards.evaluation import (
    ATTAINS,
    INSUFFICIENT,
    NOT_ASSESSED,
    composite_index,
    daily_max_8h,
    daily_means,
    evaluate_daily,
    evaluate_hourly,
    good_days_ratio,
    hour_mean_valid,
    o3_8h_running,
    percentile_hj663,
)
from tests.standards.vectors import vector_id, vectors


@pytest.mark.parametrize(
    "vector", vectors("annual_evaluation"), ids=lambda v: str(v["expected"]["good_days"])
)
def test_annual_statistics_verdicts_and_indices_match_the_vector(vector):
    daily = {k: np.array(v, dtype=float) for k, v in vector["input"]["daily"].items()}
    expected = vector["expected"]
    result = evaluate_daily(daily, first_day=date(2023, 1, 1), by="year", standard="2012")
    for name, value in expected["stats_exact"].items():
        assert result.statistics[name].value[0, 0] == pytest.approx(value, abs=1e-12)
        assert result.statistics[name].rounded[0, 0] == expected["stats_rounded_gbt8170"][name]
    exceeding = sorted(n for n, s in result.statistics.items() if s.verdict[0, 0] == 0)
    assert exceeding == sorted(expected["exceeding_items_grade2"])
    assert (result.attainment[0, 0] == ATTAINS) == expected["attains_grade2"]
    assert result.good_days[0, 0] == expected["good_days"]
    assert result.good_ratio[0, 0] == expected["good_day_ratio_pct"]
    assert result.heavy_days[0, 0] == expected["heavy_days"]
    assert result.composite_rounded[0, 0] == expected["composite_index_from_rounded_2dp"]


@pytest.mark.parametrize("vector", vectors("percentile_hj663"), ids=vector_id)
def test_percentile_follows_hj663_annex_a(vector):
    assert percentile_hj663(vector["input"]["values"], vector["input"]["p"]) == vector["expected"]["value"]


@pytest.mark.parametrize("vector", vectors("composite_index"), ids=vector_id)
def test_composite_index_reproduces_published_values(vector):
    result = composite_index(vector["input"]["statistics"])
    assert float(result.value) == pytest.approx(vector["expected"]["index_exact"], abs=1e-12)
    assert result.rounded == vector["expected"]["index_2dp"]


@pytest.mark.parametrize("vector", vectors("good_day_ratio"), ids=vector_id)
def test_good_days_ratio_reproduces_published_values(vector):
    given = vector["input"]
    assert (
        good_days_ratio(given["good_days_aqi_le_100"], given["valid_days"])
        == vector["expected"]["percent_1dp"]
    )


def test_good_days_ratio_without_valid_days_is_insufficient_not_zero():
    assert good_days_ratio(0, 0) is None


def _hours_with(valid: int, value: float = 50.0) -> np.ndarray:
    day = np.full(24, np.nan)
    day[:valid] = value
    return day


@pytest.mark.parametrize("vector", vectors("validity"), ids=vector_id)
def test_validity_rules(vector):
    given, valid = vector["input"], vector["expected"]["valid"]
    statistic = given["statistic"]
    if statistic.startswith("24h mean"):
        result = daily_means(_hours_with(given["valid_hours"]), "PM2.5").values[0]
        assert (not np.isnan(result)) == valid
    elif statistic == "8h running mean O3":
        hours = np.full(8, np.nan)
        hours[: given["valid_hours_in_window"]] = 80
        assert (not np.isnan(o3_8h_running(hours)[0][-1])) == valid
    elif statistic == "O3 MDA8":
        # Windows ending 08:00 … 24:00; leaving the first hours out drops windows from the start of the day.
        windows = given["valid_8h_values_08_to_24"]
        hours = np.full(24, float(given["max_8h"]))
        hours[: 17 - windows + 2] = np.nan  # window e (slots e-8 … e-1) needs >= 6 valid hours
        result = daily_max_8h(hours, standard="2012")
        assert int(result.counts[0]) == windows
        assert (not np.isnan(result.values[0])) == valid
    elif statistic.startswith("monthly mean"):
        month = 2 if "Feb" in statistic else 3
        days = 28 if month == 2 else 31
        series = np.full(days, np.nan)
        series[: given["valid_days"]] = 30.0
        daily = {p: series for p in ("SO2", "NO2", "PM10", "PM2.5", "CO", "O3")}
        result = evaluate_daily(daily, first_day=date(2023, month, 1), by="month", standard="2012")
        assert bool(result.statistics["PM2.5_mean"].sufficient[0, 0]) == valid
    elif statistic == "annual mean":
        series = np.full(365, 30.0)
        series[given["valid_days"] :] = np.nan
        daily = {p: series for p in ("SO2", "NO2", "PM10", "PM2.5", "CO", "O3")}
        result = evaluate_daily(daily, first_day=date(2023, 1, 1), by="year", standard="2012")
        assert bool(result.statistics["PM2.5_mean"].sufficient[0, 0]) == valid
    elif statistic == "1h mean":
        assert hour_mean_valid(given["sampling_minutes"]) == valid
    else:
        pytest.fail(f"unknown validity statistic {statistic}")


def test_insufficient_data_is_an_explicit_result_not_a_number():
    series = np.full(365, 30.0)
    series[200:] = np.nan
    daily = {p: series for p in ("SO2", "NO2", "PM10", "PM2.5", "CO", "O3")}
    result = evaluate_daily(daily, first_day=date(2023, 1, 1), by="year", standard="2012")
    assert np.isnan(result.statistics["SO2_mean"].value[0, 0])
    assert result.statistics["SO2_mean"].verdict[0, 0] == INSUFFICIENT
    assert result.attainment[0, 0] == INSUFFICIENT
    assert np.isnan(result.composite[0, 0])


def test_months_get_statistics_but_no_attainment_verdict():
    daily = {p: np.full(59, 20.0) for p in ("SO2", "NO2", "PM10", "PM2.5", "CO", "O3")}
    result = evaluate_daily(daily, first_day=date(2023, 1, 1), by="month", standard="2012")
    assert result.periods == ["2023-01", "2023-02"]
    assert (result.attainment == NOT_ASSESSED).all()
    assert result.statistics["PM2.5_mean"].rounded[0, 1] == 20


def test_mda8_uses_the_windows_ending_8_to_24_of_the_day():
    hours = np.full(48, 10.0)
    hours[17:24] = 300.0  # 17:00–24:00 of day 1
    result = daily_max_8h(hours, standard="2012")
    # Day 1: window 16:00–24:00 = (7 × 300 + 10)/8 = 263.75 -> 264. Day 2's windows start at 00:00 of day 2.
    assert list(result.values) == [264.0, 10.0]
    assert list(result.counts) == [17, 17]


def test_hourly_pipeline_gives_daily_values_and_year_statistics():
    rng = np.random.default_rng(3)
    hours = 365 * 24
    hourly = {p: rng.uniform(5, 60, (2, hours)).round() for p in ("SO2", "NO2", "PM10", "PM2.5", "O3")}
    hourly["CO"] = rng.uniform(0.2, 2, (2, hours)).round(1)
    hourly["PM2.5"][1, : 60 * 24] = np.nan  # station 2 lost two months
    result = evaluate_hourly(hourly, first_day=date(2023, 1, 1), by="year", standard="2012")
    assert result.statistics["PM2.5_mean"].sufficient[:, 0].tolist() == [True, False]
    daily = daily_means(hourly["SO2"][0], "SO2").values
    assert result.statistics["SO2_mean"].value[0, 0] == pytest.approx(daily.mean(), abs=1e-9)
    assert result.valid_aqi_days[0, 0] == 365
