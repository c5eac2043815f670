"""Heavy-pollution warnings in a real browser: the bureau issues one through the form, the enterprise
acknowledges it; every winter page as each role that sees it, both languages, desk and phone widths, nothing
wider than the screen. Screenshots go to var/shots for a person to look at."""

from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.winter.conftest import make_episode, make_good_rows, workbook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "shots"
WIDER = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.scroll-x'))
  .slice(0, 8).map(e => e.tagName.toLowerCase() + '.' + e.className)"""


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


def test_the_bureau_issues_and_the_enterprise_acknowledges(cast, live_server, browser):
    from lanqing.winter import lists
    from lanqing.winter.models import WarningNotice

    assert lists.reduction_list_import(by=cast.users["bureau"], season="2026-2027",
                                       data=workbook(make_good_rows(cast))).errors == []
    context, page = _login(browser, live_server, "bureau")
    page.goto(f"{live_server.url}/winter/warnings/")
    form = page.get_by_test_id("warning-issue")
    form.locator("select[name=level]").select_option("orange")
    form.locator("input[name=starts_at]").fill("2026-12-01T20:00")
    form.locator("input[name=document_number]").fill("临重污染指〔2026〕12号")
    form.locator("input[name=issuer]").fill("临汾市重污染天气应急指挥部")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/winter/warnings/*/")
    assert "已通知 2 家清单企业" in page.content()
    assert page.get_by_test_id("notices").locator("tbody tr").count() == 2
    context.close()
    context, page = _login(browser, live_server, "enterprise_b")
    page.goto(f"{live_server.url}/notifications/")
    assert "已发布橙色（Ⅱ级）预警（临重污染指〔2026〕12号）" in page.content()
    page.goto(f"{live_server.url}/winter/warnings/")
    page.get_by_role("button", name="确认").click()
    page.wait_for_url("**/winter/warnings/")
    assert WarningNotice.objects.get(enterprise=cast.enterprise_b).acknowledged_at is not None
    context.close()


# Each role and the pages it sees (names filled in with the episode's ids).
PAGES = {
    "bureau": ["lists", "list", "warnings", "warning", "compliance_a", "dispatch", "triggers", "entry", "stops"],
    "township_a": ["lists", "list", "warning", "compliance_a", "dispatch"],
    "leader": ["warnings", "warning"],
    "enterprise_a": ["warnings", "compliance_a"],
}


@pytest.mark.parametrize("who", list(PAGES))
def test_each_winter_page_fits_desk_and_phone_in_both_languages(cast, live_server, browser, who):
    from datetime import timedelta

    from lanqing.monitoring.models import Factor, Measurement, Period, Site
    from lanqing.org.models import Enterprise
    from tests.winter.conftest import END

    episode = make_episode(cast)
    Site.objects.filter(pk=cast.air_station.pk).update(latitude=36.27, longitude=111.92)
    Enterprise.objects.filter(pk=cast.enterprise_a.pk).update(latitude=36.288, longitude=111.92)
    Enterprise.objects.filter(pk=cast.enterprise_b.pk).update(latitude=36.333, longitude=111.92)
    Measurement.objects.create(point=cast.air_station.points.get(), factor=Factor.objects.get(code="a34004"),
                               period=Period.HOUR, time=END - timedelta(hours=1), value=260.0)
    notice_a = episode.notices.get(enterprise=cast.enterprise_a)
    _checked_and_reported(cast, episode, notice_a)
    entry = episode.reduction_list.entries.get(enterprise=cast.enterprise_a, level="orange")
    urls = {"lists": "/winter/lists/", "list": f"/winter/lists/{episode.reduction_list_id}/",
            "warnings": "/winter/warnings/", "warning": f"/winter/warnings/{episode.id}/",
            "compliance_a": f"/winter/notices/{notice_a.id}/compliance", "entry": f"/winter/entries/{entry.id}/",
            "dispatch": f"/winter/warnings/{episode.id}/dispatch?radius=10&aqi=100", "triggers": "/winter/warnings/triggers",
            "stops": "/winter/stops/"}
    SHOTS.mkdir(parents=True, exist_ok=True)
    for language in ("zh-hans", "en"):
        for width in (1440, 390):
            context, page = _login(browser, live_server, who, language=language, width=width)
            for name in PAGES[who]:
                response = page.goto(live_server.url + urls[name])
                assert response is not None, (who, name)
                assert response.status == 200, (who, name)
                if name == "compliance_a":
                    page.locator("details summary").first.click()
                overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{who} {name} {language} {width}px: {overflow}px too wide: {page.evaluate(WIDER)}"
                page.screenshot(path=str(SHOTS / f"winter-{name}-{who}-{language}-{width}.png"), full_page=True)
            context.close()


def _checked_and_reported(cast, episode, notice_a):
    """A spot check that found a violation (its case on the dispatch page) and the episode's report, made by the
    worker (its files linked from the warning's page)."""
    from datetime import timedelta

    from django.core.files.uploadedfile import SimpleUploadedFile

    from lanqing.jobs.services import worker_pass
    from lanqing.reports.episode import episode_report_request
    from lanqing.winter.inspections import spot_check_record
    from tests.cases.conftest import PNG
    from tests.winter.conftest import END, START

    spot_check_record(by=cast.users["township_a"], notice=notice_a, checked_at=START + timedelta(hours=3),
                      compliant=False, description="焦炉仍按正常周期出焦，未延长结焦时间", now=END,
                      photos=[SimpleUploadedFile("coke-oven.png", PNG)])
    episode_report_request(warning=episode, by=cast.users["bureau"])
    worker_pass(worker="test")
