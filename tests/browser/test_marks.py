"""Data marks in a real browser: an enterprise marks a maintenance of its outlet with the document and finds it in
its list; every mark page as the enterprise and the bureau, both languages, desk and phone widths, nothing wider
than the screen. Screenshots go to /tmp/marks-*.png for a person to look at."""

from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp")
PDF = b"%PDF-1.4\n% maintenance plan\n%%EOF\n"


def _login(browser, live_server, who, *, language="zh-hans", width=1440):
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


def _this_hour():
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    return timezone.localtime(timezone.now(), ZoneInfo("Asia/Shanghai")).replace(minute=0, second=0, microsecond=0)


def test_an_enterprise_marks_a_maintenance_with_its_document_and_sees_it_listed(cast, live_server, browser):
    from lanqing.monitoring.models import DataMark

    start = _this_hour()
    context, page = _login(browser, live_server, "enterprise_a")
    page.goto(f"{live_server.url}/marks/")
    page.get_by_test_id("mark-new").click()
    form = page.get_by_test_id("mark-form")
    form.locator("select[name=site]").select_option(str(cast.outlet_a.id))
    form.locator("select[name=kind]").select_option("maintenance")
    form.locator("textarea[name=reason]").fill("脱硫塔季度检修")
    form.locator("input[name=starts_at]").fill(f"{start:%Y-%m-%dT%H:%M}")
    form.locator("input[name=ends_at]").fill(f"{start + timedelta(hours=6):%Y-%m-%dT%H:%M}")
    form.locator("input[name=document]").set_input_files(
        files=[{"name": "检修计划.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/marks/*/")
    assert page.get_by_test_id("mark-state").inner_text().strip() == "材料齐全"
    assert "检修计划.pdf" in page.get_by_test_id("mark-document").inner_text()
    page.goto(f"{live_server.url}/marks/")
    row = page.get_by_test_id("marks").locator("tbody tr")
    assert row.count() == 1
    assert "甲公司焦炉烟囱" in row.inner_text()
    assert "维护" in row.inner_text()
    mark = DataMark.objects.get()
    assert (mark.site_id, mark.starts_at, mark.state) == (cast.outlet_a.id, start, "documented")
    context.close()


WIDER = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.scroll-x'))
  .slice(0, 8).map(e => e.tagName.toLowerCase() + '.' + e.className)"""
PAGES = {"enterprise_a": ["list", "new", "awaiting", "documented", "reverted"],
         "bureau": ["list", "awaiting", "documented", "reverted"]}


@pytest.mark.parametrize("who", list(PAGES))
def test_each_mark_page_fits_desk_and_phone_in_both_languages(cast, live_server, browser, who):
    from lanqing.monitoring.marks import mark_create, mark_document_replace, marks_revert_overdue
    from tests.cases.conftest import PNG

    start = _this_hour()
    awaiting = mark_create(by=cast.users["enterprise_a"], site=cast.outlet_a, kind="maintenance",
                           reason="在线监测设备季度校准维护，烟气治理设施同步检修", starts_at=start,
                           ends_at=start + timedelta(hours=10))
    # Documented, then replaced: the enterprise is offered another replacement, the history names both files.
    documented = mark_create(by=cast.users["enterprise_a"], site=cast.outlet_a, kind="production_stopped",
                             reason="焦炉停产检修", starts_at=start + timedelta(hours=12),
                             ends_at=start + timedelta(hours=20), document=("错传的发票扫描件.png", PNG))
    mark_document_replace(by=cast.users["enterprise_a"], mark=documented, name="焦炉停产检修通知.png", data=PNG)
    old = start - timedelta(days=70)
    reverted = mark_create(by=cast.users["enterprise_a"], site=cast.outlet_a, kind="facility_stopped",
                           reason="脱硫设施停运检修", starts_at=old, ends_at=old + timedelta(days=2),
                           now=old - timedelta(days=1))
    marks_revert_overdue()
    urls = {"list": "/marks/", "new": "/marks/new/", "awaiting": f"/marks/{awaiting.id}/",
            "documented": f"/marks/{documented.id}/",
            "reverted": f"/marks/{reverted.id}/"}
    for language in ("zh-hans", "en"):
        for width in (1440, 390):
            context, page = _login(browser, live_server, who, language=language, width=width)
            for name in PAGES[who]:
                response = page.goto(live_server.url + urls[name])
                assert response is not None, (who, name)
                assert response.status == 200, (who, name)
                overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{who} {name} {language} {width}px: {overflow}px too wide: {page.evaluate(WIDER)}"
                page.screenshot(path=str(SHOTS / f"marks-{name}-{who}-{language}-{width}.png"), full_page=True)
            context.close()
