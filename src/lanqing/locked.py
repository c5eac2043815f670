"""Waiting for SQLite's write lock longer than its busy timeout, in every long-running process.

SQLite lets one connection write at a time. A connection that finds the lock taken waits in SQLite's busy
handler up to the database's timeout (``LANQING_SQLITE_BUSY_SECONDS``) and then fails with "database is
locked"; a connection that read and then wants to write after another process committed is refused at once
(its snapshot is stale, so waiting could not help). Either way the write has not happened, and the
transaction is gone: the whole transaction can simply run again. :func:`retry_locked` does that with a
growing pause, so that the receiver, the worker and the web process outwait another writer (a large import,
a backup) instead of failing or dying. PostgreSQL never answers this way (its writers wait on row locks).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import DatabaseError, connection

log = logging.getLogger(__name__)

T = TypeVar("T")

# The messages SQLite gives when another connection holds the lock it needs.
_LOCKED = ("database is locked", "database table is locked", "database is busy")
# Pauses between tries grow from FIRST_PAUSE to LONGEST_PAUSE seconds (each with jitter, so that processes
# refused together do not come back together).
FIRST_PAUSE = 0.05
LONGEST_PAUSE = 2.0


def is_locked(error: BaseException) -> bool:
    """Whether ``error`` says that another connection holds the database's write lock."""
    return isinstance(error, DatabaseError) and any(text in str(error).lower() for text in _LOCKED)


def retry_locked(function: Callable[[], T], *, what: str, patience: float | None = 600.0) -> T:
    """``function()``, run again after a pause as long as it fails because the database is locked.

    ``function`` must be one whole transaction (or autocommit statements that are safe to repeat). Inside
    an outer transaction nothing is retried here: the outer one failed as a whole and its owner retries.
    After ``patience`` seconds of tries (None: no limit) the last error is raised.
    """
    deadline = None if patience is None else time.monotonic() + patience
    pause = FIRST_PAUSE
    tries = 0
    while True:
        try:
            return function()
        except DatabaseError as error:
            if not is_locked(error) or connection.in_atomic_block:
                raise
            tries += 1
            if deadline is not None and time.monotonic() + pause > deadline:
                log.error("%s: the database stayed locked by another writer; giving up after %d tries", what, tries)
                raise
            # Logged at the first refusal and then rarely: a long import may keep a writer waiting a while.
            if tries == 1 or tries % 20 == 0:
                log.warning("%s: the database is locked by another writer; waiting for its turn (try %d)",
                            what, tries)
            time.sleep(pause * random.uniform(0.5, 1.5))
            pause = min(LONGEST_PAUSE, pause * 2)
