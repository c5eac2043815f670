"""Water sections' monthly class and the sources' month, against figures worked out here from stored rows."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def section(cast):
    from lanqing.monitoring.models import Factor, Measurement, Point, Site

    site = Site.objects.create(kind="water", code="W-01", name="洪安涧河古县出境", jurisdiction=cast.yueyang,
                               target_class=3)
    point = Point.objects.create(site=site, code="1", name="1#")
    cod = Factor.objects.get(code="w01018")
    rows = []
    # October: COD 18 every day (class Ⅲ, meets the target); November: 35 (class Ⅴ, COD the main pollutant).
    for first, days, value in ((date(2026, 10, 1), 31, 18.0), (date(2026, 11, 1), 30, 35.0)):
        for day in range(days):
            when = datetime.combine(first + timedelta(days=day), datetime.min.time(), SHANGHAI)
            rows.append(Measurement(point=point, factor=cod, period="day", time=when, value=value, flag="N"))
    Measurement.objects.bulk_create(rows)
    return site


def test_each_month_is_classed_from_its_mean_sample(section):
    from lanqing.monitoring.quality import monthly_water_class

    months = monthly_water_class(section, first_month=date(2026, 9, 1), months=3)
    assert months[0] is None  # September has no value
    assert [(m.result.class_name, m.result.meets_target, m.days) for m in months[1:]] == [
        ("Ⅲ", True, 31), ("Ⅴ", False, 30)]
    assert months[2].result.main_pollutants == ("COD",)


def test_the_page_shows_the_history_and_the_sources_of_the_month(cast, section, client_for):
    from django.utils import timezone

    from lanqing.alerts.models import Exceedance
    from lanqing.monitoring.models import Device, Factor, TransmissionStat

    so2 = Factor.objects.get(code="a21026")
    point = cast.outlet_a.points.get()
    for hour, value in enumerate((120.0, 150.0, 101.0)):  # limit 100: multiples 0.2, 0.5, 0.01
        Exceedance.objects.create(point=point, factor=so2, period="hour", value=value, limit=100.0,
                                  time=datetime(2026, 11, 5, hour, tzinfo=SHANGHAI), judged_at=timezone.now())
    Exceedance.objects.create(point=point, factor=so2, period="hour", value=300.0, limit=100.0,
                              time=datetime(2026, 10, 31, 23, tzinfo=SHANGHAI), judged_at=timezone.now())
    device = Device.objects.get(point=point)
    TransmissionStat.objects.create(device=device, factor=so2, span="month", start=date(2026, 11, 1),
                                    expected=720, received=710, valid=700, computed_at=timezone.now())

    page = client_for(cast.users["leader"]).get(reverse("workbench:water"), {"month": "2026-11"}).content.decode()
    row = page.split('data-testid="section-row"', 1)[1].split("</tr>", 1)[0]
    assert ">Ⅲ<" in row
    assert ">Ⅴ<" in row
    assert "1 / 2" in row
    assert "COD" in row
    sources = {line.split("</a>")[0].rsplit(">", 1)[1]: line for line in page.split('data-testid="source-row"')[1:]}
    assert '<span class="error">3</span>' in sources[cast.enterprise_a.name]  # October's value is not November's
    assert "<td>0.5</td>" in sources[cast.enterprise_a.name]
    assert "97.2" in sources[cast.enterprise_a.name]  # 700 valid of 720 expected
    assert "<td>0</td>" in sources[cast.enterprise_b.name]


def test_a_township_sees_its_own_sources_only(cast, section, client_for):
    page = client_for(cast.users["township_b"]).get(reverse("workbench:water")).content.decode()
    assert cast.enterprise_b.name in page
    assert cast.enterprise_a.name not in page
    assert "您的管辖范围内没有水质断面" in page  # the section is in 岳阳镇


@pytest.mark.parametrize("bad", ["2026-13", "1999-01", "2999-01", "x"])
def test_a_month_without_sense_is_refused_with_its_reason(cast, client_for, bad):
    response = client_for(cast.users["leader"]).get(reverse("workbench:water"), {"month": bad})
    assert response.status_code == 400
    assert 'data-testid="water-error"' in response.content.decode()


def test_the_export_lists_the_sources(cast, client_for):
    from io import BytesIO

    from openpyxl import load_workbook

    response = client_for(cast.users["bureau"]).get(reverse("workbench:water"), {"export": "xlsx"})
    sheet = load_workbook(BytesIO(response.content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == sorted([cast.enterprise_a.name, cast.enterprise_b.name])


def test_a_late_hour_changes_the_month_s_class_on_the_page(cast, section, client_for):
    """The months' samples are kept for the sections; an hour of October sent late by the section's analyser
    through the receiver's ingest replaces that day's value (18 → 100 mg/L COD), so October's mean goes from
    18 (class Ⅲ) to 20.6 (class Ⅳ) on the page at once."""
    from datetime import UTC

    from lanqing import hj212
    from lanqing.hj212 import Cn, Framer, Peer
    from lanqing.monitoring.ingest.batch import ingest_batch
    from lanqing.monitoring.ingest.decide import Received
    from lanqing.monitoring.ingest.devices import DeviceCache
    from lanqing.monitoring.models import AreaFigures, Device

    device = Device(mn="MNW01", point=section.points.get())
    device.set_password("123456")
    device.save()
    client = client_for(cast.users["leader"])

    def october() -> str:
        page = client.get(reverse("workbench:water"), {"month": "2026-11"}).content.decode()
        row = page.split('data-testid="section-row"', 1)[1].split("</tr>", 1)[0]
        return row.split("2026-10", 1)[1].split("</span>", 1)[0].rsplit(">", 1)[1]

    assert october() == "Ⅲ"
    assert AreaFigures.objects.filter(what="water-months", figures__isnull=False).exists()
    frame = hj212.build_data(Peer("MNW01", "123456", "32"), Cn.HOUR_DATA,
                             datetime.combine(date(2026, 10, 15), datetime.min.time()) + timedelta(hours=10),
                             {"w01018": {"Avg": 100.0, "Flag": "N"}})
    [outcome] = ingest_batch([Received(item, "127.0.0.1:1", datetime.now(UTC)) for item in Framer().feed(frame)],
                             cache=DeviceCache())
    assert outcome.accepted
    assert october() == "Ⅳ"
