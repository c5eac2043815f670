"""The heavy-pollution warning banner of every public page (winter's warnings, read through its selector).

Every public page asks, so the warnings are kept in the process for WARNINGS_SECONDS rather than read per
request: the tracking page must stay cheap. A warning issued, changed or lifted in this process is seen at
once (the model's signals forget the copy); one changed by another process (the staff site) within
WARNINGS_SECONDS. A warning's stated end is applied at each request, so an ended warning disappears on time.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from lanqing.winter.selectors import PublicWarning, public_warnings

WARNINGS_SECONDS = 30

_lock = threading.Lock()
_kept: tuple[float, list[PublicWarning]] | None = None


def warnings_in_force(now: datetime | None = None) -> list[PublicWarning]:
    global _kept
    now = now or timezone.now()
    kept = _kept
    if kept is None or kept[0] <= time.monotonic():
        with _lock:
            kept = _kept
            if kept is None or kept[0] <= time.monotonic():
                kept = (time.monotonic() + WARNINGS_SECONDS, public_warnings(now=now))
                _kept = kept
    return [warning for warning in kept[1] if warning.in_force(now)]


def warnings_forget() -> None:
    global _kept
    _kept = None


def warning_saved(**_signal: object) -> None:
    """Connected to the warning model's signals: forget now, and again once the change is committed, so that
    no request reads the old rows back between the two."""
    warnings_forget()
    transaction.on_commit(warnings_forget)
