"""A county network often has no internet: every page kind renders with every non-local request blocked, and\nnothing on it breaks the content security policy."""

from urllib.parse import urlsplit

import pytest

from tests.browser.test_roles import _with_data, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _page_kinds(cast) -> list[str]:
    from lanqing.cases.transitions import case_open

    case = case_open(title="焦炉烟囱冒黄烟", category="inspection", source="inspection", by=cast.users["bureau"],
                     site=cast.outlet_a)
    return ["/", "/org/jurisdictions/", "/org/enterprises/", f"/org/enterprises/{cast.enterprise_a.id}/",
            "/monitoring/sites/", f"/monitoring/sites/{cast.air_station.id}/?days=30",
            f"/monitoring/sites/{cast.outlet_a.id}/", "/monitoring/imports/", "/cases/", "/cases/new/",
            "/cases/queue/", "/cases/matrix/", "/cases/accountability/", f"/cases/{case.id}/", "/alerts/",
            "/notifications/", "/api/v1/docs", "/admin/", "/no-such-page/"]


def test_every_page_kind_renders_offline_with_no_failed_request(cast, live_server, browser):
    _with_data(cast)
    local = urlsplit(live_server.url).netloc
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    outside: list[str] = []
    failed: list[str] = []

    def only_local(route):
        if urlsplit(route.request.url).netloc == local or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.set_default_timeout(15_000)
    # A request cut short by the next navigation (net::ERR_ABORTED, often the favicon) is no failure: a request
    # that leaves the machine lands in `outside`, and a missing local file answers 404 below.
    page.on("requestfailed", lambda request: failed.append(f"{request.url} {request.failure}")
            if "ERR_ABORTED" not in (request.failure or "") else None)
    # A script or style the content security policy blocks shows as a console error, not a failed request.
    page.on("console", lambda message: failed.append(f"{page.url}: {message.text}")
            if message.type == "error" and "404" not in message.text else None)
    page.on("response", lambda response: failed.append(f"{response.url} {response.status}")
            if response.status >= 400 and not response.url.endswith("/no-such-page/") else None)
    cast.users["bureau"].is_staff = True
    cast.users["bureau"].save()
    login(page, live_server, "bureau")
    for path in _page_kinds(cast):
        response = page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert response is not None
        assert response.status == (404 if path == "/no-such-page/" else 200), path
        if path == "/api/v1/docs":
            assert "lanqing API" in page.locator(".swagger-ui .info").inner_text()
    icon = page.request.get(f"{live_server.url}/favicon.ico")
    assert icon.ok
    assert icon.headers["content-type"].startswith("image/svg")
    context.close()
    assert outside == []
    assert failed == []
