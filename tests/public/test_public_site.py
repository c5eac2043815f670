"""`lanqing web --public` serves the public pages only: a real server process on a real port, sharing the
database with the staff site; and on the staff site nothing but the public pages answers an anonymous visitor."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.conftest import YUEYANG
from tests.org.test_access_walk import URL_RULES, url_patterns

SRC = Path(__file__).resolve().parents[2] / "src"


def _database_url() -> str:
    config = connection.settings_dict
    if config["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{config['NAME']}"
    return (f"postgresql://{urllib.parse.quote(config['USER'] or '')}:{urllib.parse.quote(config['PASSWORD'] or '')}"
            f"@{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}/{config['NAME']}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def public_server(public_setup, tmp_path):
    port = _free_port()
    env = dict(os.environ, LANQING_DATABASE_URL=_database_url(), LANQING_DATA_DIR=str(tmp_path),
               PYTHONPATH=str(SRC))
    env.pop("LANQING_PUBLIC_SITE", None)
    server = subprocess.Popen([sys.executable, "-m", "lanqing", "web", "--public", "--port", str(port)], env=env,
                              stdout=open(tmp_path / "server.log", "wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"the public server did not start: {(tmp_path / 'server.log').read_text()}")
            time.sleep(0.1)
    yield base
    server.terminate()
    server.wait(timeout=10)


def _status(opener, url: str) -> int:
    try:
        with opener.open(url) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.django_db(transaction=True)
def test_the_public_server_answers_public_pages_and_no_staff_url(public_server):
    from lanqing.org.models import Jurisdiction
    from lanqing.public.models import PublicReport

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    for path in ("/public/", "/public/report/", "/public/map/county.json", "/public/quality/",
                 "/open311/v2/discovery.json", "/open311/v2/services.xml"):
        assert _status(opener, public_server + path) == 200, path
    for path in ("/login/", "/cases/", "/reports/", "/admin/", "/api/v1/cases", "/org/enterprises/",
                 "/monitoring/sites/", "/notifications/", "/registry/", "/alerts/"):
        assert _status(opener, public_server + path) == 404, path
    # A report filed over the public server lands in the database the staff site reads.
    with opener.open(public_server + "/public/report/") as response:
        form = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    body = urllib.parse.urlencode({
        "csrfmiddlewaretoken": token, "category": "noise", "description": "工地夜间施工噪声很大",
        "observed_at": f"{timezone.localtime():%Y-%m-%dT%H:%M}", "division": Jurisdiction.objects.get(code=YUEYANG).id}).encode()
    request = urllib.request.Request(public_server + "/public/report/", data=body,
                                     headers={"Referer": public_server + "/public/report/"})
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(request)
    assert redirect.value.code == 302
    location = redirect.value.headers["Location"]
    report = PublicReport.objects.get()
    assert location == f"/public/track/{report.code}/?new=1"
    assert report.case.source == "public_report"


def test_an_anonymous_visitor_reaches_only_the_public_pages_of_the_staff_site(public_setup, client):
    from lanqing.public.models import PublicReport  # noqa: F401 - the app is installed

    for name, route in url_patterns().items():
        if name.startswith(("admin:", "api:")) or URL_RULES[name].open:
            continue
        kwargs = {key: 1 for key in re.findall(r"<(?:int|str):(\w+)>", route)}
        if "action" in kwargs:
            kwargs["action"] = "close"
        url = reverse(name, kwargs=kwargs)
        response = getattr(client, URL_RULES[name].method)(url)
        assert response.status_code in (302, 403, 404), (name, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("login")), name
    assert client.get("/api/v1/cases").status_code in (401, 403)
    for name in ("public:home", "public:report"):
        assert client.get(reverse(name)).status_code == 200
