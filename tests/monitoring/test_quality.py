"""Site pages show AQI and water class from the standards engine, with the right hours and days."""

import zoneinfo
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse

from lanqing.monitoring import quality
from lanqing.monitoring.models import Factor, Measurement, Point, Site

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = date(2025, 12, 10)  # HJ 633-2012 in force


def fill_day(point, values: dict[str, float], *, day=DAY, flag="N", hours=range(24)):
    factors = {f.code: f for f in Factor.objects.filter(code__in=values)}
    Measurement.objects.bulk_create([
        Measurement(point=point, factor=factors[code], period="hour", flag=flag, value=value,
                    time=datetime(day.year, day.month, day.day, hour, tzinfo=BEIJING))
        for code, value in values.items() for hour in hours])


CLEAN_AIR = {"a21026": 10, "a21004": 20, "a21005": 0.5, "a05024": 40, "a34002": 50}


def test_daily_aqi_of_a_day_at_the_pm25_breakpoint(cast):
    fill_day(cast.air_station.points.get(), {**CLEAN_AIR, "a34004": 75})
    [row] = quality.daily_aqi(cast.air_station, last_day=DAY, days=1)
    # HJ 633-2012 Table 1: PM2.5 24-h 75 µg/m³ is IAQI 100, level 2 (良).
    assert (row.aqi, row.level, row.category_zh, row.primary, row.standard) == (
        100, 2, "良", ("PM2.5",), "HJ 633-2012")


def test_hourly_aqi_is_labelled_by_the_end_of_the_hour_in_local_time(cast):
    fill_day(cast.air_station.points.get(), {**CLEAN_AIR, "a34004": 115}, hours=[8])
    row = quality.hourly_aqi(cast.air_station, last_hour=quality.newest_hour(cast.air_station))[0]
    assert row.label == datetime(2025, 12, 10, 9, 0)
    assert (row.aqi, row.category_zh) == (150, "轻度污染")


def test_values_flagged_invalid_do_not_count(cast):
    point = cast.air_station.points.get()
    fill_day(point, {**CLEAN_AIR, "a34004": 75}, hours=range(0, 19))
    fill_day(point, {"a34004": 300}, hours=range(19, 24), flag="D")
    [row] = quality.daily_aqi(cast.air_station, last_day=DAY, days=1)
    # 19 valid hours are fewer than the 20 a daily mean needs (GB 3095-2012 Table 4): PM2.5 has no daily value,
    # the D-flagged 300s are not used, and the AQI of the other pollutants is marked incomplete.
    assert row.incomplete
    assert row.aqi == 20
    assert row.primary == ()


def test_water_class_by_the_worst_factor_against_the_target(cast):
    section = Site.objects.create(kind="water", code="W-01", name="演示断面", jurisdiction=cast.yueyang,
                                  target_class=3)
    point = Point.objects.create(site=section, code="1", name="1#")
    fill_day(point, {"w01018": 25, "w21003": 0.4, "w01009": 8, "w01001": 7.5})
    [row] = quality.daily_water_class(section, last_day=DAY, days=1)
    # GB 3838-2002 Table 1: COD 25 mg/L is class Ⅳ; NH3-N 0.4 is Ⅱ; DO 8 is Ⅰ.
    assert (row.water_class, row.class_name, row.meets_target, row.worst_factors) == (4, "Ⅳ", False, ("COD",))


@pytest.mark.parametrize(("site_attr", "marker"), [("air_station", 'data-testid="aqi"')])
def test_the_site_page_shows_the_aqi_tables(cast, client_for, site_attr, marker):
    fill_day(cast.air_station.points.get(), {**CLEAN_AIR, "a34004": 75}, day=DAY - timedelta(days=1))
    fill_day(cast.air_station.points.get(), {**CLEAN_AIR, "a34004": 75})
    page = client_for(cast.users["township_a"]).get(
        reverse("monitoring:site", args=[getattr(cast, site_attr).id]), {"days": "7"}).content.decode()
    assert marker in page
    assert "良" in page
    assert 'id="daily-aqi-data"' in page


def _rows(page: str, testid: str) -> list[str]:
    return [row.split("</tr>", 1)[0] for row in page.split(f'<tr data-testid="{testid}">')[1:]]


def test_the_hourly_table_shows_the_last_24_hours_across_midnight(cast, client_for):
    point = cast.air_station.points.get()
    fill_day(point, {**CLEAN_AIR, "a34004": 300}, hours=[13])  # 25 hours before the newest: not shown
    fill_day(point, {**CLEAN_AIR, "a34004": 115}, hours=range(14, 24))
    fill_day(point, {**CLEAN_AIR, "a34004": 75}, day=DAY + timedelta(days=1), hours=range(0, 14))
    rows = quality.hourly_aqi(cast.air_station, last_hour=quality.newest_hour(cast.air_station))
    # The newest value is the hour 11 Dec 13:00–14:00, labelled 14:00; 24 hours back is the hour ending
    # 10 Dec 15:00. HJ 633-2012 24-h PM2.5 row: 75 µg/m³ is IAQI 100, 115 is 150.
    assert len(rows) == 24
    assert (rows[0].label, rows[0].aqi) == (datetime(2025, 12, 11, 14, 0), 100)
    assert (rows[13].label, rows[13].aqi) == (datetime(2025, 12, 11, 1, 0), 100)
    assert (rows[14].label, rows[14].aqi) == (datetime(2025, 12, 11, 0, 0), 150)  # the hour 23:00–24:00
    assert (rows[-1].label, rows[-1].aqi) == (datetime(2025, 12, 10, 15, 0), 150)
    page = client_for(cast.users["bureau"]).get(reverse("monitoring:site", args=[cast.air_station.id])).content.decode()
    shown = _rows(page, "hourly-aqi-row")
    assert len(shown) == 24
    assert "2025-12-11 14:00" in shown[0]
    assert ">100</span>" in shown[0]
    assert "2025-12-10 15:00" in shown[-1]
    assert ">150</span>" in shown[-1]


DAY_2026 = date(2026, 6, 10)  # HJ 633-2026 in force


def test_a_day_with_five_of_six_pollutants_valid_shows_their_aqi_with_the_mark(cast, client_for):
    # No PM2.5 at all; the other five valid all day, constant, so each 24-h mean (and O3 MDA8) is the value.
    fill_day(cast.air_station.points.get(), {**CLEAN_AIR, "a34002": 85}, day=DAY_2026)
    [row] = quality.daily_aqi(cast.air_station, last_day=DAY_2026, days=1)
    # HJ 633-2026 24-h rows: SO2 10 → 10; NO2 20 → 25; CO 0.5 mg/m³ → 12.5, up to 13; O3 8-h 40 → 20;
    # PM10 85 between 50 (IAQI 50) and 120 (IAQI 100) → 50 + 35 × 50/70 = 75. AQI 75, 良, primary PM10.
    # The 2026 publishing rule would print NA (incomplete and ≤ 100); the page shows the 75 of the five, marked.
    assert (row.aqi, row.display, row.category_zh, row.primary, row.incomplete, row.standard) == (
        75, "75", "良", ("PM10",), True, "HJ 633-2026")
    page = client_for(cast.users["bureau"]).get(reverse("monitoring:site", args=[cast.air_station.id])).content.decode()
    days = _rows(page, "daily-aqi-row")
    assert "2026-06-10" in days[0]
    assert ">75</span><sup" in days[0]
    assert "PM10" in days[0]
    # A day without any value is NA, and NA carries no mark: the footnote's two cases stay apart.
    assert "2026-06-09" in days[1]
    assert ">NA</span></td>" in days[1]
    assert "* 表示仅按有效数据充足的污染物计算的 AQI" in page


SECTION_DAY = date(2025, 6, 9)


@pytest.mark.parametrize(("nh3n", "class_name", "met"), [
    # GB 3838-2002 Table 1 NH3-N: Ⅱ ≤ 0.5 < Ⅲ ≤ 1.0. Half the hours at 0.3 and half at 0.6 average 0.45 (Ⅱ);
    # half at 0.5 and half at 0.7 average 0.6 (Ⅲ). COD 12 (Ⅰ), DO 8 (Ⅰ) and pH 7.5 (Ⅰ) never decide.
    ((0.3, 0.6), "Ⅱ", True),
    ((0.5, 0.7), "Ⅲ", False),
])
def test_the_water_class_of_a_day_is_that_of_its_mean(cast, nh3n, class_name, met):
    section = Site.objects.create(kind="water", code="W-02", name="涧河断面", jurisdiction=cast.yueyang,
                                  target_class=2)
    point = Point.objects.create(site=section, code="1", name="1#")
    fill_day(point, {"w01018": 12, "w01009": 8, "w01001": 7.5}, day=SECTION_DAY)
    fill_day(point, {"w21003": nh3n[0]}, day=SECTION_DAY, hours=range(0, 12))
    fill_day(point, {"w21003": nh3n[1]}, day=SECTION_DAY, hours=range(12, 24))
    [row] = quality.daily_water_class(section, last_day=SECTION_DAY, days=1)
    assert (row.class_name, row.meets_target, row.worst_factors) == (class_name, met, ("NH3-N",))
