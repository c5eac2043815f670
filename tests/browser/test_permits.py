"""Discharge permits in a real browser: the bureau adds, changes and removes a permit on an enterprise's file page
on a phone, and the file page with the permit form open fits desk and phone in both languages. Screenshots go to
/tmp/permits-*.png for a person to look at."""

from datetime import date
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp")
WIDER = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.scroll-x'))
  .slice(0, 8).map(e => e.tagName.toLowerCase() + '.' + e.className)"""


def _login(browser, live_server, who, *, language="zh-hans", width=390):
    context = browser.new_context(locale="zh-CN" if language == "zh-hans" else "en-US",
                                  viewport={"width": width, "height": 900})
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", who)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def _fits(page, where: str) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{where}: {overflow}px too wide: {page.evaluate(WIDER)}"


def test_the_bureau_adds_changes_and_removes_a_permit_on_a_phone(cast, live_server, browser):
    from lanqing.org.models import DischargePermit

    file_url = f"{live_server.url}/org/enterprises/{cast.enterprise_a.id}/"
    context, page = _login(browser, live_server, "bureau")
    page.goto(file_url)
    page.get_by_test_id("permit-add").locator("summary").click()
    form = page.get_by_test_id("permit-form")
    form.locator("input[name=number]").fill("91141025MA0000001001P")
    form.locator("input[name=issued_by]").fill("临汾市生态环境局")
    form.locator("input[name=valid_from]").fill("2024-06-01")
    form.locator("input[name=valid_to]").fill("2029-05-31")
    form.locator("input[name=cap_SO2]").fill("45.6")
    form.locator("input[name=cap_NOx]").fill("182")
    form.locator("button[type=submit]").click()
    page.wait_for_url(file_url)
    permits = page.get_by_test_id("permits").inner_text()
    assert "91141025MA0000001001P" in permits
    assert "SO2 45.6 吨/年" in permits

    page.get_by_test_id("permit-edit").click()
    page.wait_for_url("**/permits/*/edit/")
    _fits(page, "the edit page at 390 px")
    page.screenshot(path=str(SHOTS / "permits-edit-bureau-zh-hans-390.png"), full_page=True)
    page.get_by_test_id("permit-form").locator("input[name=cap_SO2]").fill("40")
    page.get_by_test_id("permit-form").locator("button[type=submit]").click()
    page.wait_for_url(file_url)
    assert "SO2 40 吨/年" in page.get_by_test_id("permits").inner_text()

    page.get_by_test_id("permit-remove").click()
    page.wait_for_url("**/permits/*/delete/")
    assert "确定删除排污许可证 91141025MA0000001001P？" in page.get_by_test_id("permit-remove-confirm").inner_text()
    _fits(page, "the removal's confirmation at 390 px")
    page.screenshot(path=str(SHOTS / "permits-delete-bureau-zh-hans-390.png"), full_page=True)
    page.get_by_test_id("permit-remove-submit").click()
    page.wait_for_url(file_url)
    assert "91141025MA0000001001P" not in page.get_by_test_id("permits").inner_text()
    assert DischargePermit.objects.count() == 0
    context.close()


def test_the_file_page_with_the_permit_form_fits_desk_and_phone_in_both_languages(cast, live_server, browser):
    from lanqing.org.models import DischargePermit

    DischargePermit.objects.create(enterprise=cast.enterprise_a, number="91141025MA0000001001P",
                                   issued_by="临汾市生态环境局", valid_from=date(2024, 6, 1),
                                   valid_to=date(2029, 5, 31), annual_caps={"PM": 12.3, "SO2": 45.6, "NOx": 182})
    for language in ("zh-hans", "en"):
        for width in (1440, 390):
            context, page = _login(browser, live_server, "bureau", language=language, width=width)
            page.goto(f"{live_server.url}/org/enterprises/{cast.enterprise_a.id}/")
            page.get_by_test_id("permit-add").locator("summary").click()
            # A refused form: the card shows the reason beside the field, the form stays open.
            form = page.get_by_test_id("permit-form")
            form.locator("input[name=number]").fill("91141025MA0000001001P")
            form.locator("input[name=issued_by]").fill("临汾市生态环境局")
            form.locator("input[name=valid_from]").fill("2029-06-01")
            form.locator("input[name=valid_to]").fill("2024-05-31")
            form.locator("button[type=submit]").click()
            page.wait_for_load_state()
            assert page.get_by_test_id("permit-form").is_visible()
            assert page.locator(".errorlist").count() >= 2  # the clashing number and the reversed period
            _fits(page, f"the file with the permit form, {language} {width}px")
            page.get_by_test_id("permits").screenshot(
                path=str(SHOTS / f"permits-form-bureau-{language}-{width}.png"))
            page.screenshot(path=str(SHOTS / f"permits-file-bureau-{language}-{width}.png"), full_page=True)
            context.close()
