"""Repeated log lines become one summary line per interval.

A flood (thousands of refused connections, junk frames or accept errors a second) must not become a log
flood: 237,444 asyncio accept errors in 28 s once wrote 105 MB. Records are grouped by logger and message
template (not by their arguments, which name ever-changing peers); the first ``per_interval`` of a group
in each interval pass, the rest are counted, and :meth:`LogBudget.report` (called by the receiver's
once-a-second sweep) writes one line per group with what it held back.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

log = logging.getLogger("lanqing.receiver")

# Distinct (logger, template) groups remembered; templates are constants in code, so this is never reached
# in practice, but a library that formats its message before logging must not grow the table without end.
MAX_GROUPS = 1000


@dataclass(slots=True)
class _Group:
    started: float
    passed: int = 0
    held: int = 0
    example: str = ""


class LogBudget(logging.Filter):
    def __init__(
        self,
        *,
        interval: float = 10.0,
        per_interval: int = 10,
        loggers: tuple[str, ...] = ("lanqing.receiver", "asyncio"),
    ) -> None:
        super().__init__()
        self.interval = interval
        self.per_interval = per_interval
        self.loggers = loggers
        self.groups: dict[tuple[str, str], _Group] = {}

    def install(self) -> None:
        for name in self.loggers:
            logging.getLogger(name).addFilter(self)

    def uninstall(self) -> None:
        for name in self.loggers:
            logging.getLogger(name).removeFilter(self)

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "summary", False):
            return True
        key = (record.name, str(record.msg))
        now = time.monotonic()
        group = self.groups.get(key)
        if group is None:
            if len(self.groups) >= MAX_GROUPS:
                self.report(now, force=True)
                self.groups.clear()
            group = self.groups[key] = _Group(now)
        if group.passed < self.per_interval:
            group.passed += 1
            return True
        group.held += 1
        if group.held == 1:
            try:
                group.example = record.getMessage().splitlines()[0][:200]
            except (TypeError, ValueError):  # arguments that do not fit the template: summarise it anyway
                group.example = str(record.msg)[:200]
        return False

    def report(self, now: float | None = None, *, force: bool = False) -> int:
        """Write one line per group that held lines back and whose interval is over; start those groups
        afresh. Returns the number of lines held back in the groups reported."""
        now = time.monotonic() if now is None else now
        held = 0
        for key, group in list(self.groups.items()):
            if not force and now - group.started < self.interval:
                continue
            if group.held:
                held += group.held
                log.warning(
                    "%d more log lines like this one were not written: %s",
                    group.held,
                    group.example,
                    extra={"summary": True},
                )
            del self.groups[key]
        return held


__all__ = ["LogBudget"]
