"""Error pages are in the site's layout and the reader's language, and each offers a way back."""

import pytest
from django.test import Client
from django.urls import reverse


@pytest.fixture
def live_errors(settings):
    # The test client re-raises errors unless told not to; error pages are what production shows.
    settings.DEBUG = False


def test_a_missing_page_is_404_in_chinese_with_the_menu_and_a_way_home(cast, client_for, live_errors):
    response = client_for(cast.users["grid_a"]).get("/no-such-page/", HTTP_REFERER="http://testserver/cases/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面没有找到" in page
    assert '<nav class="menu"' in page
    assert 'href="/"' in page
    assert "返回首页" in page
    assert 'href="http://testserver/cases/"' in page
    assert "返回上一页" in page


def test_a_back_link_never_points_to_another_site(cast, client_for, live_errors):
    page = client_for(cast.users["grid_a"]).get("/no-such-page/", HTTP_REFERER="https://evil.example/x").content.decode()
    assert "evil.example" not in page
    assert "返回上一页" not in page


def test_a_case_of_another_township_answers_with_the_404_page(cast, client_for, live_errors):
    from lanqing.cases.transitions import case_open

    case = case_open(title="河道垃圾", category="other", source="manual", jurisdiction=cast.yueyang)
    response = client_for(cast.users["township_b"]).get(reverse("cases:detail", args=[case.id]))
    assert response.status_code == 404
    assert "页面没有找到" in response.content.decode()


def test_a_forbidden_page_is_403_in_english_for_an_english_reader(cast, client_for, live_errors):
    client = client_for(cast.users["township_a"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("cases:matrix"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "Not allowed" in page
    assert "Back to the home page" in page
    assert '<nav class="menu"' in page


def test_an_expired_form_explains_itself_instead_of_djangos_csrf_page(cast, live_errors):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.users["bureau"])
    response = client.post(reverse("notifications:read_all"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "表单已过期" in page
    assert "CSRF verification failed" not in page
    assert "返回首页" in page


def test_a_server_error_shows_the_500_page_in_the_layout(cast, client_for, live_errors, monkeypatch):
    from lanqing.cases import selectors

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(selectors, "boxes_for", broken)
    client = client_for(cast.users["bureau"])
    client.raise_request_exception = False
    response = client.get(reverse("cases:inbox"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "出错了" in page
    assert "返回首页" in page
    assert '<nav class="menu"' in page
    assert "database went away" not in page


def test_the_500_page_shows_without_the_menu_when_the_menu_itself_fails(cast, client_for, live_errors,
                                                                         monkeypatch):
    from lanqing.org import access

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(access, "role_of", broken)
    client = client_for(cast.users["bureau"])
    client.raise_request_exception = False
    response = client.get(reverse("cases:inbox"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "出错了" in page
    assert '<nav class="menu"' not in page
