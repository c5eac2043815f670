"""The web process outlives another process holding SQLite's write lock past its wait: the request that could
not write is answered 503 with Retry-After and a sentence, and the same request succeeds once the lock is gone."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

# On a SQLite file of its own, whatever the run's database: the PostgreSQL run leaves it out.
pytestmark = pytest.mark.own_sqlite

PASSWORD = "a-long-password-1"
SETUP = f"""
from django.contrib.auth import get_user_model
get_user_model().objects.create_superuser("admin", password="{PASSWORD}")
"""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _login(opener, base: str) -> tuple[int, dict, str]:
    page = opener.open(f"{base}/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"username": "admin", "password": PASSWORD, "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(f"{base}/login/", data=data, headers={"Referer": f"{base}/login/"})
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_a_locked_database_answers_503_and_the_web_process_lives_on(tmp_path: Path):
    path = tmp_path / "web.sqlite3"
    env = {**os.environ, "LANQING_DATA_DIR": str(tmp_path), "LANQING_DATABASE_URL": f"sqlite:///{path}",
           "LANQING_SQLITE_BUSY_SECONDS": "1", "LANQING_LANGUAGE": "en", "PYTHONUNBUFFERED": "1"}
    for argv in (("manage", "migrate", "-v0"), ("manage", "shell", "-c", SETUP)):
        subprocess.run([sys.executable, "-m", "lanqing", *argv], env=env, check=True, capture_output=True)
    port = _free_port()
    web = subprocess.Popen([sys.executable, "-m", "lanqing", "web", "--host", "127.0.0.1", "--port", str(port)],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        assert "web on" in web.stdout.readline()
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/login/", timeout=5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the web process did not answer"
                time.sleep(0.2)
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                             _NoRedirect)
        locker = sqlite3.connect(path, isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        try:
            status, headers, body = _login(opener, base)
        finally:
            locker.execute("COMMIT")
            locker.close()
        assert status == 503, body[:300]
        assert headers.get("Retry-After") == "10"
        assert "The database is busy with another task. Please try again in a moment." in body
        assert web.poll() is None
        status, headers, _ = _login(opener, base)
        assert status == 302
        assert headers["Location"] == "/"
    finally:
        web.terminate()
        web.wait(30)
