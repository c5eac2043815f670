"""The README's production steps work as written: the commands between its production-steps markers are read out
of README.md and run one by one on an empty database and an empty data folder, then a device sends a packet and
the administrator those steps created sees its value on the site page, logged in over HTTP.

The database is the run's own kind: a new PostgreSQL database on the server of LANQING_DATABASE_URL under
`wt NAME pgtest` / dev.py's PostgreSQL run, a new SQLite file otherwise. What lies outside lanqing is stood in
for, each where it happens: `pip install .` (the package is already importable here), absolute paths (moved
under the test's folder, since /etc and /var/lib are not ours), the ports (free ones), the person filling in the
workbook (openpyxl), nginx (the test sends Host and X-Forwarded-Proto as nginx would) and the device (a TCP
client speaking HJ 212).
"""

from __future__ import annotations

import fcntl
import http.client
import json
import os
import pty
import re
import select
import shlex
import signal
import socket
import stat
import subprocess
import sys
import termios
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest

from lanqing import hj212
from lanqing.hj212 import CHINA, Peer, Version

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- production-steps -->", "<!-- /production-steps -->"
DAEMONS = {"web", "web-public", "worker", "receiver"}
PASSWORD = "Gu-county-2026-lanqing!"
MN = "GUAIR01ROOFTOP2026000001"
DEVICE_PASSWORD = "k8Vq2026"
PM25 = 37.0

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="uses a pseudo-terminal and process groups")


def readme_steps() -> list[list[str]]:
    """The commands of the README's production block, each split as the shell would, comments dropped."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count(START) == 1, "the production-steps start marker is missing"
    assert readme.count(END) == 1, "the production-steps end marker is missing"
    block = readme.split(START, 1)[1].split(END, 1)[0]
    code = re.fullmatch(r"\s*```\n(.*?)```\s*", block, re.DOTALL)
    assert code, "the production steps are one code block between the markers"
    return [argv for line in code.group(1).splitlines() if (argv := shlex.split(line, comments=True))]


def test_the_readme_steps_are_the_ones_this_test_knows_how_to_stand_in_for():
    steps = readme_steps()
    assert steps[0] == ["pip", "install", "."]
    assert {argv[0] for argv in steps[1:]} <= {"export", "lanqing"}
    assert [argv[1] for argv in steps if argv[0] == "lanqing"][:2] == ["init", "check"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def database(tmp_path):
    """An empty database of the run's kind, as a URL; a PostgreSQL one is dropped afterwards."""
    url = os.environ.get("LANQING_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'lanqing.sqlite3'}"
        return
    import psycopg

    name = f"lanqing_steps_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(url)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Deployment:
    """Runs the README's steps: the environment they build, the daemons they start and their logs."""

    def __init__(self, folder: Path, database: str) -> None:
        self.folder = folder
        self.root = folder / "root"  # stands for / : the steps' absolute paths land under it
        self.work = folder / "work"  # the directory the commands are typed in
        self.work.mkdir()
        self.database = database
        # A server's environment: none of ours, and not the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE either
        # (`lanqing check` rightly refuses it in production).
        self.env = {key: value for key, value in os.environ.items()
                    if not key.startswith("LANQING_") and key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
        self.env["PYTHONUNBUFFERED"] = "1"
        self.ports: dict[str, int] = {}
        self.daemons: dict[str, subprocess.Popen] = {}

    def moved(self, value: str) -> str:
        return str(self.root / value.lstrip("/")) if value.startswith("/") else value

    def export(self, assignments: list[str]) -> None:
        for assignment in assignments:
            name, _, value = assignment.partition("=")
            self.env[name] = self.database if name == "LANQING_DATABASE_URL" else self.moved(value)

    def argv(self, args: list[str]) -> list[str]:
        out = [sys.executable, "-m", "lanqing"]
        for previous, arg in zip(["", *args], args, strict=False):
            if previous == "--port":
                name = f"{args[0]}-public" if "--public" in args else args[0]
                self.ports[name] = free_port()
                arg = str(self.ports[name])
            out.append(self.moved(arg))
        return out

    def run(self, args: list[str]) -> subprocess.CompletedProcess:
        return subprocess.run(self.argv(args), cwd=self.work, env=self.env, capture_output=True, text=True,
                              timeout=600)

    def run_in_terminal(self, args: list[str], answer: str) -> tuple[int, str]:
        """Runs a command on a pseudo-terminal of its own, types ``answer`` at its prompt and returns its exit
        status and everything it wrote to the terminal."""
        leader, follower = pty.openpty()

        def take_terminal() -> None:
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        process = subprocess.Popen(self.argv(args), cwd=self.work, env=self.env, stdin=follower, stdout=follower,
                                   stderr=follower, start_new_session=True, preexec_fn=take_terminal)
        os.close(follower)
        output = b""
        typed = False
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if not select.select([leader], [], [], 1)[0]:
                continue
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the command has closed the terminal
                break
            if not chunk:
                break
            output += chunk
            # The prompt asks for the password in the site's language: Chinese unless LANQING_LANGUAGE says en.
            if not typed and "密码".encode() in output:
                os.write(leader, answer.encode() + b"\n")
                typed = True
        os.close(leader)
        if process.poll() is None:
            process.kill()
        return process.wait(60), output.decode(errors="replace")

    def start(self, args: list[str]) -> None:
        # `lanqing web --public` is a second web process beside the staff one: named apart, logged apart.
        name = f"{args[0]}-public" if "--public" in args else args[0]
        log = open(self.folder / f"{name}.log", "w")
        self.daemons[name] = subprocess.Popen(self.argv(args), cwd=self.work, env=self.env, stdout=log,
                                                 stderr=subprocess.STDOUT, start_new_session=True)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def wait_for_log(self, name: str, text: str, deadline: float) -> None:
        while text not in self.log(name):
            assert self.daemons[name].poll() is None, f"{name} stopped: {self.log(name)[-3000:]}"
            assert time.monotonic() < deadline, f"{name} never said {text!r}: {self.log(name)[-3000:]}"
            time.sleep(0.2)

    def stop(self) -> None:
        for process in self.daemons.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.daemons.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def fill_in_the_workbook(path: Path) -> None:
    """What the bureau's clerk does in Excel: one air station with one point and its device."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    _units, _enterprises, sites, points, devices = book.worksheets
    sites.append(["AIR-01", "air", "县城空气站", "141025100000"])
    points.append(["AIR-01", "1", "1#"])
    devices.append([MN, "AIR-01", "1", "2017", DEVICE_PASSWORD])
    book.save(path)


def device_sends_an_hour(port: int) -> None:
    """The station's data logger sends last hour's values and gets the receiver's acknowledgement."""
    hour = datetime.now(CHINA).replace(minute=0, second=0, microsecond=0, tzinfo=None) - timedelta(hours=1)
    values = {"a34004": PM25, "a34002": 60.0, "a21026": 8.0, "a21004": 20.0, "a21005": 0.6, "a05024": 50.0}
    frame = hj212.build_data(Peer(MN, DEVICE_PASSWORD, "22", Version.V2017), hj212.Cn.HOUR_DATA, hour,
                             {code: {"Avg": value, "Flag": "N"} for code, value in values.items()}, ack=True)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(frame)
        received = b""
        # The receiver may first send its own commands (time, settings); the data reply is CN=9014.
        while b"CN=9014" not in received:
            chunk = sock.recv(65536)
            assert chunk, f"the receiver closed the connection: {received!r}"
            received += chunk


class Browser:
    """HTTP as nginx passes it on: the site's host name and X-Forwarded-Proto: https, cookies kept by hand
    (they are Secure, which a cookie jar would not send over plain HTTP)."""

    def __init__(self, port: int, host: str) -> None:
        self.port, self.host, self.cookies = port, host, {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": self.host, "X-Forwarded-Proto": "https",
                   "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers.update({"Content-Type": "application/x-www-form-urlencoded",
                            "Origin": f"https://{self.host}", "Referer": f"https://{self.host}{path}"})
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value
        text = response.read().decode()
        connection.close()
        return response.status, dict(response.headers), text

    def log_in(self, username: str, password: str) -> None:
        status, _, page = self.request("GET", "/login/")
        assert status == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, headers, page = self.request("POST", "/login/", {
            "username": username, "password": password, "csrfmiddlewaretoken": token})
        assert status == 302, page[-2000:]
        assert "sessionid" in self.cookies


def test_the_readme_production_steps_take_an_empty_database_to_a_page_showing_a_device_value(tmp_path, database):
    deployment = Deployment(tmp_path, database)
    postgres = database.startswith("postgresql")
    try:
        for argv in readme_steps():
            if argv[0] == "pip":
                continue  # stood in for: lanqing is importable by this interpreter
            if argv[0] == "export":
                deployment.export(argv[1:])
                continue
            args = argv[1:]
            command = args[0]
            if command in DAEMONS and (command != "worker" or "--loop" in args):
                deployment.start(args)
            elif command == "createuser":
                status, output = deployment.run_in_terminal(args, PASSWORD)
                assert status == 0, output
            else:
                result = deployment.run(args)
                if command == "check" and not postgres:
                    # Every setting the steps make is safe; only the database is not PostgreSQL here.
                    problems = result.stderr.strip().splitlines()
                    assert result.returncode == 1, result.stderr
                    assert len(problems) == 1, result.stderr
                    assert "LANQING_DATABASE_URL" in problems[0]
                else:
                    assert result.returncode == 0, f"{argv}: {result.stdout}{result.stderr}"
                if command == "init":
                    key_file = Path(deployment.env["LANQING_SECRET_KEY_FILE"])
                    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
                    assert len(key_file.read_text().strip()) >= 32
                if args[:3] == ["registry", "export", "--template"]:
                    fill_in_the_workbook(deployment.work / args[3])
        assert set(deployment.daemons) == DAEMONS, "the steps start the staff and public web sites, a worker and the receiver"

        deadline = time.monotonic() + 180
        deployment.wait_for_log("receiver", "listening on", deadline)
        deployment.wait_for_log("web", f":{deployment.ports['web']}/", deadline)
        device_sends_an_hour(deployment.ports["receiver"])

        browser = Browser(deployment.ports["web"], deployment.env["LANQING_ALLOWED_HOSTS"].split(",")[0])
        browser.log_in("admin", PASSWORD)
        status, _, sites = browser.request("GET", "/monitoring/sites/")
        assert status == 200
        assert "县城空气站" in sites
        site = re.search(r'href="/monitoring/sites/(\d+)/"', sites).group(1)
        status, _, page = browser.request("GET", f"/monitoring/sites/{site}/")
        assert status == 200
        assert "县城空气站" in page
        # The receiver acknowledges once the raw packet is stored; the measurements follow within moments.
        values: list = []
        while not values and time.monotonic() < deadline:
            status, _, series = browser.request(
                "GET", f"/monitoring/sites/{site}/series.json?factor=a34004&period=hour")
            assert status == 200
            values = [point[1] for point in json.loads(series)["points"]]
            time.sleep(0 if values else 0.5)
        assert values == [PM25]
    finally:
        deployment.stop()
    for name in deployment.daemons:
        assert "Traceback" not in deployment.log(name), deployment.log(name)[-3000:]
