"""Each role logs in through the real login form, sees its home page and a rendered chart."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "test" / "screenshots"


def _with_data(cast):
    from lanqing.monitoring.models import Factor, Measurement

    start = datetime(2026, 1, 5, tzinfo=UTC)
    rows = []
    for site, code in ((cast.air_station, "a34004"), (cast.outlet_a, "a21026"), (cast.outlet_b, "a21026")):
        point = site.points.get()
        factor = Factor.objects.get(code=code)
        rows += [Measurement(point=point, factor=factor, period="hour", time=start + timedelta(hours=h),
                             value=40 + (h % 24) * 3) for h in range(72)]
    Measurement.objects.bulk_create(rows)


def login(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


@pytest.mark.parametrize(("who", "site_attr"), [
    ("leader", "air_station"), ("bureau", "outlet_b"), ("department", "air_station"),
    ("township_a", "air_station"), ("grid_a", "outlet_a"), ("enterprise_a", "outlet_a"),
])
def test_each_role_logs_in_sees_home_and_a_rendered_chart(cast, live_server, page, who, site_attr):
    _with_data(cast)
    login(page, live_server, who)
    assert page.get_by_test_id("home-title").is_visible()
    assert who in page.get_by_test_id("who").inner_text()
    site = getattr(cast, site_attr)
    page.goto(f"{live_server.url}/monitoring/sites/{site.id}/?days=30")
    chart = page.get_by_test_id("site-chart")
    page.wait_for_function("() => document.querySelector('#site-chart').dataset.rendered !== undefined")
    assert chart.get_attribute("data-rendered") == "chart"
    # ECharts draws on a canvas inside the element.
    assert page.locator("#site-chart canvas").count() >= 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"site-{who}.png"))


def test_wrong_password_shows_a_message_and_stays_on_login(cast, live_server, page):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "bureau")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert page.get_by_role("alert").is_visible()
    assert "/login/" in page.url


def test_an_enterprise_user_cannot_open_another_enterprises_site(cast, live_server, page):
    login(page, live_server, "enterprise_a")
    response = page.goto(f"{live_server.url}/monitoring/sites/{cast.outlet_b.id}/")
    assert response.status == 404


def test_language_switch_to_english(cast, live_server, page):
    login(page, live_server, "bureau")
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert "Enterprises" in page.locator("nav.menu").inner_text()
    page.goto(f"{live_server.url}/org/enterprises/")
    assert "Enterprises" in page.locator("h1").inner_text()
