"""Figures every user of a web process shares, kept in the process for a few seconds.

The county's scorecard ranking and each station's AQI in its newest hour are the same for every user who sees
them, change at most as often as cases close or an hour's data arrive, and cost more to compute than the rest of
a workbench together. Each is kept under a key naming what it was computed from (the parties ranked, the period,
the site) for at most KEPT_SECONDS, so a workbench shows them at most that much later than the records do.
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


def kept(key: Hashable, compute: Callable[[], Any]) -> Any:
    """compute()'s result, computed at most once per KEPT_SECONDS for `key` in this process. Two requests
    missing together may both compute; the later result is kept (both are equally fresh)."""
    now = time.monotonic()
    with _lock:
        found = _kept.get(key)
    if found is not None and found[0] > now:
        return found[1]
    value = compute()
    with _lock:
        if len(_kept) >= MAX_KEPT:
            _kept.clear()
        _kept[key] = (now + KEPT_SECONDS, value)
    return value


def kept_forget() -> None:
    """Forgets everything kept (a test's records are gone when the next one starts)."""
    with _lock:
        _kept.clear()
