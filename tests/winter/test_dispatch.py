"""Inspection dispatch: listed enterprises near a station with a high AQI, largest shortfall first."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from lanqing.monitoring.models import Factor, Measurement, Period
from lanqing.org.models import Enterprise
from lanqing.winter.dispatch import distance_km
from tests.winter.conftest import END

STATION = (36.27, 111.92)
KM_PER_DEGREE = math.pi * 6371.0088 / 180  # along a meridian


def test_distance_along_a_meridian_and_a_parallel():
    assert distance_km(36.0, 111.9, 37.0, 111.9) == pytest.approx(KM_PER_DEGREE)
    # One degree of longitude at 60° north is half a degree of the equator (to within the arc's bulge).
    assert distance_km(60.0, 0.0, 60.0, 0.01) == pytest.approx(KM_PER_DEGREE * 0.01 / 2, rel=1e-4)


@pytest.fixture
def placed(cast, episode):
    from lanqing.monitoring.models import Site

    Site.objects.filter(pk=cast.air_station.pk).update(latitude=Decimal("36.27"), longitude=Decimal("111.92"))
    # A 2 km north of the station, B 7 km north; both listed at orange.
    Enterprise.objects.filter(pk=cast.enterprise_a.pk).update(
        latitude=Decimal(str(round(STATION[0] + 2 / KM_PER_DEGREE, 6))), longitude=Decimal("111.92"))
    Enterprise.objects.filter(pk=cast.enterprise_b.pk).update(
        latitude=Decimal(str(round(STATION[0] + 7 / KM_PER_DEGREE, 6))), longitude=Decimal("111.92"))
    pm25 = Factor.objects.get(code="a34004")
    Measurement.objects.create(point=cast.air_station.points.get(), factor=pm25, period=Period.HOUR,
                               time=END - timedelta(hours=1), value=260.0)  # hourly AQI 310
    return episode


def _rows(client, warning, **params):
    response = client.get(reverse("winter:dispatch", kwargs={"warning_id": warning.id}), params)
    assert response.status_code == 200
    return response.context["rows"]


def test_the_enterprises_within_the_radius_largest_shortfall_first(cast, placed, client_for):
    # The warning has ended: its figures are those of its whole time, whenever the page is read.
    client = client_for(cast.users["bureau"])
    near = _rows(client, placed, radius="5", aqi="300")
    assert [(row.enterprise.name, round(row.distance_km, 2)) for row in near] == [("甲焦化有限公司", 2.0)]
    assert near[0].shortfall == pytest.approx(50 - (1 - (12 * 55 + 12 * 70) / (20 * (100 + 153 / 13)
                                                                              + 4 * (100 + 143 / 12))) * 100)
    wide = _rows(client, placed, radius="10", aqi="300")
    assert [row.enterprise.name for row in wide] == ["甲焦化有限公司", "乙焦化有限公司"]  # B: no data, no figure, last
    assert wide[1].shortfall is None
    assert round(wide[1].distance_km, 2) == 7.0
    # Each officer reads the stations and enterprises of its own ground: the station lies in 岳阳镇.
    township_a = client_for(cast.users["township_a"])
    assert [row.enterprise.name for row in _rows(township_a, placed, radius="10")] == ["甲焦化有限公司"]
    assert _rows(client_for(cast.users["township_b"]), placed, radius="10") == []


def test_no_station_above_the_threshold_lists_nobody(cast, placed, client_for):
    assert _rows(client_for(cast.users["bureau"]), placed, radius="10", aqi="300")
    client = client_for(cast.users["bureau"])
    Measurement.objects.filter(factor__code="a34004").update(value=100.0)
    assert _rows(client, placed, radius="10", aqi="150") == []
