"""Air analysis: calendar, polluted days, monthly statistics and the station ranking against figures worked out
here from the stored values; bad years and foreign stations are refused with a reason."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from django.urls import reverse

from lanqing.workbench.air import ranks
from tests.workbench.test_overview import _air_year

pytestmark = pytest.mark.django_db
TODAY = date(2026, 2, 3)


def test_equal_values_share_a_rank_and_the_next_rank_skips():
    assert ranks([2.5, 3.1, 2.5, None, 1.0]) == [2, 4, 2, None, 1]
    assert ranks([51.5, 60.0, 51.5], descending=True) == [2, 1, 2]


def _second_station(cast, code, name):
    from lanqing.monitoring.models import Device, Point, Site

    site = Site.objects.create(kind="air", code=code, name=name, jurisdiction=cast.beiping)
    point = Point.objects.create(site=site, code="1", name="1#")
    device = Device(mn=f"MN{code}", point=point)
    device.set_password("123456")
    device.save()
    return site


def _composite(pm25: float) -> float:
    # 环办监测〔2018〕19号: SO2/60 + NO2/40 + PM10/70 + PM2.5/35 + CO(P95)/4 + O3(P90 of MDA8)/160, to 2 dp.
    total = (Fraction(5, 60) + Fraction(5, 40) + Fraction(20, 70) + Fraction(str(pm25)) / 35
             + Fraction("0.4") / 4 + Fraction(60, 160))
    return round(float(total), 2)


def test_the_ranking_orders_stations_by_composite_index_with_ties(cast):
    from lanqing.workbench.air import air_analysis

    clean = _second_station(cast, "AIR-02", "北平空气站")
    twin = _second_station(cast, "AIR-03", "旧县空气站")
    _air_year(cast.air_station, lambda day: 80.0)
    _air_year(clean, lambda day: 30.0)
    _air_year(twin, lambda day: 30.0)
    analysis = air_analysis([cast.air_station, clean, twin], year=2026, today=TODAY)
    table = [(row.site.code, row.rank, row.composite, row.pm25) for row in analysis.ranking]
    assert table == [("AIR-02", 1, _composite(30), 30.0), ("AIR-03", 1, _composite(30), 30.0),
                     ("AIR-01", 3, _composite(80), 80.0)]


def test_the_calendar_and_polluted_days_follow_the_area_mean(cast):
    from lanqing.workbench.air import air_analysis

    # PM2.5 80 on odd days (IAQI 107, primary pollutant PM2.5) and 30 on even ones (good, no primary).
    _air_year(cast.air_station, lambda day: 30.0 if day % 2 == 0 else 80.0)
    analysis = air_analysis([cast.air_station], year=2026, today=TODAY)
    assert [row.label for row in analysis.calendar][:2] == [date(2026, 1, 1), date(2026, 1, 2)]
    assert len(analysis.calendar) == 33
    assert [row.aqi for row in analysis.calendar[:2]] == [43, 107]
    assert analysis.polluted_days == 16
    assert analysis.polluted_by_primary == [("PM2.5", 16)]
    # January has 31 valid days: its mean is the standards' rounded mean; February's 2 days are too few.
    january = round((16 * 30 + 15 * 80) / 31)
    assert analysis.trend.means["PM2.5"] == [january, None]
    assert analysis.trend.limits["PM2.5"] == 35.0
    assert analysis.trend_last_year.means["PM2.5"] == [None, None]  # nothing stored a year earlier


def test_the_page_refuses_a_year_without_data_with_its_reason(cast, client_for):
    client = client_for(cast.users["leader"])
    for year in ("1999", "2999", "abc"):
        response = client.get(reverse("workbench:air"), {"year": year})
        assert response.status_code == 400
        assert 'data-testid="air-error"' in response.content.decode()
    response = client.get(reverse("workbench:air"))
    assert response.status_code == 200
    assert cast.air_station.name in response.content.decode()


def test_a_station_outside_the_scope_is_not_found(cast, client_for):
    client = client_for(cast.users["township_b"])
    assert client.get(reverse("workbench:air"), {"site": cast.air_station.id}).status_code == 404
    assert client.get(reverse("workbench:air"), {"site": "x"}).status_code == 404
    page = client.get(reverse("workbench:air")).content.decode()
    assert "您的管辖范围内没有空气站" in page
