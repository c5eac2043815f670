"""The audit page in a real browser: the bureau finds a change with its before and after; a township is refused."""

from pathlib import Path

import pytest

from tests.browser.test_roles import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "shots"


def _a_change(cast):
    from lanqing.audit.actor import Actor, acting
    from lanqing.monitoring.models import Site

    with acting(Actor("web", source="POST /registry/", user=cast.users["bureau"])):
        site = Site.objects.get(id=cast.outlet_a.id)
        site.limit_set = "GB16171-2012:coke-oven:special"
        site.save()


@pytest.mark.parametrize(("language", "width"), [("zh-hans", 1440), ("en", 1440), ("zh-hans", 390), ("en", 390)])
def test_the_bureau_sees_a_change_with_before_and_after(cast, live_server, page, language, width):
    _a_change(cast)
    page.set_viewport_size({"width": width, "height": 900})
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    login(page, live_server, "bureau")
    page.goto(f"{live_server.url}/audit/?type=monitoring.site")
    table = page.get_by_test_id("audit-table")
    assert "GB16171-2012:coke-oven:special" in table.inner_text()
    assert cast.outlet_a.name in table.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"audit-bureau-{language}-{width}.png"), full_page=True)


def test_a_township_officer_is_refused_the_audit_page(cast, live_server, page):
    _a_change(cast)
    login(page, live_server, "township_a")
    assert page.locator("a[href='/audit/']").count() == 0  # no menu entry
    response = page.goto(f"{live_server.url}/audit/")
    assert response is not None
    assert response.status == 403
    assert "GB16171-2012" not in page.content()
    page.screenshot(path=str(SHOTS / "audit-township-403.png"))
