"""The pure generator: deterministic by absolute hour, and shaped like a Fenwei-Plain county's year."""

import numpy as np
import pytest

from lanqing.demo.catalogue import AIR_STATIONS, LIMIT_SETS, OUTLETS, WATER_SECTIONS
from lanqing.demo.series import CALC_BLOCK, air_series, calendar, hour_of, outlet_series, water_series

# Local midnight of 1 January 2025 (16:00 UTC the day before).
YEAR_START = hour_of(np.datetime64("2024-12-31T16"))
YEAR = 365 * 24


def by_factor(series):
    return {s.factor: s for s in series}


@pytest.fixture(scope="module")
def county_air_year():
    return by_factor(air_series(AIR_STATIONS[0], seed=2026, start=YEAR_START, n=YEAR))


@pytest.fixture(scope="module")
def outlets_year():
    return {spec.code: by_factor(outlet_series(spec, seed=2026, start=YEAR_START, n=YEAR))
            for spec in OUTLETS}


def local_calendar(series):
    cal = calendar(YEAR_START, YEAR)
    index = series.hours - YEAR_START
    month = (np.datetime64("2025-01-01") + cal.doy[index]).astype("datetime64[M]").astype(int) % 12 + 1
    return cal.hour[index], month, cal.heating[index]


def normal_values(series):
    ok = series.flags == "N"
    return series.values[ok], ok


def test_the_same_hour_has_the_same_value_whatever_range_is_generated():
    start = YEAR_START + CALC_BLOCK - 100  # both ranges straddle a computation block boundary
    for make, spec in ((air_series, AIR_STATIONS[1]), (water_series, WATER_SECTIONS[2]),
                       (outlet_series, OUTLETS[3])):
        short = by_factor(make(spec, seed=7, start=start, n=300))
        long = by_factor(make(spec, seed=7, start=start - 1000, n=1500))
        for factor, s in short.items():
            other = long[factor]
            keep = (other.hours >= start) & (other.hours < start + 300)
            assert s.hours.tolist() == other.hours[keep].tolist()
            assert s.values.tolist() == other.values[keep].tolist()
            assert s.flags.tolist() == other.flags[keep].tolist()


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    spec = OUTLETS[0]
    first = by_factor(outlet_series(spec, seed=1, start=YEAR_START, n=500))
    again = by_factor(outlet_series(spec, seed=1, start=YEAR_START, n=500))
    other = by_factor(outlet_series(spec, seed=2, start=YEAR_START, n=500))
    assert first["a21026"].values.tolist() == again["a21026"].values.tolist()
    assert first["a21026"].values[:100].tolist() != other["a21026"].values[:100].tolist()


def test_heating_season_pm25_is_far_above_summer_with_heavy_episodes(county_air_year):
    pm25 = county_air_year["a34004"]
    values, ok = normal_values(pm25)
    _hour, month, heating = (a[ok] for a in local_calendar(pm25))
    summer = np.isin(month, [6, 7, 8])
    assert 40 <= values.mean() <= 65  # annual mean of a Linfen-like county, µg/m³
    assert values[heating].mean() > 1.5 * values[summer].mean()
    assert values[heating].max() > 250
    assert 50 < (values > 150).sum() < 1500  # heavy hours happen, but not all winter


def test_pm10_is_about_1_6_to_2_times_pm25(county_air_year):
    pm25, pm10 = county_air_year["a34004"], county_air_year["a34002"]
    assert pm25.hours.tolist() == pm10.hours.tolist()
    ok = (pm25.flags == "N") & (pm10.flags == "N")
    ratio = np.median(pm10.values[ok] / pm25.values[ok])
    assert 1.6 <= ratio <= 2.0


def test_june_afternoon_ozone_far_exceeds_january(county_air_year):
    o3 = county_air_year["a05024"]
    values, ok = normal_values(o3)
    hour, month, _heating = (a[ok] for a in local_calendar(o3))
    afternoon = (hour >= 13) & (hour <= 17)
    june, january = values[afternoon & (month == 6)], values[afternoon & (month == 1)]
    assert june.mean() > 3 * january.mean()
    assert 150 <= np.percentile(june, 90) <= 260  # 1-h peaks of a North China summer


def test_no2_peaks_in_the_evening_rush_and_pm25_at_night_not_in_the_afternoon(county_air_year):
    for factor, peak in (("a21004", 20), ("a34004", 23)):
        values, ok = normal_values(county_air_year[factor])
        hour = local_calendar(county_air_year[factor])[0][ok]
        assert values[hour == peak].mean() > 1.2 * values[hour == 14].mean(), factor


def test_so2_is_higher_in_the_coal_heating_season(county_air_year):
    values, ok = normal_values(county_air_year["a21026"])
    heating = local_calendar(county_air_year["a21026"])[2][ok]
    assert values[heating].mean() > 3 * values[~heating].mean()


def test_outlets_mostly_meet_their_limits_with_occasional_exceedances(outlets_year):
    exceeding_outlets = 0
    for spec in OUTLETS:
        series = outlets_year[spec.code]
        limits = LIMIT_SETS[spec.limit_set]
        o2 = series.get("a19001")
        for factor, limit in limits.values.items():
            if factor not in series:
                continue
            s = series[factor]
            ok = s.flags == "N"
            value = s.values
            if o2 is not None:
                # Compare converted concentrations, as the standards do.
                ok &= o2.flags == "N"
                value = s.values * (21 - limits.reference_o2) / (21 - o2.values)
            share = (value[ok] > limit).mean()
            assert share < 0.05, (spec.code, factor)
            if share > 0:
                exceeding_outlets += 1
    assert exceeding_outlets >= 30


def test_outlet_series_have_gaps_flags_and_stuck_or_zero_readings(outlets_year):
    flags, gaps, stuck, zeros = set(), 0, 0, 0
    for spec in OUTLETS:
        for s in outlets_year[spec.code].values():
            flags |= set(s.flags.tolist())
            gaps += YEAR - len(s.hours)
            run = np.diff(s.values) == 0
            stuck += int(np.convolve(run, np.ones(5), mode="valid").max() == 5 and s.values.std() > 0)
            zeros += int(((s.values == 0) & (s.flags == "N")).sum())
    assert {"N", "F", "M", "C", "D"} <= flags
    assert gaps > 1000
    assert stuck > 5
    assert zeros > 10


def test_a_heating_boiler_reports_stopped_outside_the_heating_season(outlets_year):
    spec = next(s for s in OUTLETS if s.schedule == "heating")
    so2 = outlets_year[spec.code]["a21026"]
    _hour, month, heating = local_calendar(so2)
    summer = so2.flags[np.isin(month, [6, 7, 8])]
    # Never N while stopped; the analyser may still be serviced (M), calibrated (C) or faulty (D) meanwhile.
    assert (summer == "F").mean() > 0.95
    assert "N" not in summer
    assert (so2.flags[heating] == "F").mean() < 0.2


def test_water_sections_are_mostly_class_ii_to_iv_with_occasional_worse():
    # GB 3838-2002 Table 1 upper limits of classes I–V for CODMn, COD, NH3-N and TP (rivers), mg/L.
    bounds = {"w01019": [2, 4, 6, 10, 15], "w01018": [15, 15, 20, 30, 40],
              "w21003": [0.15, 0.5, 1.0, 1.5, 2.0], "w21011": [0.02, 0.1, 0.2, 0.3, 0.4]}
    worst_seen = 0
    for spec in WATER_SECTIONS:
        series = by_factor(water_series(spec, seed=2026, start=YEAR_START, n=YEAR))
        hours = series["w01018"].hours
        classes = np.ones(len(hours), int)
        for factor, limits in bounds.items():
            s = series[factor]
            assert s.hours.tolist() == hours.tolist()
            classes = np.maximum(classes, np.searchsorted(limits, s.values, side="left") + 1)
        ok = series["w01018"].flags == "N"
        shares = np.bincount(classes[ok], minlength=7) / ok.sum()
        assert shares[2:5].sum() > 0.9, spec.code
        worst_seen = max(worst_seen, int(classes[ok].max()))
        do = series["w01009"]
        _h, month, _heat = local_calendar(do)
        winter, summer = np.isin(month, [12, 1, 2]), np.isin(month, [6, 7, 8])
        assert do.values[winter].mean() > do.values[summer].mean() + 1.5  # cold water holds more oxygen
    assert worst_seen >= 5
