"""What becomes of an alert above this layer: the case it opens or joins, the note on a case when it clears.

Cases sit above alerts (docs/architecture.md), so alerts never import them. ``lanqing.cases`` registers its
hooks from its ``AppConfig.ready()``; the alert services call them inside their own transactions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class CaseHooks:
    # (alert, by=user or None, now=...) -> (the case the alert joined or opened, whether it was opened);
    # raises `refusal` with a message for the user when the case cannot be opened.
    case_for_alert: Callable[..., tuple[Any, bool]]
    # (alert, now=...): the alert has cleared; its cases not yet closed note it on their timelines.
    alert_cleared: Callable[..., None]
    refusal: type[Exception]


_registered: list[CaseHooks] = []


def case_hooks_register(hooks: CaseHooks) -> None:
    _registered[:] = [hooks]


def case_hooks() -> CaseHooks:
    if not _registered:
        raise ImproperlyConfigured("No app turns alerts into cases: add lanqing.cases to INSTALLED_APPS.")
    return _registered[0]


def case_for_alert(alert, *, by, now: datetime) -> tuple[Any, bool]:
    return case_hooks().case_for_alert(alert, by=by, now=now)
