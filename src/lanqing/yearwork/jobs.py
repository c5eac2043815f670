from __future__ import annotations

from datetime import timedelta

from lanqing.jobs.registry import periodic
from lanqing.yearwork.overdue import milestones_overdue_check


@periodic("yearwork.milestones", every=timedelta(minutes=30))
def check_milestones() -> None:
    milestones_overdue_check()
