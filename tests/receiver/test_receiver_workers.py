"""``lanqing receiver --workers 2``: two processes on one port, every acknowledged packet stored, and no
worker outlives its supervisor."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from lanqing import hj212
from tests.polling import wait_until

from .conftest import child_pids, process_env, receiver_process, send_burst

# On a SQLite file of its own, whatever the run's database: the PostgreSQL run leaves it out.
pytestmark = [pytest.mark.own_sqlite, pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT, /proc")]

DEVICES = 20
PACKETS = 60  # per device
BURST = 10

SETUP = f"""
from lanqing.monitoring.factors import factors_ensure
from lanqing.monitoring.models import Device, Point, Site
from lanqing.org.models import Jurisdiction
factors_ensure()
county = Jurisdiction.objects.create(code="141025000000", name="古县", level="county")
site = Site.objects.create(kind="air", code="AIR-01", name="县城空气站", jurisdiction=county)
point = Point.objects.create(site=site, code="1", name="1#")
for n in range({DEVICES}):
    device = Device(mn=f"MNW{{n:02d}}", point=point)
    device.set_password("123456")
    device.save()
"""


def _prepare(tmp_path: Path) -> dict:
    # Always SQLite, whatever LANQING_DATABASE_URL the test run has: two writer processes on one file.
    return process_env(tmp_path, "workers.sqlite3", SETUP)


def _start(env: dict, log: Path) -> tuple[subprocess.Popen, int]:
    with log.open("w") as stderr:
        try:
            return receiver_process(env, "--workers", "2", "--no-host-commands", stderr=stderr)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; log:\n{log.read_text()}") from None


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _accepted_inodes(port: int) -> set[str]:
    """Inodes of established TCP sockets whose local port is ``port``: the receiver's side of connections."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        if local_port == port and fields[3] == "01":  # 01: ESTABLISHED
            inodes.add(fields[9])
    return inodes


def _device(port: int, mn: str, acked: list[str], connected: threading.Barrier, done: threading.Event):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    buffer: bytes | None = b""
    try:
        connected.wait(10)
        for first in range(0, PACKETS, BURST):
            buffer = send_burst(sock, mn, range(first, first + BURST), buffer or b"", acked)
            if buffer is None:
                return
        done.wait(30)  # keep the connection open until the test has looked at which worker holds it
    finally:
        sock.close()


def test_two_workers_share_the_port_store_every_acknowledged_packet_and_stop_together(tmp_path: Path):
    env = _prepare(tmp_path)
    supervisor, port = _start(env, tmp_path / "receiver.log")
    try:
        workers = child_pids(supervisor.pid)
        assert len(workers) == 2, workers
        acked: list[str] = []
        connected = threading.Barrier(DEVICES + 1)
        done = threading.Event()
        threads = [
            threading.Thread(target=_device, args=(port, f"MNW{n:02d}", acked, connected, done))
            for n in range(DEVICES)
        ]
        for thread in threads:
            thread.start()
        connected.wait(10)
        wait_until(lambda: len(acked) >= DEVICES * PACKETS, timeout=30)
        # The kernel spread the connections: each worker holds some of them.
        accepted = _accepted_inodes(port)
        held = [len(_socket_inodes(pid) & accepted) for pid in workers]
        done.set()
        for thread in threads:
            thread.join(10)
        assert sum(held) == DEVICES, held
        assert all(held), held

        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(30) == 0
        assert not [pid for pid in workers if _alive(pid)], "a worker outlived its supervisor"
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait(10)
    log = (tmp_path / "receiver.log").read_text()
    assert len(acked) == DEVICES * PACKETS, log[-2000:]
    assert "database is locked" not in log
    db = sqlite3.connect(tmp_path / "workers.sqlite3")
    stored = set()
    for mn, data in db.execute("SELECT mn, data FROM monitoring_rawpacket WHERE verdict = 'accepted'"):
        stored.add(f"{mn}:{hj212.parse_bytes(bytes(data)).header.qn}")
    missing = set(acked) - stored
    assert not missing, f"{len(missing)} acknowledged packets not stored, e.g. {sorted(missing)[:3]}"


def test_when_a_worker_dies_the_supervisor_stops_the_other_and_fails(tmp_path: Path):
    env = _prepare(tmp_path)
    supervisor, _ = _start(env, tmp_path / "receiver.log")
    try:
        workers = child_pids(supervisor.pid)
        assert len(workers) == 2, workers
        os.kill(workers[0], signal.SIGKILL)
        assert supervisor.wait(30) != 0  # a service manager restarts the whole receiver
        assert not [pid for pid in workers if _alive(pid)]
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait(10)
    assert "stopping the other workers" in (tmp_path / "receiver.log").read_text()
