"""Figures of the workbench pages kept in the web process for a minute.

The county's scorecard ranking, each station's AQI in its newest hour and each water section's class on its
newest complete day are the same for every user who sees them, change at most as often as cases close or an
hour's data arrive, and cost more to compute than the rest of a workbench together. Each is kept under a key naming what it was computed from (the parties ranked, the period,
the site; for what is the user's own, the user, role, scope and language) for KEPT_SECONDS, so a page shows
them at most that much (and the time to compute them again) later than the records do. The outlets' state
(above a limit, a device offline) is kept per user the same way: it changes as data and devices report, not
with the user's own work.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

KEPT_SECONDS = 60
# Keys differ only by the parties or stations a user sees: a county has few such sets.
MAX_KEPT = 512

_lock = threading.Lock()
_kept: dict[Hashable, tuple[float, Any]] = {}
# Keys being computed anew: meanwhile other requests get the last value instead of computing it too.
_computing: set[Hashable] = set()


def kept(key: Hashable, compute: Callable[[], Any]) -> Any:
    """compute()'s result for `key`, computed at most once per KEPT_SECONDS in this process. When it is due
    again, one request computes it while the others are served the last value (so a busy page does not
    compute it once per waiting request); with no value yet, each request computes its own."""
    now = time.monotonic()
    with _lock:
        found = _kept.get(key)
        if found is not None and (found[0] > now or key in _computing):
            return found[1]
        _computing.add(key)
    try:
        value = compute()
    finally:
        with _lock:
            _computing.discard(key)
    with _lock:
        if len(_kept) >= MAX_KEPT:
            _kept.clear()
        _kept[key] = (time.monotonic() + KEPT_SECONDS, value)
    return value


def kept_forget() -> None:
    """Forgets everything kept (a test's records are gone when the next one starts)."""
    with _lock:
        _kept.clear()
