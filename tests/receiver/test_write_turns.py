"""The receiver's workers take turns at SQLite's write lock through a file lock beside the database."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from lanqing.receiver.turns import WriteTurns

# Another process tries to take the turn; prints how long it waited.
OTHER = """
import sys, time
from lanqing.receiver.turns import WriteTurns
turns = WriteTurns(sys.argv[1])
started = time.monotonic()
print("waiting", flush=True)
with turns.take():
    print(f"{time.monotonic() - started:.3f}", flush=True)
"""


def _other(database: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", OTHER, str(database)], stdout=subprocess.PIPE, text=True)


def test_a_second_process_waits_for_the_turn_and_gets_it_when_released(tmp_path: Path) -> None:
    database = tmp_path / "lanqing.sqlite3"
    turns = WriteTurns(database)
    with turns.take():
        other = _other(database)
        assert other.stdout is not None
        assert other.stdout.readline().strip() == "waiting"
        time.sleep(0.5)
        assert other.poll() is None  # still blocked: the turn is ours
    waited = float(other.stdout.readline())
    assert other.wait(10) == 0
    assert waited >= 0.4
    assert (tmp_path / "lanqing.sqlite3-receiver-lock").exists()
    turns.close()


def test_a_holder_that_dies_releases_the_turn(tmp_path: Path) -> None:
    database = tmp_path / "lanqing.sqlite3"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom lanqing.receiver.turns import WriteTurns\n"
         "t = WriteTurns(sys.argv[1]).take(); t.__enter__(); print('held', flush=True); time.sleep(60)",
         str(database)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    holder.kill()
    holder.wait(10)
    other = _other(database)
    assert other.wait(10) == 0  # not left waiting for a process that no longer exists


def test_databases_without_a_file_need_no_turns() -> None:
    for name in (None, ":memory:", "file:memorydb_default?mode=memory&cache=shared"):
        turns = WriteTurns(name)
        assert turns.path is None
        with turns.take():
            pass
