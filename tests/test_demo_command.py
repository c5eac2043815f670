"""`lanqing demo` builds the demo, starts every process, serves pages and stops cleanly on SIGTERM."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.polling import wait_until

# On a SQLite file of its own, whatever the run's database: the PostgreSQL run leaves it out.
pytestmark = [pytest.mark.own_sqlite, pytest.mark.skipif(sys.platform != "linux", reason="uses process groups and SO_REUSEPORT")]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_demo_command_serves_the_login_page_and_receives_simulated_packets(tmp_path):
    web, receiver = free_port(), free_port()
    env = dict(os.environ, LANQING_DATA_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    env.pop("LANQING_DATABASE_URL", None)
    log = open(tmp_path / "demo.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "lanqing", "demo", "--days", "2", "--port", str(web), "--receiver-port",
         str(receiver)], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 240

        def login_status() -> int | None:
            assert process.poll() is None, (tmp_path / "demo.log").read_text()[-3000:]
            try:
                return urllib.request.urlopen(f"http://127.0.0.1:{web}/login/", timeout=2).status
            except OSError:
                return None

        assert wait_until(login_status, timeout=deadline - time.monotonic(), interval=1) == 200
        import sqlite3

        # The simulator's devices reach the receiver, which stores what they send.
        def accepted() -> int:
            with sqlite3.connect(tmp_path / "lanqing.sqlite3", timeout=20) as database:
                return database.execute(
                    "select count(*) from monitoring_rawpacket where verdict = 'accepted'").fetchone()[0]

        assert wait_until(accepted, timeout=max(deadline - time.monotonic(), 0), interval=2) > 0
        output = (tmp_path / "demo.log").read_text()
        assert "lanqing-demo-2026" in output
        assert "Traceback" not in output
        # SIGTERM to the demo alone: it stops its processes and exits cleanly.
        process.terminate()
        assert process.wait(60) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            try:
                os.killpg(process.pid, signal.SIGKILL)  # nothing of the demo may outlive it
            except ProcessLookupError:
                pass
        log.close()
