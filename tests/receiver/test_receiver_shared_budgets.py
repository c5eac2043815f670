"""``lanqing receiver --workers 2``: the guessing budgets are the receiver's, not each worker's, so two workers
give a guesser no more wrong passwords than one would; and a device accepted by one worker never waits at the
other (real sockets on 127.0.0.0/8, the receiver as its own processes on a SQLite file)."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest

from lanqing import hj212
from tests.polling import wait_until

from .conftest import child_pids, hourly, peer, process_env, receiver_process

# On a SQLite file of its own, whatever the run's database: the PostgreSQL run leaves it out.
pytestmark = [pytest.mark.own_sqlite, pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT, /proc")]

WHEN = datetime(2026, 3, 1, 15, 0)
DEVICES = 20
# The receiver's default bursts: unverified tries per address, and per MN across addresses.
ADDRESS_BURST = 20
MN_BURST = 10

SETUP = f"""
from lanqing.monitoring.factors import factors_ensure
from lanqing.monitoring.models import Device, Point, Site
from lanqing.org.models import Jurisdiction
factors_ensure()
county = Jurisdiction.objects.create(code="141025000000", name="古县", level="county")
site = Site.objects.create(kind="air", code="AIR-01", name="县城空气站", jurisdiction=county)
point = Point.objects.create(site=site, code="1", name="1#")
for n in range({DEVICES}):
    device = Device(mn=f"MNG{{n:02d}}", point=point)
    device.set_password("123456")
    device.save()
"""


def _tries(address: str, port: int, frames: list[bytes], wait: float) -> list[bytes | None]:
    """Each frame on its own connection from ``address`` (so the kernel spreads them over both workers), all
    at once; per frame its reply, or None when none came within ``wait`` seconds (held for the budget)."""
    replies: list[bytes | None] = [None] * len(frames)

    def one(index: int, frame: bytes) -> None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=wait, source_address=(address, 0)) as sock:
                sock.sendall(frame)
                data = b""
                while b"\r\n" not in data:
                    chunk = sock.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                replies[index] = data
        except OSError:
            return  # TimeoutError: no reply, the try waits for a budget

    threads = [threading.Thread(target=one, args=(n, frame)) for n, frame in enumerate(frames)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(wait + 30)
    return replies


def _wrong_pw_rows(path: Path, address: str) -> int:
    db = sqlite3.connect(path, timeout=30)
    try:
        return db.execute("SELECT count(*) FROM monitoring_rawpacket WHERE reason LIKE 'wrong-pw%' "
                          "AND peer LIKE ?", (f"{address}:%",)).fetchone()[0]
    finally:
        db.close()


def test_two_workers_share_the_guessing_budgets_and_never_hold_back_a_known_device(tmp_path: Path):
    path = tmp_path / "budgets.sqlite3"
    env = process_env(tmp_path, "budgets.sqlite3", SETUP)
    with (tmp_path / "receiver.log").open("w") as log:
        # Budgets that do not come back during the test: what is tried beyond them waits.
        receiver, port = receiver_process(env, "--workers", "2", "--no-host-commands", "--guess-every", "3600",
                                          "--guess-every-mn", "3600", stderr=log)
    try:
        assert len(child_pids(receiver.pid)) == 2
        # The device is accepted once, at whichever worker its connection lands.
        [reply] = _tries("127.0.0.5", port, [hourly(peer(mn="MNG00"), WHEN, {"a34004": 1.0}, qn="1" * 17)], 30)
        assert reply is not None
        assert hj212.parse_bytes(reply).header.cn == "9014"
        # One address guesses at the device's MN over 40 connections: the MN's burst is answered, the rest wait.
        guesses = [hourly(peer(mn="MNG00", pw=f"{n:06d}"), WHEN, {"a34004": 1.0}, qn=f"{n:017d}") for n in range(40)]
        answered = [r for r in _tries("127.0.0.2", port, guesses, 8) if r is not None]
        assert len(answered) == MN_BURST
        # Another address guesses at many MNs, a few tries each: its own burst is answered, the rest wait.
        spread = [hourly(peer(mn=f"MNG{1 + n % (DEVICES - 1):02d}", pw=f"{n:06d}"), WHEN, {"a34004": 1.0},
                         qn=f"{100 + n:017d}") for n in range(2 * ADDRESS_BURST)]
        answered = [r for r in _tries("127.0.0.3", port, spread, 8) if r is not None]
        assert len(answered) == ADDRESS_BURST
        wait_until(lambda: _wrong_pw_rows(path, "127.0.0.3") == ADDRESS_BURST, timeout=30)
        assert _wrong_pw_rows(path, "127.0.0.2") == MN_BURST
        # The device whose MN has no budget left is served at once at both workers, even from the guesser's
        # own address (one NAT gateway): 12 connections land on both.
        frames = [hourly(peer(mn="MNG00"), WHEN.replace(hour=n), {"a34004": float(n)}, qn=f"{200 + n:017d}")
                  for n in range(12)]
        replies = _tries("127.0.0.2", port, frames, 15)
        assert all(r is not None and hj212.parse_bytes(r).header.cn == "9014" for r in replies)
    finally:
        receiver.terminate()
        code = receiver.wait(60)
    assert code == 0, (tmp_path / "receiver.log").read_text()[-3000:]


def test_the_supervisor_removes_its_budget_file_and_those_of_killed_supervisors(tmp_path: Path):
    env = dict(process_env(tmp_path, "gone.sqlite3"), TMPDIR=str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    receiver, _port = receiver_process(env, "--workers", "2", "--no-host-commands")
    try:
        [killed] = list((tmp_path / "tmp").glob("lanqing-receiver-*/budgets.sqlite3"))
    finally:
        # A SIGKILL leaves the folder behind (the workers stop when their supervisor's pipe closes).
        for pid in [*child_pids(receiver.pid), receiver.pid]:
            os.kill(pid, signal.SIGKILL)
        receiver.wait(60)
    assert killed.exists()
    receiver, _port = receiver_process(env, "--workers", "2", "--no-host-commands")
    try:
        assert list((tmp_path / "tmp").glob("lanqing-receiver-*/budgets.sqlite3")) != [killed]
        assert not killed.exists()
    finally:
        receiver.terminate()
        assert receiver.wait(60) == 0
    assert not list((tmp_path / "tmp").iterdir())
