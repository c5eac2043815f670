"""Pages a person uses: login, home per role, lists, site data, language switch."""

import pytest
from django.urls import reverse

from lanqing.monitoring.models import Factor, Measurement
from tests.conftest import PASSWORD


def test_a_wrong_password_gets_a_clear_message_in_chinese(cast, client):
    response = client.post(reverse("login"), {"username": "bureau", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()


def test_an_expired_session_sends_the_user_to_login_with_an_explanation(cast, client):
    response = client.get(reverse("org:enterprises"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "会话已过期" in response.content.decode()


def test_login_then_logout(cast, client):
    response = client.post(reverse("login"), {"username": "bureau", "password": PASSWORD}, follow=True)
    assert response.request["PATH_INFO"] == reverse("home")
    response = client.post(reverse("logout"), follow=True)
    assert response.request["PATH_INFO"] == reverse("login")


@pytest.mark.parametrize(("who", "visible", "hidden"), [
    ("bureau", ["数据导入", "辖区"], []),
    ("leader", ["辖区", "企业"], ["数据导入"]),
    ("township_a", ["辖区"], ["数据导入"]),
    ("enterprise_a", ["监测站点"], ["辖区", "数据导入"]),
])
def test_each_role_sees_its_own_menu(cast, client_for, who, visible, hidden):
    page = client_for(cast.users[who]).get(reverse("home")).content.decode()
    nav = page.split('<nav class="menu"', 1)[1].split("</nav>", 1)[0]
    for word in visible:
        assert word in nav
    for word in hidden:
        assert word not in nav


def test_english_can_be_chosen(cast, client_for):
    client = client_for(cast.users["bureau"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("home")).content.decode()
    assert "Enterprises" in page
    assert "Log out" in page


def test_jurisdiction_tree_lists_the_six_townships(cast, client_for):
    page = client_for(cast.users["leader"]).get(reverse("org:jurisdictions")).content.decode()
    for name in ("岳阳镇", "北平镇", "古阳镇", "旧县镇", "三合镇", "南垣乡"):
        assert name in page
    assert "6 个乡镇" in page or "6 townships" in page


def test_enterprise_list_filters_and_shows_an_empty_state(cast, client_for):
    client = client_for(cast.users["bureau"])
    page = client.get(reverse("org:enterprises"), {"q": "甲"}).content.decode()
    assert "甲焦化有限公司" in page
    assert "乙焦化有限公司" not in page
    page = client.get(reverse("org:enterprises"), {"q": "nothing-like-this"}).content.decode()
    assert "没有符合" in page


def test_enterprise_profile_shows_its_outlets_and_devices(cast, client_for):
    page = client_for(cast.users["enterprise_a"]).get(
        reverse("org:enterprise", args=[cast.enterprise_a.id])).content.decode()
    assert "甲公司焦炉烟囱" in page
    assert "MNOUTA" in page


def test_site_series_returns_local_times_and_values(cast, client_for):
    from datetime import UTC, datetime

    factor = Factor.objects.get(code="a34004")
    point = cast.air_station.points.get()
    Measurement.objects.create(point=point, factor=factor, period="hour",
                               time=datetime(2026, 1, 5, 0, tzinfo=UTC), value=75)
    client = client_for(cast.users["township_a"])
    data = client.get(reverse("monitoring:site_series", args=[cast.air_station.id]),
                      {"factor": "a34004", "period": "hour", "days": "7"}).json()
    assert data["points"] == [["2026-01-05 08:00", 75.0, "N"]]
    assert data["unit"] == "µg/m³"
    page = client.get(reverse("monitoring:site", args=[cast.air_station.id])).content.decode()
    assert 'id="site-chart"' in page


def test_site_page_shows_when_each_device_was_last_heard_and_this_months_transmission_rates(cast, client_for):
    from datetime import UTC, datetime, timedelta

    from django.utils import timezone

    from lanqing.monitoring.models import Device, TransmissionStat

    device = Device.objects.get(mn="MNAIR01")
    Device.objects.filter(id=device.id).update(last_seen_at=datetime(2026, 3, 1, 7, 5, tzinfo=UTC))
    month = timezone.localdate().replace(day=1)
    pm25, so2 = Factor.objects.get(code="a34004"), Factor.objects.get(code="a21026")
    for factor, start, counts in [
        (pm25, month, (720, 700, 690)),
        (so2, month, (720, 720, 720)),
        (so2, (month - timedelta(days=1)).replace(day=1), (744, 0, 0)),  # last month: not this page's
    ]:
        expected, received, valid = counts
        TransmissionStat.objects.create(device=device, factor=factor, span="month", start=start, expected=expected,
                                        received=received, valid=valid, computed_at=timezone.now())
    page = client_for(cast.users["township_a"]).get(
        reverse("monitoring:site", args=[cast.air_station.id])).content.decode()
    assert "最近通信 2026-03-01 15:05" in page  # Beijing time
    table = page.split('data-testid="transmission-MNAIR01"', 1)[1].split("</table>", 1)[0]
    rows = [[cell.split(">", 1)[1] for cell in row.split("</td>")[:-1]] for row in table.split("<tr>")[2:]]
    assert rows[0][1:] == ["720", "720", "720", "100.0%", "100.0%", "100.0%"]  # a21026 SO₂, by code
    assert rows[1][1:] == ["720", "700", "690", "97.2%", "98.6%", "95.8%"]  # a34004 PM2.5
    assert rows[2] == ["全部因子", "1440", "1420", "1410", "98.6%", "99.3%", "97.9%"]
    assert len(rows) == 3


def test_site_page_says_so_when_a_device_has_no_statistics_yet(cast, client_for):
    page = client_for(cast.users["bureau"]).get(
        reverse("monitoring:site", args=[cast.air_station.id])).content.decode()
    assert "从未通信" in page
    assert "本月尚无传输统计" in page


def test_site_series_rejects_an_unknown_factor_with_a_reason(cast, client_for):
    response = client_for(cast.users["bureau"]).get(
        reverse("monitoring:site_series", args=[cast.air_station.id]), {"factor": "zzz"})
    assert response.status_code == 400
    assert "error" in response.json()


def test_pagination_survives_a_bad_page_number(cast, client_for):
    response = client_for(cast.users["bureau"]).get(reverse("monitoring:sites"), {"page": "abc"})
    assert response.status_code == 200


def test_import_status_partial_is_served_to_htmx(cast, client_for):
    from lanqing.monitoring.services import measurement_import_submit

    record = measurement_import_submit(file_name="a.csv", content=b"x", by=cast.users["bureau"])
    response = client_for(cast.users["bureau"]).get(reverse("monitoring:import", args=[record.id]),
                                                   HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="import-status"' in body
    assert "<html" not in body


def test_every_list_exports_to_excel(cast, client_for):
    client = client_for(cast.users["bureau"])
    for name in ("org:jurisdictions", "org:enterprises", "monitoring:sites"):
        response = client.get(reverse(name), {"export": "xlsx"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_chinese_is_the_default_even_for_an_english_browser(cast, client_for):
    page = client_for(cast.users["bureau"]).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page["Content-Language"] == "zh-hans"


def test_the_home_page_counts_only_open_cases_in_scope(cast, client_for):
    import re

    from lanqing.cases.models import ResponsibilityRule
    from lanqing.cases.transitions import case_open

    ResponsibilityRule.objects.create(category="inspection", lead_unit=cast.department)
    case_open(title="焦炉烟囱冒黄烟", category="inspection", source="inspection", by=cast.users["bureau"],
              site=cast.outlet_a)

    def open_cases(who):
        page = client_for(cast.users[who]).get(reverse("home")).content.decode()
        return int(re.search(r'data-testid="open-cases"><b>(\d+)</b>', page).group(1))

    assert (open_cases("bureau"), open_cases("township_a"), open_cases("township_b"),
            open_cases("enterprise_a"), open_cases("enterprise_b")) == (1, 1, 0, 1, 0)


def test_a_long_series_is_cut_to_its_newest_values_oldest_first(cast, client_for, monkeypatch):
    from datetime import UTC, datetime, timedelta

    from lanqing.monitoring import views

    monkeypatch.setattr(views, "MAX_CHART_POINTS", 5)
    factor = Factor.objects.get(code="a34004")
    point = cast.air_station.points.get()
    start = datetime(2026, 1, 5, tzinfo=UTC)
    Measurement.objects.bulk_create([Measurement(point=point, factor=factor, period="hour",
                                                 time=start + timedelta(hours=h), value=h) for h in range(12)])
    data = client_for(cast.users["bureau"]).get(reverse("monitoring:site_series", args=[cast.air_station.id]),
                                                {"factor": "a34004", "period": "hour", "days": "7"}).json()
    assert [p[1] for p in data["points"]] == [7, 8, 9, 10, 11]
    assert data["truncated"]
