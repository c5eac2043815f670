"""The enterprise's portal in a real browser on a phone: its file, a case dispatched to it reported on at once
with a photo, lab results uploaded; and the same pages as the bureau sees them, both languages, desk and phone."""

from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "test" / "screenshots"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x9a\xa0\x81\x00\x00\x00\x00IEND\xaeB`\x82")


def _hour(hours_ago: int):
    return (timezone.now() - timedelta(hours=hours_ago)).replace(minute=0, second=0, microsecond=0)


def _portal(cast):
    """甲's permit, its coke-oven outlet under GB 16171 with one hour over the SO2 limit, a dispatched case."""
    from lanqing.cases.models import ResponsibilityRule
    from lanqing.cases.transitions import case_open
    from lanqing.monitoring.models import Factor, Measurement, Site
    from lanqing.org.models import DischargePermit

    DischargePermit.objects.create(enterprise=cast.enterprise_a, number="91141025MA0000001001P",
                                   issued_by="临汾市生态环境局", valid_from=date(2024, 6, 1),
                                   valid_to=date(2029, 5, 31), annual_caps={"SO2": 45.6, "NOx": 182.0, "PM": 12.3})
    Site.objects.filter(id=cast.outlet_a.id).update(limit_set="GB16171-2012:coke-oven:special")
    point = cast.outlet_a.points.get()
    factors = {f.code: f for f in Factor.objects.filter(code__in=["a21026", "a21002", "a34013", "a19001"])}
    for hours in range(1, 30):
        so2 = 48.0 if hours == 2 else 18.0 + hours % 5
        for code, value in (("a21026", so2), ("a21002", 95.0), ("a34013", 6.2), ("a19001", 8.0)):
            Measurement.objects.create(point=point, factor=factors[code], period="hour", time=_hour(hours),
                                       value=value)
    ResponsibilityRule.objects.create(category="inspection", lead_unit=cast.department)
    return case_open(title="焦炉烟囱冒黄烟", category="inspection", source="inspection", by=cast.users["bureau"],
                     site=cast.outlet_a)


def _login(browser, live_server, who: str, *, language: str = "zh-hans", width: int = 390):
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
    assert overflow <= 0, f"{where} is {overflow}px wider than the screen"


def test_the_enterprise_reports_a_dispatched_case_and_uploads_lab_results_on_a_phone(cast, live_server, browser,
                                                                                      tmp_path):
    case = _portal(cast)
    context, page = _login(browser, live_server, "enterprise_a")
    page.get_by_test_id("portal-links").get_by_text("本企业档案").click()
    page.wait_for_url(f"{live_server.url}/org/enterprises/{cast.enterprise_a.id}/")
    assert "91141025MA0000001001P" in page.get_by_test_id("permits").inner_text()
    assert page.get_by_test_id("outlet-exceeding").count() == 0  # the newest hour is within the limit
    assert "乙焦化有限公司" not in page.content()
    _fits(page, "the file at 390 px")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "portal-file-enterprise-phone.png"), full_page=True)

    page.get_by_test_id("report-link").click()
    page.wait_for_url(f"{live_server.url}/cases/{case.id}/#rectify")
    form = page.get_by_test_id("rectify-form")
    form.locator("textarea[name=text]").fill("已更换脱硫喷嘴并恢复运行")
    photo = tmp_path / "fixed.png"
    photo.write_bytes(PNG)
    form.locator("input[type=file]").set_input_files(str(photo))
    form.locator("button[type=submit]").click()
    page.wait_for_function("() => document.querySelector('[data-testid=timeline]').innerText.includes('fixed.png')")
    case.refresh_from_db()
    assert case.state == "submitted"

    page.goto(f"{live_server.url}/org/enterprises/{cast.enterprise_a.id}/lab/")
    sampled = (timezone.now() - timedelta(days=3)).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d 10:20")
    bad = tmp_path / "bad.csv"
    bad.write_text("outlet,point,factor,sampled,value,unit,lab,report\n"
                   f"OUT-A,1,a21026,{sampled},abc,mg/m3,古县检测站,GX-1\n", encoding="utf-8")
    page.locator("input[name=file]").set_input_files(str(bad))
    page.get_by_role("button", name="上传", exact=True).click()
    page.wait_for_function("() => document.querySelector('[data-testid=lab-error]') !== null")
    assert "abc 不是数字" in page.get_by_test_id("lab-errors").inner_text()
    _fits(page, "the refused upload at 390 px")
    good = tmp_path / "good.csv"
    good.write_text("outlet,point,factor,sampled,value,unit,lab,report\n"
                    f"OUT-A,1,a21026,{sampled},21.5,mg/m3,古县检测站,GX-1\n", encoding="utf-8")
    page.locator("input[name=file]").set_input_files(str(good))
    page.get_by_role("button", name="上传", exact=True).click()
    page.wait_for_function("() => document.querySelector('[data-testid=lab-row]') !== null")
    assert "GX-1" in page.get_by_test_id("lab-table").inner_text()
    _fits(page, "the lab results at 390 px")
    page.screenshot(path=str(SHOTS / "portal-lab-enterprise-phone.png"), full_page=True)

    page.goto(f"{live_server.url}/org/enterprises/{cast.enterprise_a.id}/data/")
    assert page.get_by_test_id("exceeds").count() == 1
    _fits(page, "the hourly data at 390 px")
    page.screenshot(path=str(SHOTS / "portal-data-enterprise-phone.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("who", ["enterprise_a", "bureau"])
def test_the_portal_pages_fit_desk_and_phone_in_both_languages(cast, live_server, browser, who):
    _portal(cast)
    for language in ("zh-hans", "en"):
        for width in (1440, 390):
            context, page = _login(browser, live_server, who, language=language, width=width)
            for name, path in (("file", ""), ("data", "data/"), ("lab", "lab/")):
                page.goto(f"{live_server.url}/org/enterprises/{cast.enterprise_a.id}/{path}")
                assert "甲焦化有限公司" in page.locator("h1").inner_text()
                _fits(page, f"{who} {name} {language} {width}px")
                page.screenshot(path=str(SHOTS / f"portal-{name}-{who}-{language}-{width}.png"), full_page=True)
            context.close()
