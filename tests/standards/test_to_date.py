"""Statistics "so far this year" (累计): one period over the days given, ended months judged, running month not."""

from datetime import date

import numpy as np

from lanqing.standards import evaluate_daily


def _days(pm25: list[float]) -> dict[str, np.ndarray]:
    n = len(pm25)
    low = np.full(n, 5.0)
    return {"SO2": low, "NO2": low, "PM10": np.full(n, 20.0), "PM2.5": np.array(pm25, dtype=float),
            "CO": np.full(n, 0.4), "O3": np.full(n, 60.0)}


def test_the_mean_and_good_days_cover_every_day_given_as_one_period():
    # 1 January to 2 February: 33 days, PM2.5 30 (IAQI 43, good) on even days and 80 (IAQI 107) on odd ones.
    pm25 = [30.0 if day % 2 == 0 else 80.0 for day in range(33)]
    result = evaluate_daily(_days(pm25), first_day=date(2026, 1, 1), by="to_date")
    assert result.periods == ["2026-01-01/2026-02-02"]
    statistic = result.statistics["PM2.5_mean"]
    assert statistic.sufficient[0][0]
    assert statistic.rounded[0][0] == round((17 * 30 + 16 * 80) / 33)  # 54.24… → 54
    assert result.valid_aqi_days[0][0] == 33
    assert result.good_days[0][0] == 17
    assert result.good_ratio[0][0] == 51.5  # 17 / 33 = 51.52 %


def test_an_ended_month_below_its_minimum_makes_the_period_insufficient():
    pm25 = [30.0] * 33
    pm25[3:8] = [np.nan] * 5  # January keeps 26 valid days, one short of 27
    statistic = evaluate_daily(_days(pm25), first_day=date(2026, 1, 1), by="to_date").statistics["PM2.5_mean"]
    assert not statistic.sufficient[0][0]
    assert np.isnan(statistic.rounded[0][0])


def test_the_running_month_is_not_judged():
    pm25 = [30.0] * 31 + [np.nan, 30.0]  # February has one valid day of two so far
    statistic = evaluate_daily(_days(pm25), first_day=date(2026, 1, 1), by="to_date").statistics["PM2.5_mean"]
    assert statistic.sufficient[0][0]
    assert statistic.rounded[0][0] == 30
