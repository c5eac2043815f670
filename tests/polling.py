"""Waiting in tests: ask again until a condition holds or a generous deadline passes, never a fixed sleep.

The deadline bounds a hang, it is not a timing claim: a slow machine only makes the wait longer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], *, timeout: float = 10.0, interval: float = 0.05) -> T:
    """Calls ``predicate`` until it returns something true, and returns that; once ``timeout`` seconds have
    passed, returns its last (false) answer, so the caller's assert says what was still missing."""
    deadline = time.monotonic() + timeout
    while True:
        answer = predicate()
        if answer or time.monotonic() >= deadline:
            return answer
        time.sleep(interval)


async def wait_until_async(predicate: Callable[[], T], *, timeout: float = 10.0, interval: float = 0.05) -> T:
    """:func:`wait_until` inside an event loop: the loop keeps running while it waits."""
    deadline = time.monotonic() + timeout
    while True:
        answer = predicate()
        if answer or time.monotonic() >= deadline:
            return answer
        await asyncio.sleep(interval)
