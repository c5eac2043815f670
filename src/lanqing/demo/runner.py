"""`lanqing demo`: prepare the embedded database with the Gu County demo, then run every process."""

from __future__ import annotations

import importlib.util
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from lanqing.bootstrap import django_setup
from lanqing.demo.catalogue import DEMO_ACCOUNTS, DEMO_PASSWORD

# The instance set-up and the demo loader are imported inside run_demo, after django_setup(): Django must be
# configured before models load.

DEFAULT_RECEIVER_PORT = 9212


def _wait_for_port(host: str, port: int, *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)


def _processes(host: str, port: int, receiver_port: int) -> list[tuple[str, list[str]]]:
    processes = [
        ("web", ["web", "--host", host, "--port", str(port)]),
        ("worker", ["worker", "--loop"]),
    ]
    # The HJ 212 receiver and the device simulator join the demo once their packages are installed.
    if importlib.util.find_spec("lanqing.receiver") is not None:
        processes.append(("receiver", ["receiver", "--host", "127.0.0.1", "--port", str(receiver_port)]))
        processes.append(("simulate", ["simulate", "--host", "127.0.0.1", "--port", str(receiver_port), "--demo"]))
    return processes


def _prepare(*, reset: bool, days: int) -> None:
    django_setup()
    from django.conf import settings

    if reset:
        database = settings.DATABASES["default"]
        if not database["ENGINE"].endswith("sqlite3"):
            raise SystemExit("lanqing demo --reset only deletes an embedded SQLite database")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database['NAME']}{suffix}").unlink(missing_ok=True)
    from lanqing.instance import database_label, instance_prepare

    instance_prepare()
    print("lanqing: database ready:", database_label())
    from lanqing.demo import demo_load, demo_loaded

    if demo_loaded():
        print("lanqing demo: reusing the demo data already in the database", flush=True)
        return
    started = time.monotonic()
    summary = demo_load(days=days, progress=lambda message: print(f"lanqing demo: {message}", flush=True))
    print(f"lanqing demo: demo data built in {time.monotonic() - started:.0f} s: {summary}", flush=True)


def _print_accounts(host: str, port: int) -> None:
    print(f"\nlanqing demo is running: http://{host}:{port}/  (Ctrl-C stops it)\n", flush=True)
    print(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for account in DEMO_ACCOUNTS:
        print(f"  {account.username:<10} {account.role:<13} {account.description}")
    print(flush=True)


def run_demo(*, host: str, port: int, reset: bool, days: int,
             receiver_port: int = DEFAULT_RECEIVER_PORT) -> int:
    _prepare(reset=reset, days=days)
    children: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for name, argv in _processes(host, port, receiver_port):
        if name == "simulate":
            # Devices start once the receiver listens, instead of logging a refused connection each.
            _wait_for_port("127.0.0.1", receiver_port, seconds=20)
        children[name] = subprocess.Popen([sys.executable, "-m", "lanqing", *argv])
    _print_accounts(host, port)
    code = 0
    try:
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    print(f"lanqing demo: the {name} process stopped (exit {child.returncode}); stopping all",
                          file=sys.stderr, flush=True)
                    code = child.returncode or 1
                    stopping = True
                    break
            time.sleep(0.5)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 10
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
    return code
