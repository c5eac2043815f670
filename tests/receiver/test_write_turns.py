"""The receiver's workers take turns at SQLite's write lock through a file lock beside the database; so does
the checkpoint of a write-ahead log past its limit."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from lanqing.receiver.turns import WriteTurns
from lanqing.receiver.writer import wal_checkpoint

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


def _database_with_log(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.execute("CREATE TABLE t (x BLOB)")
    db.execute("INSERT INTO t VALUES (?)", (b"x" * 200_000,))
    return db


def _holder(database: Path) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom lanqing.receiver.turns import WriteTurns\n"
         "t = WriteTurns(sys.argv[1]).take(); t.__enter__(); print('held', flush=True); time.sleep(60)",
         str(database)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_process_waits_for_the_turn_and_gets_it_when_released(tmp_path: Path) -> None:
    database = tmp_path / "lanqing.sqlite3"
    turns = WriteTurns(database)
    with turns.take():
        other = _other(database)
        assert other.stdout is not None
        assert other.stdout.readline().strip() == "waiting"
        # Something that must not happen has no event to poll for: this window is its chance to happen.
        time.sleep(0.5)
        assert other.poll() is None  # still blocked: the turn is ours
    waited = float(other.stdout.readline())
    assert other.wait(10) == 0
    assert waited >= 0.4
    assert (tmp_path / "lanqing.sqlite3-receiver-lock").exists()
    turns.close()


def test_a_holder_that_dies_releases_the_turn(tmp_path: Path) -> None:
    database = tmp_path / "lanqing.sqlite3"
    holder = _holder(database)
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


@pytest.mark.parametrize(
    ("limit", "waits"),
    [(100_000, True), (10_000_000, False)],
    ids=["log past the limit: waits for the writers' turn", "small log: does not wait"],
)
def test_a_checkpoint_takes_the_writers_turn_only_for_a_log_past_the_limit(
    tmp_path: Path, limit: int, waits: bool
) -> None:
    # Past the limit the checkpoint must finish, so no receiver writer may commit meanwhile; below it,
    # checkpoints never hold the writers back.
    database = tmp_path / "lanqing.sqlite3"
    db = _database_with_log(database)  # a log of about 200 kB
    turns = WriteTurns(database)
    holder = _holder(database)
    try:
        checkpoint = threading.Thread(
            target=wal_checkpoint, args=(db.cursor(), str(database), turns), kwargs={"limit": limit}
        )
        checkpoint.start()
        checkpoint.join(0.5 if waits else 5)
        assert checkpoint.is_alive() == waits
    finally:
        holder.kill()
        holder.wait(10)
    checkpoint.join(10)
    assert not checkpoint.is_alive()  # the turn is free again: done
    turns.close()
