"""Each role's first page: every figure against a count made here from the stored rows, and the list it links
to shows exactly the rows it counts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.cases.conftest import supervision  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _case(cast, title, *, site, state, deadline_in_hours, closed_hours_ago=None):
    from lanqing.cases.models import Case
    from lanqing.cases.transitions import case_open

    case = case_open(title=title, category="inspection", source="inspection", by=cast.users["bureau"], site=site)
    now = timezone.now()
    Case.objects.filter(id=case.id).update(
        state=state, deadline_at=None if deadline_in_hours is None else now + timedelta(hours=deadline_in_hours),
        closed_at=None if closed_hours_ago is None else now - timedelta(hours=closed_hours_ago))
    return case


@pytest.fixture
def workload(supervision):  # noqa: F811
    cast = supervision
    _case(cast, "超期一", site=cast.outlet_a, state="dispatched", deadline_in_hours=-30)
    _case(cast, "超期二", site=cast.outlet_b, state="in_progress", deadline_in_hours=-2)
    _case(cast, "即将到期", site=cast.outlet_a, state="accepted", deadline_in_hours=20)
    _case(cast, "还早", site=cast.outlet_b, state="dispatched", deadline_in_hours=24 * 10)
    _case(cast, "待派发", site=cast.outlet_a, state="draft", deadline_in_hours=None)
    _case(cast, "待核查", site=cast.outlet_b, state="submitted", deadline_in_hours=5)
    _case(cast, "已办结", site=cast.outlet_a, state="closed", deadline_in_hours=-100, closed_hours_ago=1)
    return cast


def _figures(page: str) -> dict[str, tuple[int, str]]:
    found = re.findall(r'<a class="tile[^"]*" href="([^"]+)" data-testid="([^"]+)"><b>(\d+)</b>', page)
    return {key: (int(count), url.replace("&amp;", "&")) for url, key, count in found}


def _listed(client, url: str) -> int:
    """Cases the linked list shows (each case links to its page once)."""
    return len(set(re.findall(r'href="/cases/(\d+)/"', client.get(url).content.decode())))


def test_the_bureau_figures_match_the_stored_cases_and_their_lists(workload, client_for):
    from lanqing.cases.models import Case

    now = timezone.now()
    open_states = ["dispatched", "accepted", "in_progress", "returned"]
    expected = {
        "overdue-cases": Case.objects.filter(state__in=open_states, deadline_at__lt=now).count(),
        "due-cases": Case.objects.filter(state__in=open_states, deadline_at__gte=now,
                                         deadline_at__lt=now + timedelta(days=3)).count(),
        "open-cases": Case.objects.filter(state__in=open_states).count(),
        "dispatch-cases": Case.objects.filter(state="draft").count(),
        "verify-cases": Case.objects.filter(state="submitted").count(),
    }
    assert expected == {"overdue-cases": 2, "due-cases": 1, "open-cases": 4, "dispatch-cases": 1,
                        "verify-cases": 1}
    client = client_for(workload.users["bureau"])
    figures = _figures(client.get(reverse("home")).content.decode())
    for key, count in expected.items():
        assert figures[key][0] == count, key
        assert _listed(client, figures[key][1]) == count, key


def test_overdue_cases_come_first_with_days_overdue(workload, client_for):
    page = client_for(workload.users["bureau"]).get(reverse("home")).content.decode()
    cases = page.split('data-testid="workbench-cases"', 1)[1].split("</section>", 1)[0]
    assert cases.index("超期一") < cases.index("超期二")  # the older deadline first
    assert "超期 2 天" in cases
    assert "超期 1 天" in cases
    assert "还早" not in cases
    due = page.split('data-testid="workbench-due"', 1)[1].split("</section>", 1)[0]
    assert "即将到期" in due
    assert "剩余 0 天" in due


def test_a_township_sees_its_own_cases_never_the_county(workload, client_for):
    client = client_for(workload.users["township_b"])
    page = client.get(reverse("home")).content.decode()
    figures = _figures(page)
    # 北平镇 holds 超期二 (overdue), 还早 and 待核查 (open or submitted): only those count.
    assert figures["overdue-cases"][0] == 1
    assert figures["open-cases"][0] == 2  # 超期二 and 还早; 待核查 is awaiting verification, not open
    for key in ("overdue-cases", "open-cases"):
        assert _listed(client, figures[key][1]) == figures[key][0], key
    assert "超期一" not in page
    assert "即将到期" not in page
    assert "超期二" in page


def test_the_leader_sees_closed_this_month_and_the_list_agrees(workload, client_for):
    client = client_for(workload.users["leader"])
    figures = _figures(client.get(reverse("home")).content.decode())
    assert figures["closed-month-cases"][0] == 1
    assert _listed(client, figures["closed-month-cases"][1]) == 1
    assert figures["escalated-cases"][0] == 0


def test_alert_figures_count_active_alerts_of_their_kind_in_scope(workload, client_for):
    from lanqing.alerts.models import Alert, AlertRule

    rule = AlertRule.objects.create(name="超标", kind="exceedance", severity="high")
    offline = AlertRule.objects.create(name="离线", kind="device_offline", severity="medium")
    now = timezone.now()
    for site, source in ((workload.outlet_a, "a"), (workload.outlet_b, "b")):
        Alert.objects.create(rule=rule, source_key=source, site=site, severity="high", message="超标",
                             first_seen_at=now, last_seen_at=now)
    Alert.objects.create(rule=rule, source_key="old", site=workload.outlet_a, severity="high", message="超标",
                         first_seen_at=now, last_seen_at=now, status="cleared", cleared_at=now)
    Alert.objects.create(rule=offline, source_key="d", site=workload.outlet_a, severity="medium", message="离线",
                         first_seen_at=now, last_seen_at=now)
    bureau = client_for(workload.users["bureau"])
    figures = _figures(bureau.get(reverse("home")).content.decode())
    assert figures["exceeding-alerts"][0] == 2
    assert figures["offline-alerts"][0] == 1
    listed = bureau.get(figures["exceeding-alerts"][1]).content.decode()
    assert listed.count('data-testid="alert-row"') == 2
    assert ">离线<" not in listed

    enterprise = client_for(workload.users["enterprise_b"])
    page = enterprise.get(reverse("home")).content.decode()
    figures = _figures(page)
    assert figures["exceeding-alerts"][0] == 1
    assert figures["offline-alerts"][0] == 0
    outlets = page.split('data-testid="workbench-outlets"', 1)[1]
    assert workload.outlet_b.name in outlets
    assert workload.outlet_a.name not in outlets
    assert "1 个因子超标" in outlets


def test_the_bureau_sees_outlets_above_their_limits_first_then_those_offline(workload, client_for):
    from lanqing.alerts.models import Alert, AlertRule
    from lanqing.monitoring.models import Device, Point, Site
    from lanqing.workbench.figures import STATION_ROWS

    Device.objects.filter(point__site=workload.outlet_a).update(is_online=True)
    for number in range(STATION_ROWS + 1):  # more outlets than the list shows, all before OUT-B by code
        site = Site.objects.create(kind="outlet", code=f"OUT-0{number:02d}", name=f"丙公司{number}号排口",
                                   jurisdiction=workload.beiping, enterprise=workload.enterprise_b)
        point = Point.objects.create(site=site, code="1", name="1#")
        Device.objects.create(mn=f"MN0{number:02d}", point=point, is_online=number != 5)
    rule = AlertRule.objects.create(name="超标", kind="exceedance", severity="high")
    now = timezone.now()
    for source in ("SO2", "NOx"):
        Alert.objects.create(rule=rule, source_key=source, site=workload.outlet_b, severity="high", message="超标",
                             first_seen_at=now, last_seen_at=now)
    page = client_for(workload.users["bureau"]).get(reverse("home")).content.decode()
    outlets = page.split('data-testid="workbench-outlets"', 1)[1].split("</section>", 1)[0]
    rows = outlets.split('data-testid="outlet-status"')[1:]
    assert len(rows) == STATION_ROWS
    assert workload.outlet_b.name in rows[0]
    assert "2 个因子超标" in rows[0]
    assert "丙公司5号排口" in rows[1]
    assert "1 台设备中 1 台离线" in rows[1]
    assert "丙公司0号排口" in rows[2]
    assert "达标" in rows[2]


def test_a_station_shows_the_aqi_of_its_newest_hour(workload, client_for):
    from lanqing.monitoring.models import Factor, Measurement

    point = workload.air_station.points.get()
    hour = datetime(2026, 1, 5, 3, tzinfo=UTC)
    pm25 = Factor.objects.get(code="a34004")
    # PM2.5 115 µg/m³ is the top of the 101–150 band: IAQI 150 (HJ 633-2012, table 1).
    Measurement.objects.create(point=point, factor=pm25, period="hour", time=hour, value=115, flag="N")
    Measurement.objects.create(point=point, factor=pm25, period="hour", time=hour - timedelta(hours=1), value=35,
                               flag="N")
    page = client_for(workload.users["township_a"]).get(reverse("home")).content.decode()
    station = page.split('data-testid="station-aqi"', 1)[1].split("</li>", 1)[0]
    assert workload.air_station.name in station
    assert re.search(r'data-level="3">150<', station)
    assert "01-05 12:00" in station  # 03:00 UTC is 11:00 in Beijing; the hour is labelled by its end


def test_a_role_less_account_is_told_so(workload, client_for):
    page = client_for(workload.users["nobody"]).get(reverse("home")).content.decode()
    assert "data-testid=\"figures\"" not in page


@pytest.mark.parametrize("bad", ["0001-01-01", "9999-12-31", "2026-13-01", "x"])
def test_a_nonsense_closed_since_filters_nothing(workload, client_for, bad):
    response = client_for(workload.users["bureau"]).get(reverse("cases:inbox"), {"box": "all", "closed_since": bad})
    assert response.status_code == 200
    assert "closed-since" not in response.content.decode()
