"""Kill the receiver process with SIGKILL mid-stream: every packet it acknowledged is on disk, and its
measurements are there once the receiver has started again (it writes them after the acknowledgement
under load, and decodes again at start what a crash left unwritten)."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import sys
import threading
from pathlib import Path

import pytest

from lanqing import hj212
from tests.polling import wait_until

from .conftest import child_pids, process_env, receiver_process, send_burst

# On a SQLite file of its own, whatever the run's database: the PostgreSQL run leaves it out.
pytestmark = pytest.mark.own_sqlite

SETUP = """
from lanqing.monitoring.factors import factors_ensure
from lanqing.monitoring.models import Device, Point, Site
from lanqing.org.models import Jurisdiction
factors_ensure()
county = Jurisdiction.objects.create(code="141025000000", name="古县", level="county")
site = Site.objects.create(kind="air", code="AIR-01", name="县城空气站", jurisdiction=county)
point = Point.objects.create(site=site, code="1", name="1#")
for mn in ("MNAIR01", "MNAIR02", "MNAIR03", "MNAIR04"):
    device = Device(mn=mn, point=point)
    device.set_password("123456")
    device.save()
"""


def _stream(port: int, mn: str, acked: list[str], stop: threading.Event) -> None:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    buffer: bytes | None = b""
    n = 0
    try:
        while not stop.is_set():
            # A window of 20 packets in flight, like a logger flushing its backlog.
            buffer = send_burst(sock, mn, range(n + 1, n + 21), buffer or b"", acked)
            n += 20
            if buffer is None:
                return
    except OSError:
        return
    finally:
        sock.close()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
@pytest.mark.parametrize("workers", [1, 2], ids=["one process", "two workers taking turns at the database"])
def test_every_acknowledged_packet_survives_a_sigkill_of_the_receiver(tmp_path: Path, workers: int):
    env = process_env(tmp_path, "crash.sqlite3", SETUP)
    flags = ("--no-host-commands", "--workers", str(workers))
    receiver, port = receiver_process(env, *flags)
    try:
        acked: list[str] = []
        stop = threading.Event()
        threads = [
            threading.Thread(target=_stream, args=(port, f"MNAIR0{i}", acked, stop)) for i in range(1, 5)
        ]
        for thread in threads:
            thread.start()
        wait_until(lambda: len(acked) >= 2000, timeout=10, interval=0.01)
        # Mid-stream: packets are in flight on every connection. With workers, every process dies at once, as
        # in a power cut: the workers first, so that none can notice its supervisor gone and stop cleanly.
        for pid in child_pids(receiver.pid):
            os.kill(pid, signal.SIGKILL)
        receiver.send_signal(signal.SIGKILL)
        receiver.wait(10)
        stop.set()
        for thread in threads:
            thread.join(10)
    finally:
        if receiver.poll() is None:
            receiver.kill()
    assert len(acked) >= 100
    db = sqlite3.connect(tmp_path / "crash.sqlite3")
    stored = set()
    for mn, data in db.execute("SELECT mn, data FROM monitoring_rawpacket WHERE verdict = 'accepted'"):
        stored.add(f"{mn}:{hj212.parse_bytes(bytes(data)).header.qn}")
    db.close()
    missing = set(acked) - stored
    assert not missing, f"{len(missing)} acknowledged packets lost, e.g. {sorted(missing)[:3]}"
    # Hour n carries the value n on every device (they share one point): each acknowledged n must be stored.
    wanted = {float(int(key.split(":")[1])) for key in acked}
    restarted, _ = receiver_process(env, *flags)
    try:
        def stored() -> set[float]:
            db = sqlite3.connect(tmp_path / "crash.sqlite3")
            values = {row[0] for row in db.execute("SELECT value FROM monitoring_measurement")}
            db.close()
            return values

        wait_until(lambda: wanted <= stored(), timeout=20, interval=0.2)
        stored_values = stored()
    finally:
        restarted.terminate()
        restarted.wait(30)
    missing_values = wanted - stored_values
    assert not missing_values, f"{len(missing_values)} acknowledged hours have no measurement"
