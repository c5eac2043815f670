"""The trigger helper: which level the last days' AQI met, by hand-checked runs and from stored hourly data."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse

from lanqing.winter.triggers import level_met, station_days


def _levels(values):
    return [level_met(values, index) for index in range(len(values))]


def test_runs_of_days_meet_the_2024_key_region_triggers():
    # yellow: >150 two days; orange: >200 two days or >150 three; red: >200 three days with one >300
    assert _levels([120, 160, 170, 140]) == [None, None, "yellow", None]
    assert _levels([160, 170, 155]) == [None, "yellow", "orange"]
    assert _levels([210, 220]) == [None, "orange"]
    assert _levels([210, 310, 205]) == [None, "orange", "red"]
    assert _levels([210, 250, 260]) == [None, "orange", "orange"]  # three days over 200, none over 300
    assert _levels([160, None, 170, 180]) == [None, None, None, "yellow"]  # a day without data breaks the run
    assert _levels([201, 200]) == [None, "yellow"]  # "over 200": 200 itself counts only as over 150


def test_the_helper_reads_the_stations_hourly_pm25(cast, client_for):
    from lanqing.monitoring.models import Factor, Measurement, Period

    zone = ZoneInfo("Asia/Shanghai")
    point = cast.air_station.points.get()
    pm25 = Factor.objects.get(code="a34004")
    last_day = date(2026, 11, 20)
    # µg/m³ 24-h PM2.5: 160 → IAQI 210, 260 → IAQI 310 (HJ 633 breakpoints 150 → 200, 250 → 300, 350 → 400)
    daily = {date(2026, 11, 18): 160.0, date(2026, 11, 19): 260.0, date(2026, 11, 20): 160.0}
    rows = []
    for day, value in daily.items():
        start = datetime.combine(day, time(), zone)
        rows += [Measurement(point=point, factor=pm25, period=Period.HOUR, time=start + timedelta(hours=h),
                             value=value) for h in range(24)]
    Measurement.objects.bulk_create(rows)
    (station,) = station_days([cast.air_station], last_day=last_day, days=3)
    assert [(row.label, row.aqi, met) for row, met in station.days] == [
        (date(2026, 11, 18), 210, None), (date(2026, 11, 19), 310, "orange"), (date(2026, 11, 20), 210, "red")]
    page = client_for(cast.users["bureau"]).get(reverse("winter:triggers"))
    assert page.status_code == 200
    assert "县城空气站" in page.content.decode()
