from __future__ import annotations

from datetime import timedelta

from lanqing.jobs.registry import periodic
from lanqing.yearwork.measured import letters_compute
from lanqing.yearwork.overdue import milestones_overdue_check
from lanqing.yearwork.projects import projects_check
from lanqing.yearwork.soil import soil_check


@periodic("yearwork.milestones", every=timedelta(minutes=30))
def check_milestones() -> None:
    milestones_overdue_check()


@periodic("yearwork.letters", every=timedelta(hours=6))
def compute_letters() -> None:
    # Air and water figures change as the day's data arrive; four passes a day keep the letters current.
    letters_compute()


@periodic("yearwork.projects", every=timedelta(hours=1))
def check_projects() -> None:
    projects_check()


@periodic("yearwork.soil", every=timedelta(hours=6))
def check_soil() -> None:
    soil_check()
