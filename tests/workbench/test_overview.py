"""The overview (一张图): its figures against counts made here from the stored rows, the map's markers within the
user's scope, and what happens with no data or no coordinates."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 2, 3, 12, 0, tzinfo=SHANGHAI)
POLLUTANTS = {"a21026": 5.0, "a21004": 5.0, "a34002": 20.0, "a21005": 0.4, "a05024": 60.0}  # all low


def _air_year(station, pm25_of_day, *, first=date(2026, 1, 1), days=33):
    from lanqing.monitoring.models import Factor, Measurement

    point = station.points.get()
    factors = {f.code: f for f in Factor.objects.filter(code__in=[*POLLUTANTS, "a34004"])}
    rows = []
    for day in range(days):
        start = datetime.combine(first + timedelta(days=day), datetime.min.time(), SHANGHAI)
        for hour in range(24):
            when = start + timedelta(hours=hour)
            values = {**POLLUTANTS, "a34004": pm25_of_day(day)}
            rows += [Measurement(point=point, factor=factors[code], period="hour", time=when, value=value, flag="N")
                     for code, value in values.items() if value is not None]
    Measurement.objects.bulk_create(rows)


def test_the_year_so_far_is_the_standards_figure_of_the_stored_days(cast):
    from lanqing.workbench.overview import overview_for

    # Even days PM2.5 30 (good), odd days 80 (IAQI 107): 17 good of 33 complete days by 2 February.
    _air_year(cast.air_station, lambda day: 30.0 if day % 2 == 0 else 80.0)
    overview = overview_for(cast.users["leader"], now=NOW)
    assert overview.this_year.first_day == date(2026, 1, 1)
    assert overview.this_year.last_day == date(2026, 2, 2)
    assert overview.this_year.pm25 == round((17 * 30 + 16 * 80) / 33)
    assert overview.this_year.good_ratio == 51.5
    assert overview.this_year.valid_days == 33
    # Nothing was stored a year earlier: an explicit "insufficient data", never a made-up number.
    assert overview.last_year.pm25 is None
    assert overview.last_year.good_ratio is None


def test_a_year_with_a_short_january_says_insufficient_data(cast, client_for, settings):
    _air_year(cast.air_station, lambda day: None if 3 <= day < 8 else 30.0)
    from lanqing.workbench.overview import overview_for

    assert overview_for(cast.users["leader"], now=NOW).this_year.pm25 is None


def test_the_page_shows_insufficient_data_and_the_sites_without_coordinates(cast, client_for):
    page = client_for(cast.users["leader"]).get(reverse("workbench:overview")).content.decode()
    assert "数据不足" in page or "今年尚无完整日数据" in page
    unplaced = page.split('data-testid="unplaced"', 1)[1].split("</p>", 1)[0]
    assert cast.air_station.name in unplaced
    assert cast.outlet_a.name in unplaced


def _place(*sites):
    for number, site in enumerate(sites):
        site.longitude, site.latitude = Decimal("111.92") + Decimal(number) / 100, Decimal("36.27")
        site.save()


def test_the_map_shows_only_the_users_scope_with_each_outlets_state(cast, client_for):
    from django.utils import timezone

    from lanqing.alerts.models import Alert, AlertRule
    from lanqing.monitoring.models import Device

    _place(cast.air_station, cast.outlet_a, cast.outlet_b)
    rule = AlertRule.objects.create(name="超标", kind="exceedance", severity="high")
    now = timezone.now()
    Alert.objects.create(rule=rule, source_key="a", site=cast.outlet_a, severity="high", message="超标",
                         first_seen_at=now, last_seen_at=now)
    Device.objects.filter(point__site=cast.outlet_b).update(is_online=False)
    Device.objects.filter(point__site__in=[cast.outlet_a, cast.air_station]).update(is_online=True)

    leader = client_for(cast.users["leader"]).get(reverse("workbench:overview_map")).json()
    states = {marker["name"]: marker["state"] for marker in leader["sites"]}
    assert states == {cast.air_station.name: "nodata", cast.outlet_a.name: "exceeding",
                      cast.outlet_b.name: "offline"}
    assert all(marker["url"].startswith("/monitoring/sites/") for marker in leader["sites"])

    township_b = client_for(cast.users["township_b"]).get(reverse("workbench:overview_map")).json()
    assert [marker["name"] for marker in township_b["sites"]] == [cast.outlet_b.name]


def test_devices_online_and_cases_match_the_stored_rows(cast, client_for):
    from lanqing.cases.models import Case, ResponsibilityRule
    from lanqing.cases.transitions import case_open
    from lanqing.monitoring.models import Device
    from lanqing.workbench.overview import overview_for

    Device.objects.filter(point__site=cast.outlet_b).update(is_online=True)
    ResponsibilityRule.objects.create(category="inspection", lead_unit=cast.department)
    for site in (cast.outlet_a, cast.outlet_b):
        case = case_open(title="巡查", category="inspection", source="inspection", by=cast.users["bureau"], site=site)
        Case.objects.filter(id=case.id).update(state="dispatched", deadline_at=NOW - timedelta(days=1))
    overview = overview_for(cast.users["township_a"], now=NOW)
    assert (overview.devices_online, overview.devices) == (0, 2)  # 岳阳镇: the air station and outlet A
    assert (overview.cases_open, overview.cases_overdue) == (1, 1)
    county = overview_for(cast.users["leader"], now=NOW)
    assert (county.devices_online, county.devices) == (1, 3)
    assert (county.cases_open, county.cases_overdue) == (2, 2)


def test_the_county_map_is_drawn_from_the_shipped_boundary(cast, client_for):
    page = client_for(cast.users["leader"]).get(reverse("workbench:overview")).content.decode()
    assert 'data-boundary="/static/lanqing/geo/141025.json"' in page
    # A township's officers see the county outline (no township outlines are public), with their own markers.
    page = client_for(cast.users["township_a"]).get(reverse("workbench:overview")).content.decode()
    assert 'data-boundary="/static/lanqing/geo/141025.json"' in page
