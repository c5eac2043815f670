"""The worker process outlives another process holding SQLite's write lock far past the busy timeout: it
waits, and runs the jobs queued once the lock is free."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lanqing.monitoring.measurements import NEW_VALUES_JOB

# On a SQLite file of its own, whatever the run's database: the PostgreSQL run leaves it out.
pytestmark = pytest.mark.own_sqlite

# Queues a job, then at once holds the write lock for ``seconds``, twice: well past the worker's 1 s busy
# timeout, while the worker wants to claim the job.
LOCKER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute(
    "INSERT INTO jobs_job (kind, payload, status, run_after, attempts, progress, error, claimed_by, created_at) "
    "VALUES (?, '{}', 'queued', '2000-01-01 00:00:00', 0, 0, '', '', '2000-01-01 00:00:00')", (sys.argv[3],))
db.execute("COMMIT")
for _ in range(2):
    db.execute("BEGIN IMMEDIATE")
    db.execute("UPDATE jobs_periodicrun SET last_run_at = NULL")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    db.execute("COMMIT")
    time.sleep(0.05)
print("released", flush=True)
"""


def _jobs(path: Path) -> list[tuple[str, str]]:
    db = sqlite3.connect(path, timeout=60)
    try:
        return list(db.execute("SELECT kind, status FROM jobs_job ORDER BY id"))
    finally:
        db.close()


def test_the_worker_survives_a_database_locked_longer_than_its_busy_timeout(tmp_path: Path):
    path = tmp_path / "worker.sqlite3"
    env = {
        **__import__("os").environ,
        "LANQING_DATA_DIR": str(tmp_path),
        "LANQING_DATABASE_URL": f"sqlite:///{path}",
        "LANQING_SQLITE_BUSY_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    subprocess.run([sys.executable, "-m", "lanqing", "manage", "migrate", "-v0"], env=env, check=True,
                   capture_output=True)
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([sys.executable, "-m", "lanqing", "worker", "--loop", "--interval", "0.5"],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        # The worker's first pass registers its periodic tasks; then the lock is taken under it.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            db = sqlite3.connect(path, timeout=60)
            runs = db.execute("SELECT count(*) FROM jobs_periodicrun").fetchone()[0]
            db.close()
            if runs:
                break
            time.sleep(0.1)
        locker = subprocess.run([sys.executable, "-c", LOCKER, str(path), "4", NEW_VALUES_JOB], capture_output=True,
                                text=True, timeout=60)
        assert locker.stdout.count("locked") == 2, locker.stderr
        assert "released" in locker.stdout, locker.stderr
        assert worker.poll() is None, "the worker died while the database was locked"
        deadline = time.monotonic() + 60
        while _jobs(path) != [(NEW_VALUES_JOB, "done")] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _jobs(path) == [(NEW_VALUES_JOB, "done")]
        assert worker.poll() is None
    finally:
        worker.terminate()
        worker.wait(30)
        log.close()
    # It did meet the lock (and said so), rather than being lucky with its timing.
    assert "locked" in (tmp_path / "worker.log").read_text()
