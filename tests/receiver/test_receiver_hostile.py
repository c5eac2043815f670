"""A hostile peer cannot shut devices out: floods of empty connections, connections over the cap and the
open-file limit, while a good device keeps getting its replies (real sockets on 127.0.0.0/8)."""

from __future__ import annotations

import resource
import socket
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from lanqing import hj212

from .conftest import DeviceSocket, hourly, peer, process_env, start_receiver, stop_receiver

WHEN = datetime(2026, 3, 1, 15, 0)
# The flood comes from another loopback address than the good device, as it would from another network.
HOSTILE = "127.0.0.2"


def _flood(port: int, count: int) -> list[socket.socket | None]:
    """``count`` connections from the hostile address; None for one reset while connecting (refused)."""
    socks: list[socket.socket | None] = []
    for _ in range(count):
        try:
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(HOSTILE, 0)))
        except ConnectionResetError:
            socks.append(None)
    return socks


def _closed(sock: socket.socket | None, timeout: float) -> bool:
    return sock is None or DeviceSocket(sock).closed_by_peer(timeout=timeout)


def _served(device: DeviceSocket, hour: int) -> bool:
    qn = f"20260301{hour:09d}"
    device.send(hourly(peer(), WHEN.replace(hour=hour % 24), {"a34004": float(hour)}, qn=qn))
    reply = hj212.parse_bytes(device.reply(timeout=10))
    return (reply.header.cn, reply.header.qn) == ("9014", qn)


@pytest.mark.django_db(transaction=True)
def test_empty_connections_are_closed_after_the_first_frame_deadline_while_a_device_is_served(cast):
    from lanqing.receiver.server import Limits

    live = start_receiver(
        limits=Limits(first_frame_timeout=1.0, max_new_per_address=40, sweep_interval=0.1)
    )
    try:
        device = live.connect()
        assert _served(device, 1)
        idle = _flood(live.port, 60)
        # Past the cap of new connections from one address the rest are refused at once.
        refused = [sock for sock in idle[40:] if _closed(sock, 5)]
        assert len(refused) == 20
        assert _served(device, 2)
        # A newcomer from another address is admitted and served during the flood.
        newcomer = live.connect()
        assert _served(newcomer, 3)
        # The empty ones are closed at the deadline; the devices that sent a frame stay.
        assert all(_closed(sock, 10) for sock in idle[:40])
        assert _served(device, 4)
        assert _served(newcomer, 5)
        # With the empty connections gone, the address may connect again.
        again = _flood(live.port, 1)[0]
        assert again is not None
        assert not _closed(again, 0.3)
        for sock in [*idle, again]:
            if sock is not None:
                sock.close()
    finally:
        stop_receiver(live)


@pytest.mark.django_db(transaction=True)
def test_a_sender_of_frames_nobody_accepts_is_closed_at_the_first_frame_deadline(cast):
    from lanqing.receiver.server import Limits

    live = start_receiver(limits=Limits(first_frame_timeout=1.0, sweep_interval=0.1))
    try:
        stranger = live.connect()
        stranger.send(hourly(peer(mn="NOSUCHMN"), WHEN, {"a34004": 1.0}))
        assert hj212.parse_bytes(stranger.reply()).header.cn == "9011"
        assert stranger.closed_by_peer(timeout=10)
    finally:
        stop_receiver(live)


SETUP = """
from lanqing.monitoring.factors import factors_ensure
from lanqing.monitoring.models import Device, Point, Site
from lanqing.org.models import Jurisdiction
factors_ensure()
county = Jurisdiction.objects.create(code="141025000000", name="古县", level="county")
site = Site.objects.create(kind="air", code="AIR-01", name="县城空气站", jurisdiction=county)
point = Point.objects.create(site=site, code="1", name="1#")
device = Device(mn="MNAIR01", point=point)
device.set_password("123456")
device.save()
"""

# The receiver process's open-file limit: soft below what it wants, hard above, as on a stock system.
SOFT, HARD = 200, 300


def _low_limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (SOFT, HARD))


@pytest.mark.own_sqlite  # a SQLite file of its own: the PostgreSQL run leaves it out
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_NOFILE, loopback aliases")
def test_a_flood_past_the_open_file_limit_is_refused_without_flooding_the_log(tmp_path: Path):
    env = process_env(tmp_path, "hostile.sqlite3", SETUP)
    log = tmp_path / "receiver.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "lanqing", "receiver", "--host", "127.0.0.1", "--port", "0",
             "--no-host-commands", "--max-connections", "20000", "--max-new-per-address", "20000",
             "--first-frame-timeout", "3"],
            env=env, stdout=subprocess.PIPE, stderr=stderr, text=True, preexec_fn=_low_limit,
        )
    flood: list[socket.socket] = []
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "listening on" in line, log.read_text()
        port = int(line.rsplit(":", 1)[1])
        device = DeviceSocket(socket.create_connection(("127.0.0.1", port), timeout=10))
        assert _served(device, 1)
        # Twice as many connections as the process may open files: the cap (the limit less a reserve)
        # refuses the rest instead of accept() failing with EMFILE.
        flood = _flood(port, 2 * HARD)
        for hour in range(2, 6):
            assert _served(device, hour)
        open_ = [sock for sock in flood if not _closed(sock, 0.05)]
        assert 0 < len(open_) <= HARD - 100
        # The empty connections go at the deadline; the device is still served, a newcomer gets in.
        assert all(_closed(sock, 15) for sock in open_)
        assert _served(device, 6)
        newcomer = DeviceSocket(socket.create_connection(("127.0.0.1", port), timeout=10))
        assert _served(newcomer, 7)
    finally:
        for sock in flood:
            if sock is not None:
                sock.close()
        process.terminate()
        process.wait(30)
    text = log.read_text()
    # Said once at start: the limit was raised to the hard limit and is still short of the cap.
    assert f"the open-file limit is {HARD}" in text
    assert "out of system resource" not in text
    assert "Too many open files" not in text
    # Hundreds of refusals and closes, a few dozen lines: repeated lines are summarised.
    assert len(text.splitlines()) < 80, text[-3000:]
    assert "were not written" in text
