"""The receiver restarted after a SIGKILL while another process keeps writing to the same SQLite file: it
comes up, decodes again what the crash left unwritten, and serves devices, cycle after cycle. A receiver that
can no longer store anything exits non-zero, so that a service manager starts it again."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from lanqing import hj212

from .conftest import hourly, peer, process_env, receiver_process, send_burst
from .test_receiver_crash import SETUP

# On a SQLite file of its own, whatever the run's database: the PostgreSQL run leaves it out.
pytestmark = pytest.mark.own_sqlite

# Another writer: write transactions of a quarter second back to back, as a long import or a backup would
# hold the lock, each one taken as soon as the last ended.
BUSY_WRITER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)
db.execute("CREATE TABLE IF NOT EXISTS busy_writer (n INTEGER)")
n = 0
while True:
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO busy_writer VALUES (?)", (n,))
    time.sleep(0.25)
    db.execute("COMMIT")
    n += 1
    time.sleep(0.01)
"""

MNS = ("MNAIR01", "MNAIR02", "MNAIR03", "MNAIR04")
# Each receiver is killed once this many hours are acknowledged in its cycle (two and a half bursts of the four
# devices): well inside its write batches, and quick enough for ten cycles beside a writer holding the lock.
ACKED_PER_CYCLE = 200


def _stream(port: int, mn: str, first: int, acked: list[str], stop: threading.Event) -> None:
    try:
        # Patient, like a logger: the first replies wait while the restarted receiver decodes again.
        sock = socket.create_connection(("127.0.0.1", port), timeout=90)
    except OSError:
        return
    buffer: bytes | None = b""
    n = first
    try:
        while not stop.is_set():
            buffer = send_burst(sock, mn, range(n, n + 20), buffer or b"", acked)
            n += 20
            if buffer is None:
                return
    except OSError:
        return
    finally:
        sock.close()


def _values(path: Path) -> set[float]:
    db = sqlite3.connect(path, timeout=60)
    try:
        return {row[0] for row in db.execute("SELECT value FROM monitoring_measurement")}
    finally:
        db.close()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_ten_sigkills_under_load_with_another_writer_lose_no_acknowledged_measurement(tmp_path: Path):
    path = tmp_path / "busy.sqlite3"
    env = process_env(tmp_path, "busy.sqlite3", SETUP)
    busy = subprocess.Popen([sys.executable, "-c", BUSY_WRITER, str(path)])
    acked: list[str] = []
    try:
        for cycle in range(10):
            log = (tmp_path / f"receiver-{cycle}.log").open("w")
            receiver, port = receiver_process(env, "--no-host-commands", stderr=log)
            try:
                # Hours of cycle c start at c × 5,000 on every device (which share one point): value = hour.
                stop = threading.Event()
                before = len(acked)
                threads = [
                    threading.Thread(target=_stream, args=(port, mn, cycle * 5_000 + 1, acked, stop))
                    for mn in MNS
                ]
                for thread in threads:
                    thread.start()
                deadline = time.monotonic() + 120
                while len(acked) - before < ACKED_PER_CYCLE and time.monotonic() < deadline:
                    time.sleep(0.01)
                assert len(acked) - before >= 100, f"cycle {cycle}: the receiver served too little"
                receiver.send_signal(signal.SIGKILL)
                receiver.wait(10)
                stop.set()
                for thread in threads:
                    thread.join(10)
            finally:
                if receiver.poll() is None:
                    receiver.kill()
                    receiver.wait(10)
            assert busy.poll() is None, "the other writer must keep writing all along"
        # Restarted once more: every acknowledged hour has its measurement, and devices are served.
        wanted = {float(int(key.split(":")[1])) for key in acked}
        receiver, port = receiver_process(env, "--no-host-commands")
        try:
            deadline = time.monotonic() + 120
            while not wanted <= (stored := _values(path)) and time.monotonic() < deadline:
                time.sleep(0.2)
            missing = wanted - stored
            assert not missing, f"{len(missing)} acknowledged hours have no measurement, e.g. {sorted(missing)[:3]}"
            with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                sock.sendall(hourly(peer(mn="MNAIR01"), datetime(2021, 6, 1, 8), {"a34004": 7.5}, qn="1" * 17))
                sock.settimeout(30)
                reply = b""
                while b"\r\n" not in reply:
                    reply += sock.recv(4096)
            assert hj212.parse_bytes(reply).header.cn == "9014"
            assert receiver.poll() is None
        finally:
            receiver.terminate()
            assert receiver.wait(60) == 0
    finally:
        busy.kill()
        busy.wait(10)


def test_a_receiver_that_cannot_store_anything_exits_non_zero(tmp_path: Path):
    env = dict(process_env(tmp_path, "broken.sqlite3"), LANQING_LANGUAGE="en")  # its messages compared in English
    # The database file is replaced by something that is not a database: nothing can ever be stored.
    (tmp_path / "broken.sqlite3").write_bytes(b"not a database " * 1000)
    for name in ("broken.sqlite3-wal", "broken.sqlite3-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "lanqing", "receiver", "--host", "127.0.0.1", "--port", "0", "--no-host-commands"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, errors = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode not in (0, None), errors
    assert "stopped on an error" in errors


@pytest.mark.parametrize("workers", [2])
def test_a_failing_worker_process_makes_the_receiver_exit_non_zero(tmp_path: Path, workers: int):
    env = process_env(tmp_path, "broken2.sqlite3")
    (tmp_path / "broken2.sqlite3").write_bytes(b"not a database " * 1000)
    for name in ("broken2.sqlite3-wal", "broken2.sqlite3-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "lanqing", "receiver", "--host", "127.0.0.1", "--port", "0", "--no-host-commands",
         "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, errors = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode not in (0, None), errors


