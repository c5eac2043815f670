"""The clerk's daily pages in a real browser: confirmations after htmx actions, refusals shown in place,
error pages, and a phone that never scrolls sideways."""

from pathlib import Path

import pytest

from tests.browser.test_case_lifecycle import case, login  # noqa: F401  (the fixture is used by name)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "shots"


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"test-{name}.png"), full_page=True)


def test_accepting_a_case_confirms_it_in_place(cast, case, live_server, page):  # noqa: F811
    login(page, live_server, "department")
    page.goto(f"{live_server.url}/cases/{case.id}/")
    page.click("form[action$='/act/accept/'] button[type=submit]")
    page.wait_for_function("() => document.querySelector('[data-testid=case-done]') !== null")
    assert page.get_by_test_id("case-done").inner_text() == "督办单已签收。"
    _shot(page, "case-accepted")


def test_a_refused_extension_request_shows_its_reason_in_the_panel(cast, case, live_server, page):  # noqa: F811
    login(page, live_server, "department")
    page.goto(f"{live_server.url}/cases/{case.id}/")
    fold = page.get_by_test_id("extension-fold")
    assert not fold.locator("button[type=submit]").is_visible()
    fold.locator("summary").click()
    form = fold.locator("form")
    # A date past the horizon passes the browser's own checks and is refused by the server with 409.
    form.locator("input[type=date]").fill("2099-01-01")
    form.locator("textarea, input[name=reason]").first.fill("需要更多时间")
    form.locator("button[type=submit]").click()
    page.wait_for_function("() => document.querySelector('[data-testid=case-error]') !== null")
    assert page.get_by_test_id("case-error").is_visible()


def test_an_action_on_an_expired_form_says_so_in_the_message_bar(cast, case, live_server, page):  # noqa: F811
    login(page, live_server, "department")
    page.goto(f"{live_server.url}/cases/{case.id}/")
    # Another tab logged out and in again: the token in this page no longer matches the cookie.
    page.evaluate("() => document.body.setAttribute('hx-headers', '{\"X-CSRFToken\": \"stale\"}')")
    page.locator("form[action$='/act/accept/'] input[name=csrfmiddlewaretoken]").evaluate("(el) => el.value = 'stale'")
    page.click("form[action$='/act/accept/'] button[type=submit]")
    page.wait_for_function("() => !document.querySelector('[data-testid=message-bar]').hidden")
    assert "表单已过期" in page.get_by_test_id("message-bar").inner_text()


def test_the_404_page_has_the_layout_and_a_way_back(cast, live_server, page):
    login(page, live_server, "grid_a")
    page.goto(f"{live_server.url}/cases/")
    # As if a stale link on the inbox had been followed.
    response = page.goto(f"{live_server.url}/cases/999999/", referer=f"{live_server.url}/cases/")
    assert response.status == 404
    assert page.locator("nav.menu").is_visible()
    ways = page.get_by_test_id("error-ways")
    assert ways.get_by_text("返回首页").is_visible()
    assert ways.get_by_text("返回上一页").is_visible()
    ways.get_by_text("返回上一页").click()
    page.wait_for_url(f"{live_server.url}/cases/")


@pytest.mark.parametrize("who", ["grid_a", "bureau"])
def test_on_a_phone_the_case_and_the_inbox_fit_the_screen(cast, case, live_server, page, who):  # noqa: F811
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, who)
    for path in (f"/cases/{case.id}/", "/cases/?box=all", "/alerts/?status=all", "/monitoring/sites/",
                 "/notifications/"):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
    page.goto(f"{live_server.url}/cases/?box=all")
    # The inbox reads as cards: the header row is hidden and each case is a box of its own.
    assert not page.locator("[data-testid=case-table] thead").is_visible()
    assert page.locator("[data-testid=case-row]").first.evaluate("(el) => getComputedStyle(el).display") == "block"
    _shot(page, f"inbox-phone-{who}")


def test_a_case_is_opened_on_a_village_chosen_after_its_township(cast, live_server, page):
    from lanqing.cases.models import Case

    login(page, live_server, "bureau")
    page.goto(f"{live_server.url}/cases/new/")
    page.fill("input[name=title]", "村口垃圾堆放")
    page.get_by_test_id("township-picker").select_option(label="岳阳镇")
    # Only Yueyang's own divisions are offered now, the township itself first.
    offered = page.evaluate(
        "() => Array.from(document.querySelectorAll('select[name=jurisdiction] option'))"
        ".filter((o) => !o.hidden && o.value).map((o) => o.textContent)")
    assert offered[0] == "岳阳镇（全镇）"
    assert "岳阳社区居民委员会" in offered
    assert not any("北平" in o for o in offered)
    page.select_option("select[name=jurisdiction]", label="岳阳社区居民委员会")
    page.click("main form button[type=submit]")
    page.wait_for_function("() => document.querySelector('[data-testid=messages]') !== null")
    opened = Case.objects.get(title="村口垃圾堆放")
    assert opened.jurisdiction.name == "岳阳社区居民委员会"
    assert opened.number in page.get_by_test_id("messages").inner_text()


def test_an_outlet_chart_draws_its_limit_and_pins_the_hours_above_it(cast, live_server, page):
    from datetime import UTC, datetime, timedelta

    from lanqing.monitoring.models import Factor, Measurement, Site

    Site.objects.filter(id=cast.outlet_a.id).update(limit_set="GB13223-2011:special:coal")  # SO2 50 at 6 % O2
    point = cast.outlet_a.points.get()
    so2, o2 = Factor.objects.get(code="a21026"), Factor.objects.get(code="a19001")
    start = datetime(2026, 1, 5, tzinfo=UTC)
    rows = []
    for hour in range(24):
        rows.append(Measurement(point=point, factor=so2, period="hour", time=start + timedelta(hours=hour),
                                value=90.0 if hour in (5, 17) else 30.0, flag="N"))
        rows.append(Measurement(point=point, factor=o2, period="hour", time=start + timedelta(hours=hour),
                                value=6.0, flag="N"))
    Measurement.objects.bulk_create(rows)
    login(page, live_server, "enterprise_a")
    page.goto(f"{live_server.url}/monitoring/sites/{cast.outlet_a.id}/?factor=a21026&days=30")
    page.wait_for_function("() => document.querySelector('#site-chart').dataset.rendered !== undefined")
    chart = page.get_by_test_id("site-chart")
    assert chart.get_attribute("data-rendered") == "chart"
    assert chart.get_attribute("data-limit-lines") == "1"
    assert chart.get_attribute("data-exceed-marks") == "2"
    assert "《火电厂大气污染物排放标准》GB 13223-2011" in page.get_by_test_id("site-standard").inner_text()
    _shot(page, "outlet-chart-limit")
