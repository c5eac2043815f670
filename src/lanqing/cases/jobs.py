from __future__ import annotations

from datetime import timedelta

from lanqing.cases.clock import cases_deadlines_check
from lanqing.jobs.registry import periodic


@periodic("cases.deadlines", every=timedelta(minutes=10))
def check_deadlines() -> None:
    cases_deadlines_check()
