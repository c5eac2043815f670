"""An overdue milestone opens a supervision case routed to the task's lead unit (once per milestone).

The case, not a second clock here, then reminds before its deadline, urges, escalates to the unit's leader
and to county leadership, and keeps the accountability record (lanqing.cases.clock): one mechanism for every
missed deadline in the county, so scorecards and the accountability list count milestones like any case.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from lanqing import texts
from lanqing.cases.models import CaseSource, Category
from lanqing.cases.transitions import case_open
from lanqing.cases.workdays import local_date
from lanqing.yearwork.completion import task_progress_compute
from lanqing.yearwork.models import Milestone


@transaction.atomic
def _milestone_case_open(milestone_id: int, now: datetime) -> bool:
    milestone = (Milestone.objects.select_for_update(of=("self",))
                 .select_related("task__plan__jurisdiction", "task__lead_unit").get(id=milestone_id))
    if milestone.case_id is not None or milestone.done_at is not None:
        return False
    task = milestone.task
    townships = list(task.townships.all())
    # A task of one township is that township's ground (属地); a county-wide task stays with the county.
    where = townships[0] if len(townships) == 1 else task.plan.jurisdiction
    case = case_open(
        title=texts.message(texts.gettext_noop("Key task milestone overdue: %(milestone)s (%(task)s)"),
                            milestone=milestone.title[:80], task=task.title[:80]),
        description=texts.message(
            texts.gettext_noop("The milestone “%(milestone)s” of the key task “%(task)s” was due on %(due)s and "
                               "has not been reported as reached. Plan: %(plan)s."),
            milestone=milestone.title, task=task.title, due=milestone.due_date.isoformat(), plan=str(task.plan)),
        category=Category.OVERDUE_TASK, source=CaseSource.OVERDUE_TASK, jurisdiction=where, subject=milestone,
        lead_unit=task.lead_unit, support_units=list(task.support_units.all()), now=now, is_demo=task.is_demo)
    Milestone.objects.filter(id=milestone.id).update(case=case)
    task_progress_compute(task=task, now=now, today=local_date(now))
    return True


def milestones_overdue_check(*, now: datetime | None = None) -> int:
    """Opens a case for every milestone past its due date and not reached; returns how many were opened."""
    now = now or timezone.now()
    today = local_date(now)
    opened = 0
    for milestone_id in Milestone.objects.filter(done_at__isnull=True, case__isnull=True,
                                                 due_date__lt=today).values_list("id", flat=True):
        opened += _milestone_case_open(milestone_id, now)
    return opened
