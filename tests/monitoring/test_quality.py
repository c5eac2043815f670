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
    [row] = quality.hourly_aqi(cast.air_station, last_day=DAY)
    assert row.label == datetime(2025, 12, 10, 9, 0)
    assert (row.aqi, row.category_zh) == (150, "轻度污染")


def test_values_flagged_invalid_do_not_count(cast):
    point = cast.air_station.points.get()
    fill_day(point, {**CLEAN_AIR, "a34004": 75}, hours=range(0, 19))
    fill_day(point, {"a34004": 300}, hours=range(19, 24), flag="D")
    [row] = quality.daily_aqi(cast.air_station, last_day=DAY, days=1)
    # 19 valid hours are fewer than the 20 a daily mean needs (GB 3095-2012 Table 4): PM2.5 has no daily value,
    # the D-flagged 300s are not used, and the AQI of the other pollutants is marked incomplete.
    assert row.incomplete and row.aqi == 20 and row.primary == ()


def test_water_class_by_the_worst_factor_against_the_target(cast):
    section = Site.objects.create(kind="water", code="W-01", name="演示断面", jurisdiction=cast.yueyang,
                                  target_class=3)
    point = Point.objects.create(site=section, code="1", name="1#")
    fill_day(point, {"w01018": 25, "w21003": 0.4, "w01009": 8, "w01001": 7.5})
    [row] = quality.daily_water_class(section, last_day=DAY, days=1)
    # GB 3838-2002 Table 1: COD 25 mg/L is class Ⅳ; NH3-N 0.4 is Ⅱ; DO 8 is Ⅰ.
    assert (row.water_class, row.class_name, row.meets_target, row.worst_factors) == (4, "Ⅳ", False, ("COD",))


@pytest.mark.parametrize("site_attr, marker", [("air_station", 'data-testid="aqi"')])
def test_the_site_page_shows_the_aqi_tables(cast, client_for, site_attr, marker):
    fill_day(cast.air_station.points.get(), {**CLEAN_AIR, "a34004": 75}, day=DAY - timedelta(days=1))
    fill_day(cast.air_station.points.get(), {**CLEAN_AIR, "a34004": 75})
    page = client_for(cast.users["township_a"]).get(
        reverse("monitoring:site", args=[getattr(cast, site_attr).id]), {"days": "7"}).content.decode()
    assert marker in page and "良" in page and 'id="daily-aqi-data"' in page
