"""A citizen on a 390 px phone files a report with a photo by tapping the county map and follows it by its
code; nothing leaves the machine. Then the public and staff pages at phone and desktop widths in both
languages, each without sideways scrolling on the phone (screenshots in var/shots/)."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.test_case_lifecycle import login
from tests.public.conftest import jpeg_with_gps

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "shots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture
def matrix(cast):
    from lanqing.cases.models import ResponsibilityRule

    ResponsibilityRule.objects.create(category="complaint", lead_unit=cast.department)
    return cast


def _offline_context(browser, live_server, viewport, locale="zh-CN"):
    local = urlsplit(live_server.url).netloc
    context = browser.new_context(locale=locale, viewport=viewport)
    problems: list[str] = []

    def only_local(route):
        if urlsplit(route.request.url).netloc == local or route.request.url.startswith("data:"):
            route.continue_()
        else:
            problems.append(f"outside: {route.request.url}")
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("console", lambda message: problems.append(f"console: {message.text}")
            if message.type == "error" else None)
    return context, page, problems


def test_a_citizen_files_a_report_with_a_photo_by_tapping_the_map_and_follows_it(matrix, live_server, browser,
                                                                              tmp_path):
    from lanqing.public.models import PublicReport

    context, page, problems = _offline_context(browser, live_server, PHONE)
    page.goto(f"{live_server.url}/public/")
    page.get_by_test_id("new-report").click()
    page.get_by_label("大气").check()
    page.fill("textarea[name=description]", "村口砖厂烟囱冒黑烟，呛得人咳嗽")
    page.wait_for_selector("#county-map[data-ready='1']")
    box = page.locator("#county-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.input_value("#id_longitude")
    assert page.input_value("#id_latitude")
    assert "地图上标记的位置" in page.locator("#map-point").inner_text()
    photo = tmp_path / "smoke.jpg"
    photo.write_bytes(jpeg_with_gps())
    page.set_input_files("#id_photos", str(photo))
    page.get_by_test_id("submit").click()
    page.wait_for_url("**/public/track/**")
    code = page.get_by_test_id("code").inner_text().strip()
    report = PublicReport.objects.get()
    assert code == report.code
    assert report.longitude is not None
    assert report.case.evidence.count() == 1
    assert "待受理" in page.get_by_test_id("status").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.goto(f"{live_server.url}/public/")
    page.fill("#id_code", code.lower())
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(f"**/public/track/{code}/")
    assert "您的举报" in page.content()
    assert problems == []
    context.close()


def test_the_public_and_staff_pages_fit_a_phone_in_both_languages(matrix, live_server, browser):
    from django.utils import timezone

    from lanqing.org.models import Jurisdiction
    from lanqing.public.services import Filing, report_reply, report_submit

    report = report_submit(filing=Filing(category="water", description="河道里有白色泡沫，气味刺鼻",
                                         observed_at=timezone.now(), division=Jurisdiction.objects.get(
                                             code="141025100005"), name="张三", phone="13800000000"),
                           photos=[], client_address="203.0.113.1")
    report_reply(report=report, by=matrix.users["bureau"], text="已安排执法人员核查", public=True)
    report_reply(report=report, by=matrix.users["bureau"], text="内部：排查上游企业", public=False)
    SHOTS.mkdir(parents=True, exist_ok=True)
    public_pages = {"home": "/public/", "form": "/public/report/", "quality": "/public/quality/",
                    "track": f"/public/track/{report.code}/"}
    staff_pages = {"list": "/complaints/", "detail": f"/complaints/{report.id}/"}
    for language, locale in (("zh", "zh-CN"), ("en", "en-US")):
        for width_name, viewport in (("390", PHONE), ("1440", DESKTOP)):
            context, page, problems = _offline_context(browser, live_server, viewport, locale)
            if language == "en":
                context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
            for name, path in public_pages.items():
                assert page.goto(f"{live_server.url}{path}").status == 200, path
                if name == "form":
                    page.wait_for_selector("#county-map[data-ready='1']")
                page.screenshot(path=str(SHOTS / f"public-{name}-{language}-{width_name}.png"), full_page=True)
                if width_name == "390":
                    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
            track = page.content() if page.url.endswith(public_pages["track"]) else ""
            assert "内部" not in track
            assert "13800000000" not in track
            login(page, live_server, "bureau")
            if language == "en":
                context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
            for name, path in staff_pages.items():
                assert page.goto(f"{live_server.url}{path}").status == 200, path
                page.screenshot(path=str(SHOTS / f"staff-{name}-{language}-{width_name}.png"), full_page=True)
            assert problems == [], problems
            context.close()
