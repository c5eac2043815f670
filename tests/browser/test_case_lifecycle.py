"""A case goes through its life in a real browser: department accepts and rectifies with a photo, the bureau
verifies and closes; every step appears on the timeline (htmx swaps the panel in place)."""

from pathlib import Path

import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "test" / "screenshots"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def case(cast):
    from lanqing.cases.models import DeadlineRule, ResponsibilityRule
    from lanqing.cases.transitions import case_open

    ResponsibilityRule.objects.create(category="inspection", lead_unit=cast.department)
    DeadlineRule.objects.create(working_days=5, basis="test")
    return case_open(title="焦炉烟囱冒黄烟", category="inspection", source="inspection",
                     by=cast.users["bureau"], site=cast.outlet_a)


def login(page, live_server, username):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def act(page, action):
    page.click(f"form[action$='/act/{action}/'] button[type=submit]")


def state(page):
    return page.get_by_test_id("case-state").inner_text()


def test_a_case_is_accepted_rectified_verified_and_closed(cast, case, live_server, page, tmp_path):
    from lanqing.cases.models import Case, CaseState

    url = f"{live_server.url}/cases/{case.id}/"
    login(page, live_server, "department")
    page.goto(url)
    act(page, "accept")
    page.wait_for_function("() => document.querySelector('[data-testid=case-state]').innerText.includes('签收')")
    act(page, "start")
    page.wait_for_function("() => document.querySelector('[data-testid=case-state]').innerText.includes('办理')")
    photo = tmp_path / "after.png"
    photo.write_bytes(PNG)
    form = page.locator("form[action$='/act/submit/']")
    form.locator("textarea").first.fill("已加装除尘设施，复测合格。")
    form.locator("input[type=file]").set_input_files(str(photo))
    act(page, "submit")
    page.wait_for_function("() => document.querySelector('[data-testid=timeline]').innerText.includes('after.png')")
    assert Case.objects.get(id=case.id).state == CaseState.SUBMITTED

    login(page, live_server, "bureau")
    page.goto(url)
    act(page, "close")
    page.wait_for_function("() => !document.querySelector('[data-testid=case-actions] form[action$=\"/act/close/\"]')")
    assert Case.objects.get(id=case.id).state == CaseState.CLOSED
    timeline = page.get_by_test_id("timeline").inner_text()
    for step in ("派发", "签收", "after.png"):
        assert step in timeline
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "case-closed.png"), full_page=True)


def test_the_other_township_cannot_open_the_case(cast, case, live_server, page):
    login(page, live_server, "township_b")
    response = page.goto(f"{live_server.url}/cases/{case.id}/")
    assert response.status == 404
