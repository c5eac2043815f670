"""``lanqing receiver -v`` shows the receiver's debug lines (connections opened and closed); without it they
stay out of the log."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import process_env, receiver_process

# On a SQLite file of its own, whatever the run's database: the PostgreSQL run leaves it out.
pytestmark = pytest.mark.own_sqlite


def _connect_once(env: dict, *flags: str) -> str:
    receiver, port = receiver_process(env, *flags, stderr=subprocess.PIPE)
    try:
        # Windows, not waits: without -v nothing is logged, so there is no line to poll for in both runs.
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            time.sleep(0.3)
        time.sleep(0.3)
    finally:
        receiver.terminate()
        _, stderr = receiver.communicate(timeout=30)
    return stderr


@pytest.mark.skipif(sys.platform == "win32", reason="signals")
def test_verbose_shows_connection_lines_and_the_default_does_not(tmp_path: Path):
    env = process_env(tmp_path, "verbose.sqlite3")
    verbose = _connect_once(env, "-v")
    assert " DEBUG lanqing.receiver " in verbose
    assert ": connected" in verbose
    quiet = _connect_once(env)
    assert " DEBUG " not in quiet
    assert "listening on" in quiet
