"""Job kinds and periodic tasks; apps register theirs in AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

JobHandler = Callable[..., Any]

_handlers: dict[str, JobHandler] = {}


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    every: timedelta
    run: Callable[[], Any]


_periodic: dict[str, PeriodicTask] = {}


def job_kind(name: str) -> Callable[[JobHandler], JobHandler]:
    """Registers a handler called as handler(job) for queued jobs of this kind."""

    def decorate(handler: JobHandler) -> JobHandler:
        _handlers[name] = handler
        return handler

    return decorate


def periodic(name: str, *, every: timedelta) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    def decorate(function: Callable[[], Any]) -> Callable[[], Any]:
        _periodic[name] = PeriodicTask(name, every, function)
        return function

    return decorate


def handler_for(kind: str) -> JobHandler | None:
    return _handlers.get(kind)


def periodic_tasks() -> list[PeriodicTask]:
    return list(_periodic.values())
