"""Each role's workbench in a real browser: both languages, desk and phone widths, nothing wider than the
screen; the screenshots are kept for a person to look at."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "test" / "screenshots"
# The elements that reach past the right edge of the screen, named for the failure message.
WIDER = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.scroll-x'))
  .slice(0, 8).map(e => e.tagName.toLowerCase() + '.' + e.className)"""
ROLES = ["bureau", "leader", "department", "township_a", "grid_a", "enterprise_a"]


def _cases(cast):
    from lanqing.cases.models import Case, ResponsibilityRule
    from lanqing.cases.transitions import case_open

    ResponsibilityRule.objects.create(category="inspection", lead_unit=cast.department)
    now = timezone.now()
    for title, site, hours in (("焦炉烟囱冒黄烟，夜间偷排嫌疑待查", cast.outlet_a, -50),
                               ("煤场未苫盖", cast.outlet_a, 30), ("脱硫设施停运", cast.outlet_b, 200)):
        case = case_open(title=title, category="inspection", source="inspection", by=cast.users["bureau"],
                         site=site)
        Case.objects.filter(id=case.id).update(state="dispatched", deadline_at=now + timedelta(hours=hours))


def _year_work(cast):
    """This year's key tasks, so that the ranking has scores: 岳阳镇 and 住建局 90 %, 北平镇 60 %."""
    from datetime import date
    from decimal import Decimal

    from lanqing.yearwork.models import Plan, Task

    this_year = timezone.localdate().year
    plan = Plan.objects.create(jurisdiction=cast.county, year=this_year, title="本年度重点工作",
                               created_at=timezone.now())
    for number, (township, done) in enumerate([(cast.yueyang, "0.9"), (cast.beiping, "0.6")], start=1):
        task = Task.objects.create(plan=plan, number=number, title=f"{township.name}扬尘治理", lead_unit=cast.department,
                                   deadline=date(this_year, 12, 31), completion=Decimal(done))
        task.townships.set([township])


# What each role's first page shows of the scorecard ranking: the table, or a township's own place.
RANKING = {"leader": "ranking-table", "bureau": "ranking-table", "township_a": "workbench-own-rank",
           "grid_a": "workbench-own-rank"}


@pytest.mark.parametrize("who", ROLES)
def test_each_workbench_fits_desk_and_phone_in_both_languages(cast, live_server, browser, who):
    _cases(cast)
    _year_work(cast)
    for language, locale in (("zh-hans", "zh-CN"), ("en", "en-US")):
        for width in (1440, 390):
            context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
            # The site is Chinese whatever the browser asks; English is chosen, and kept in a cookie.
            context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.goto(f"{live_server.url}/login/")
            page.fill("input[name=username]", who)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")
            assert page.get_by_test_id("figures").is_visible()
            assert page.locator("[data-testid=figures] .tile").count() >= 4
            expected = "工作台" if language == "zh-hans" else "workbench"
            assert expected in page.get_by_test_id("home-title").inner_text()
            if who in RANKING:
                assert page.get_by_test_id(RANKING[who]).is_visible()
            if RANKING.get(who) != "ranking-table":
                assert page.get_by_test_id("ranking-table").count() == 0
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{who} {language} {width}px is {overflow}px wider than the screen: {page.evaluate(WIDER)}"
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"workbench-{who}-{language}-{width}.png"), full_page=True)
            context.close()


@pytest.mark.parametrize("who", ["leader", "bureau", "department", "township_a", "grid_a"])
def test_the_overview_map_draws_the_county_with_its_markers(cast, live_server, browser, who):
    from decimal import Decimal

    _cases(cast)
    for number, site in enumerate((cast.air_station, cast.outlet_a, cast.outlet_b)):
        site.longitude, site.latitude = Decimal("111.95") + Decimal(number) / 20, Decimal("36.30")
        site.save()
    for language, width in (("zh-hans", 1440), ("zh-hans", 390), ("en", 1440), ("en", 390)):
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", who)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/overview/")
        page.wait_for_function("() => document.querySelector('#overview-map').dataset.rendered !== undefined")
        chart = page.get_by_test_id("overview-map")
        assert chart.get_attribute("data-rendered") == "map"
        assert int(chart.get_attribute("data-markers")) >= 1
        assert page.locator("#overview-map canvas").count() >= 1
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{who} {language} {width}px is {overflow}px wider than the screen: {page.evaluate(WIDER)}"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"overview-{who}-{language}-{width}.png"), full_page=True)
        context.close()


def test_an_enterprise_has_no_overview(cast, live_server, page):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "enterprise_a")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "/overview/" not in page.locator("nav.menu").inner_html()
    assert page.goto(f"{live_server.url}/overview/").status == 403


def test_the_air_analysis_draws_its_calendar_and_charts(cast, live_server, browser):
    from django.utils import timezone

    from tests.workbench.test_overview import _air_year

    first = timezone.localdate() - timedelta(days=34)
    _air_year(cast.air_station, lambda day: 30.0 if day % 3 else 120.0, first=first, days=34)
    for language, width in (("zh-hans", 1440), ("zh-hans", 390), ("en", 1440), ("en", 390)):
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "leader")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/overview/air/?year={first.year}")
        page.wait_for_function("() => document.querySelector('#aqi-calendar').dataset.rendered !== undefined")
        assert int(page.get_by_test_id("aqi-calendar").get_attribute("data-days")) >= 1
        assert page.locator("[data-testid=trend-chart][data-rendered=chart]").count() == 6
        assert page.get_by_test_id("polluted-chart").get_attribute("data-rendered") == "chart"
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{language} {width}px is {overflow}px wider than the screen: {page.evaluate(WIDER)}"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"air-leader-{language}-{width}.png"), full_page=True)
        context.close()


@pytest.mark.parametrize("who", ["bureau", "township_a"])
def test_water_and_sources_fit_desk_and_phone(cast, live_server, browser, who):
    from lanqing.monitoring.models import Point, Site

    site = Site.objects.create(kind="water", code="W-01", name="洪安涧河古县出境", jurisdiction=cast.yueyang,
                               target_class=3)
    Point.objects.create(site=site, code="1", name="1#")
    for language, width in (("zh-hans", 1440), ("zh-hans", 390), ("en", 1440), ("en", 390)):
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", who)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/overview/water/")
        assert page.get_by_test_id("sections").is_visible()
        assert page.get_by_test_id("sources").is_visible()
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{language} {width}px is {overflow}px wider than the screen: {page.evaluate(WIDER)}"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"water-{who}-{language}-{width}.png"), full_page=True)
        context.close()


def test_a_report_is_asked_for_and_its_progress_shown_until_ready(cast, live_server, browser):
    """The archive page polls a report's row while the worker makes it; the row then offers its files."""
    import threading

    from lanqing.jobs.services import worker_pass

    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "bureau")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/reports/")
    page.select_option("select[name=kind]", "daily_air")
    page.fill("input[name=start]", "2025-11-10")
    page.click("[data-testid=report-request] button[type=submit]")
    row = page.locator("[data-testid=report-row]").first
    assert row.get_attribute("data-status") == "queued"
    worker = threading.Thread(target=worker_pass, kwargs={"worker": "browser-test"})
    worker.start()
    worker.join()
    page.wait_for_function("() => document.querySelector('[data-testid=report-row]').dataset.status === 'done'")
    assert page.locator("[data-testid=report-row] a", has_text="PDF").count() == 1
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, page.evaluate(WIDER)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "reports-bureau-zh-hans-390.png"), full_page=True)
    context.close()
