"""A live receiver on 127.0.0.1 port 0, run in a thread with its own event loop, and a tiny device client."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from lanqing import hj212
from lanqing.hj212 import Peer, Version


@dataclass
class LiveReceiver:
    port: int
    server: object
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread
    extra: dict = field(default_factory=dict)

    def connect(self, timeout: float = 5.0) -> DeviceSocket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        return DeviceSocket(sock)

    def settle(self, timeout: float = 5.0) -> None:
        """Wait until every submitted frame is committed (the writer is idle and nothing is pending)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            writer = self.server.writer
            if writer._queue.empty() and all(c.pending == 0 for c in list(self.server.connections)):
                time.sleep(0.05)
                if writer._queue.empty():
                    return
            time.sleep(0.02)
        raise AssertionError("receiver did not settle")


class DeviceSocket:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reply(self, timeout: float = 5.0) -> bytes:
        """The next CR LF-terminated frame from the receiver."""
        self.sock.settimeout(timeout)
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the receiver")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line + b"\r\n"

    def closed_by_peer(self, timeout: float = 5.0) -> bool:
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()


def start_receiver(**options) -> LiveReceiver:
    from lanqing.receiver.hostside import HostPolicy
    from lanqing.receiver.server import Limits, ReceiverServer

    limits = options.pop("limits", Limits())
    policy = options.pop("policy", HostPolicy(calibrate_time=False, backfill=False))
    server = ReceiverServer(limits=limits, policy=policy)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict = {}

    def run() -> None:
        asyncio.set_event_loop(loop)
        holder["port"] = loop.run_until_complete(server.start("127.0.0.1", 0))
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10)
    return LiveReceiver(holder["port"], server, loop, thread)


def stop_receiver(live: LiveReceiver) -> None:
    asyncio.run_coroutine_threadsafe(live.server.stop(), live.loop).result(30)
    live.loop.call_soon_threadsafe(live.loop.stop)
    live.thread.join(10)


@pytest.fixture
def receiver(cast):
    live = start_receiver()
    yield live
    stop_receiver(live)


def peer(mn: str = "MNAIR01", pw: str = "123456", st: str = "22", version: Version = Version.V2017) -> Peer:
    return Peer(mn, pw, st, version)


def hourly(
    p: Peer,
    when: datetime,
    values: dict[str, float],
    *,
    flag: str = "N",
    qn: str | None = None,
    ack: bool = True,
    **options,
) -> bytes:
    factors = {code: {"Avg": value, "Flag": flag} for code, value in values.items()}
    return hj212.build_data(p, hj212.Cn.HOUR_DATA, when, factors, qn=qn, ack=ack, **options)


# --- the receiver as its own process, on a SQLite file ------------------------------------------------


def process_env(tmp_path: Path, name: str, setup: str | None = None) -> dict:
    """Environment for ``lanqing`` child processes on a fresh, migrated SQLite file; ``setup`` is run by
    ``manage shell`` (e.g. to register devices)."""
    env = {
        **os.environ,
        "LANQING_DATA_DIR": str(tmp_path),
        "LANQING_DATABASE_URL": f"sqlite:///{tmp_path / name}",
        "PYTHONUNBUFFERED": "1",
    }
    commands = [("manage", "migrate", "-v0")] + ([("manage", "shell", "-c", setup)] if setup else [])
    for argv in commands:
        subprocess.run([sys.executable, "-m", "lanqing", *argv], env=env, check=True, capture_output=True)
    return env


def receiver_process(env: dict, *flags: str, stderr=subprocess.DEVNULL) -> tuple[subprocess.Popen, int]:
    """``lanqing receiver`` on 127.0.0.1 and a free port; returns the process and the port it bound."""
    process = subprocess.Popen(
        [sys.executable, "-m", "lanqing", "receiver", "--host", "127.0.0.1", "--port", "0", *flags],
        env=env,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "listening on" not in line:
        process.kill()
        raise AssertionError(f"the receiver did not start: {line!r}")
    return process, int(line.rsplit(":", 1)[1])


def child_pids(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (the workers of ``lanqing receiver --workers N``), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # Field 4 is the parent pid; the command name in field 2 may hold spaces, so split after ")".
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def send_burst(sock: socket.socket, mn: str, hours: range, buffer: bytes, acked: list[str]) -> bytes | None:
    """Send hourly packets for ``hours`` (a window in flight) and read until each has its 9014, recording
    ``MN:QN`` of every acknowledgement. Returns the bytes read beyond the last reply, or None when the
    receiver closed the connection."""
    start = datetime(2020, 1, 1)
    sock.sendall(
        b"".join(
            hourly(peer(mn=mn), start + timedelta(hours=n), {"a34004": float(n)}, qn=f"{n:017d}") for n in hours
        )
    )
    got = 0
    while got < len(hours):
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buffer += chunk
        while b"\r\n" in buffer:
            line, _, buffer = buffer.partition(b"\r\n")
            reply = hj212.parse_bytes(line + b"\r\n")
            assert reply.header.cn == "9014"
            acked.append(f"{mn}:{reply.header.qn}")
            got += 1
    return buffer
