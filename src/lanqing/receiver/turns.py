"""Turns at SQLite's write lock for the receiver's worker processes (``lanqing receiver --workers N``).

SQLite lets one connection write at a time. A connection that finds the lock taken waits in SQLite's busy
handler, which sleeps 1, 2, 5, 10 … ms between tries: a worker then sleeps on long after the other
worker's commit, and its devices wait for their 9014 all that time. Each writer instead takes an
exclusive ``flock`` on a file beside the database around its write transactions; the kernel wakes the
waiting worker the moment the lock is released, and releases it if the holder dies. Other programs (web,
worker) are unaffected and keep using SQLite's own wait.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


class WriteTurns:
    """``with turns.take():`` around a write transaction. Without a database file, taking is free."""

    def __init__(self, database: str | os.PathLike | None) -> None:
        self.path: Path | None = None
        self._fd: int | None = None
        name = str(database or "")
        # In-memory and URI databases (tests) have no file beside which to lock, nor other processes.
        if name and ":memory:" not in name and not name.startswith("file:") and "mode=memory" not in name:
            self.path = Path(f"{name}-receiver-lock")

    @contextlib.contextmanager
    def take(self) -> Iterator[None]:
        if self.path is None:
            yield
            return
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
