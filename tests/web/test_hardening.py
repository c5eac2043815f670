"""Web hardening: login throttling, password policy and change, no caching of logged-in pages, a content
security policy with no inline script, and `lanqing check` for production settings."""

import os
import re
import subprocess
import sys

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD


def _login(client, username, password, address="10.1.1.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_five_wrong_passwords_lock_the_account_from_that_address_only(cast, client):
    for _attempt in range(4):
        assert _login(client, "bureau", "wrong-password-1").status_code == 200
    assert _login(client, "bureau", "wrong-password-1").status_code == 429
    locked = _login(client, "bureau", PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    elsewhere = _login(client, "bureau", PASSWORD, address="10.2.2.2")
    assert elsewhere.status_code == 302
    assert client.session["_auth_user_id"] == str(cast.users["bureau"].id)


def test_a_right_password_before_the_limit_resets_the_count(cast, client):
    for _attempt in range(4):
        _login(client, "township_a", "wrong-password-1")
    assert _login(client, "township_a", PASSWORD).status_code == 302
    client.logout()
    for _attempt in range(4):
        _login(client, "township_a", "wrong-password-1")
    assert _login(client, "township_a", PASSWORD).status_code == 302


@pytest.mark.parametrize(("new", "reason"), [("20261204123456", "entirely numeric"), ("short-1", "too short")])
def test_a_weak_new_password_is_refused_with_the_reason(cast, client_for, new, reason):
    client = client_for(cast.users["grid_a"])
    client.cookies["django_language"] = "en"
    response = client.post(reverse("password_change"), {"old_password": PASSWORD, "new_password1": new,
                                                         "new_password2": new})
    assert response.status_code == 200
    assert reason in response.content.decode()
    cast.users["grid_a"].refresh_from_db()
    assert cast.users["grid_a"].check_password(PASSWORD)


def test_every_user_changes_their_own_password(cast, client_for, client):
    page = client_for(cast.users["enterprise_a"])
    form = page.get(reverse("password_change"))
    assert form.status_code == 200
    assert "web/password_change_form.html" in [t.name for t in form.templates]
    response = page.post(reverse("password_change"), {"old_password": PASSWORD,
                                                      "new_password1": "a-new-harbour-light-7",
                                                      "new_password2": "a-new-harbour-light-7"})
    assert response.status_code == 302
    assert response.url == reverse("password_change_done")
    page.logout()
    assert _login(client, "enterprise_a", "a-new-harbour-light-7").status_code == 302


def test_logged_in_pages_and_exports_are_not_cached(cast, client_for):
    user = client_for(cast.users["bureau"])
    for url in (reverse("home"), reverse("org:enterprises"), reverse("org:enterprises") + "?export=xlsx",
                "/api/v1/sites"):
        assert "no-store" in user.get(url)["Cache-Control"], url


SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def test_pages_carry_a_policy_that_allows_no_inline_script_and_use_none(cast, client_for):
    client = client_for(cast.users["bureau"])
    for url in (reverse("login"), reverse("home"), reverse("monitoring:sites"),
                reverse("monitoring:site", args=[cast.air_station.id]), reverse("cases:inbox"),
                reverse("password_change"), "/api/v1/docs"):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
        assert "unsafe-inline" not in script_src, url
        assert "unsafe-eval" not in script_src, url
        html = response.content.decode()
        inline = [attrs for attrs in SCRIPT.findall(html) if "src=" not in attrs and "application/json" not in attrs]
        assert inline == [], url
        assert not HANDLER.search(html), url


def _check(**env):
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is itself unsafe in production, and `check` says so.
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith("LANQING_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment.update(LANQING_DATA_DIR=os.environ.get("LANQING_DATA_DIR", "var"), **env)
    return subprocess.run([sys.executable, "-m", "lanqing", "check"], capture_output=True, text=True, timeout=120,
                          env=environment)


def test_lanqing_check_fails_on_unsafe_production_settings_and_passes_safe_ones():
    unsafe = _check(LANQING_DEBUG="true")
    assert unsafe.returncode == 1
    for variable in ("LANQING_DEBUG", "LANQING_HTTPS", "LANQING_ALLOWED_HOSTS", "LANQING_DATABASE_URL"):
        assert variable in unsafe.stderr
    safe = _check(LANQING_HTTPS="true", LANQING_ALLOWED_HOSTS="hb.example.gov.cn",
                  LANQING_DATABASE_URL="postgresql://lanqing@127.0.0.1:5432/lanqing",
                  LANQING_SECRET_KEY="Qm7vT2xK9pL4wR8zN3bH6cJ1dF5gY0sA-e_uVtWqXo9iZk2rE4aU8")
    assert safe.returncode == 0, safe.stderr
