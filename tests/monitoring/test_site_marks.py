"""An outlet's page shows which of its values lie under a valid data mark: the chart shades the marks' periods (sent
with the page), the table of values badges each excused value, and a legend says they are not judged."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from lanqing.monitoring.marks import mark_create, mark_revoke, marks_revert_overdue
from lanqing.monitoring.models import Factor, Measurement
from tests.cases.conftest import SHANGHAI

H = timedelta(hours=1)
START = datetime(2026, 1, 5, 0, 0, tzinfo=SHANGHAI)
PDF = b"%PDF-1.4 maintenance notice"


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def hours(cast):
    """24 hourly SO2 values of the outlet from START, each 500 mg/m³: far over any limit."""
    point = cast.outlet_a.points.get()
    factor = Factor.objects.get(code="a21026")
    Measurement.objects.bulk_create(Measurement(point=point, factor=factor, period="hour", value=500.0, flag="N",
                                                time=START + h * H) for h in range(24))


def _mark(cast, *, start, end, kind="maintenance", document=True):
    return mark_create(by=cast.users["enterprise_a"], site=cast.outlet_a, kind=kind, reason="脱硫塔检修",
                       starts_at=start, ends_at=end, document=("plan.pdf", PDF) if document else None, now=START)


def _page(client, cast, **params):
    response = client.get(reverse("monitoring:site", args=[cast.outlet_a.id]),
                          {"factor": "a21026", "period": "hour", **params})
    assert response.status_code == 200
    return response.content.decode()


def _chart_marks(page):
    return json.loads(page.split('<script id="site-chart-marks" type="application/json">', 1)[1]
                      .split("</script>", 1)[0])


def _badged_hours(page):
    """The hours (local HH:MM) of the table's rows that carry an "under mark" badge, and the badges' texts."""
    table = page.split('data-testid="site-values"', 1)[1].split("</table>", 1)[0]
    rows = table.split('data-testid="site-value-row"')[1:]
    badged = {}
    for row in rows:
        if 'data-testid="under-mark"' in row:
            time = row.split('<td class="nowrap">', 1)[1].split("</td>", 1)[0]
            badged[time[-5:]] = row.split('data-testid="under-mark">', 1)[1].split("<", 1)[0]
    return badged, len(rows)


@pytest.mark.parametrize("who", ["enterprise_a", "bureau"])
def test_a_documented_mark_is_shaded_on_the_chart_and_badges_exactly_its_hours(cast, hours, client_for, who):
    mark = _mark(cast, start=START + 10 * H, end=START + 14 * H)
    # Awaiting its document, still valid; from 16:30 it excuses the 16:00 value too.
    awaiting = _mark(cast, start=START + 16.5 * H, end=START + 18 * H, kind="production_stopped", document=False)
    page = _page(client_for(cast.users[who]), cast)
    assert _chart_marks(page) == [
        {"from": "2026-01-05 10:00", "to": "2026-01-05 14:00", "label": "Maintenance", "device": ""},
        {"from": "2026-01-05 16:00", "to": "2026-01-05 18:00", "label": "Production stopped", "device": ""},
    ]
    badged, shown = _badged_hours(page)
    assert shown == 24
    assert badged == {"10:00": "under mark: Maintenance", "11:00": "under mark: Maintenance",
                      "12:00": "under mark: Maintenance", "13:00": "under mark: Maintenance",
                      "16:00": "under mark: Production stopped", "17:00": "under mark: Production stopped"}
    assert page.count(f'href="/marks/{mark.id}/" data-testid="under-mark"') == 4
    assert page.count(f'href="/marks/{awaiting.id}/" data-testid="under-mark"') == 2
    legend = page.split('data-testid="mark-legend"', 1)[1].split("</p>", 1)[0]
    assert "they are not judged against the limit" in legend
    assert f'href="/marks/?site={cast.outlet_a.id}"' in legend


def test_the_chinese_page_names_the_marks_kind_in_chinese(cast, hours, client_for):
    _mark(cast, start=START + 10 * H, end=START + 12 * H)
    client = client_for(cast.users["enterprise_a"])
    client.cookies["django_language"] = "zh-hans"
    page = _page(client, cast)
    assert _chart_marks(page)[0]["label"] == "维护"
    badged, _shown = _badged_hours(page)
    assert set(badged.values()) == {"已标记：维护"}
    assert "不作为超标判定依据" in page.split('data-testid="mark-legend"', 1)[1].split("</p>", 1)[0]


def test_a_reverted_or_revoked_mark_is_neither_shaded_nor_badged(cast, hours, client_for):
    reverted = _mark(cast, start=START + 2 * H, end=START + 4 * H, document=False)
    marks_revert_overdue(now=START + timedelta(days=60))
    revoked = _mark(cast, start=START + 6 * H, end=START + 8 * H)
    mark_revoke(by=cast.users["bureau"], mark=revoked, reason="虚报检修", now=START + 9 * H)
    reverted.refresh_from_db()
    assert reverted.state == "reverted"
    page = _page(client_for(cast.users["bureau"]), cast)
    assert _chart_marks(page) == []
    badged, shown = _badged_hours(page)
    assert (badged, shown) == ({}, 24)


def test_only_marks_overlapping_the_shown_window_are_sent(cast, hours, client_for):
    # The newest value is at 23:00 on 5 January: a one-day window starts at 23:00 on the 4th.
    _mark(cast, start=START - 3 * 24 * H, end=START - 2 * 24 * H)
    inside = _mark(cast, start=START + 20 * H, end=START + 22 * H)
    page = _page(client_for(cast.users["enterprise_a"]), cast, days="1")
    assert [span["from"] for span in _chart_marks(page)] == ["2026-01-05 20:00"]
    assert page.count(f'href="/marks/{inside.id}/"') == 2
    assert len(_chart_marks(_page(client_for(cast.users["enterprise_a"]), cast, days="7"))) == 2


def test_a_device_mark_badges_only_the_values_of_that_devices_point(cast, hours, client_for):
    from lanqing.monitoring.models import Device, Point

    other = Point.objects.create(site=cast.outlet_a, code="2", name="2#")
    device = Device.objects.create(point=other, mn="MN-OUTLET-A-2")
    Measurement.objects.create(point=other, factor=Factor.objects.get(code="a21026"), period="hour", value=9.0,
                               flag="N", time=START + 23 * H)
    mark_create(by=cast.users["enterprise_a"], site=cast.outlet_a, kind="maintenance", reason="分析仪校准",
                starts_at=START + 23 * H, ends_at=START + 24 * H, device=device, now=START)
    page = _page(client_for(cast.users["enterprise_a"]), cast)
    assert _chart_marks(page)[0]["device"] == "MN-OUTLET-A-2"
    rows = page.split('data-testid="site-values"', 1)[1].split("</table>", 1)[0].split('data-testid="site-value-row"')
    at_23 = [row for row in rows[1:] if "2026-01-05 23:00" in row]
    assert len(at_23) == 2
    assert sorted(('data-testid="under-mark"' in row, "9.0" in row) for row in at_23) == [(False, False), (True, True)]


def test_another_enterprise_still_gets_404_on_the_outlet_page(cast, hours, client_for):
    _mark(cast, start=START + 10 * H, end=START + 14 * H)
    response = client_for(cast.users["enterprise_b"]).get(reverse("monitoring:site", args=[cast.outlet_a.id]))
    assert response.status_code == 404


def test_the_outlet_link_lists_only_that_outlets_marks(cast, client_for):
    _mark(cast, start=START + 10 * H, end=START + 14 * H)
    client = client_for(cast.users["bureau"])
    listed = client.get(reverse("marks:list"), {"site": cast.outlet_a.id}).content.decode()
    assert "甲公司焦炉烟囱" in listed
    assert "甲公司焦炉烟囱" not in client.get(reverse("marks:list"), {"site": cast.outlet_b.id}).content.decode()


def test_the_chart_pins_no_exceedance_under_a_valid_mark_but_pins_it_again_once_revoked(cast, client_for):
    from lanqing.monitoring.models import Site

    Site.objects.filter(id=cast.outlet_a.id).update(limit_set="GB13223-2011:special:coal")  # SO2 50 at 6 % O2
    point = cast.outlet_a.points.get()
    so2, o2 = Factor.objects.get(code="a21026"), Factor.objects.get(code="a19001")
    Measurement.objects.bulk_create(
        [Measurement(point=point, factor=so2, period="hour", time=START + h * H, flag="N",
                     value=90.0 if h in (3, 11, 12) else 30.0) for h in range(24)]
        + [Measurement(point=point, factor=o2, period="hour", time=START + h * H, value=6.0, flag="N")
           for h in range(24)])
    mark = _mark(cast, start=START + 10 * H, end=START + 14 * H)
    client = client_for(cast.users["bureau"])

    def pinned():
        data = client.get(reverse("monitoring:site_series", args=[cast.outlet_a.id]),
                          {"factor": "a21026", "period": "hour", "days": "7"}).json()
        return [data["points"][index][0][-5:] for index in data["exceed"]]

    assert pinned() == ["03:00"]
    mark_revoke(by=cast.users["bureau"], mark=mark, reason="虚报检修", now=START + 20 * H)
    assert pinned() == ["03:00", "11:00", "12:00"]
