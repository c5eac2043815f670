"""A key task's status and completion share, computed from its milestones and targets.

Completion is the mean of the parts a task has: the share of milestones reached, and the mean of its targets'
shares (a numeric target: achieved / planned, at most 1; a deliverable: 1 once delivered). A task with
neither counts 0 until it is marked done through its milestones. Behind schedule: a milestone not reached
after its due date, or the task's deadline passed before it is complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction

from lanqing.yearwork.models import Milestone, Target, Task, TaskStatus

ONE = Decimal(1)
SHARE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Progress:
    status: str
    completion: Decimal  # 0..1, four places
    milestone_share: Decimal | None
    target_share: Decimal | None


def target_share(target: Target) -> Decimal:
    if target.is_deliverable:
        return ONE if target.delivered else Decimal(0)
    planned = target.planned or Decimal(0)
    if planned <= 0:
        return ONE
    return min((target.achieved or Decimal(0)) / planned, ONE)


def progress_of(*, deadline: date, milestones: list[Milestone], targets: list[Target], has_reports: bool,
                today: date) -> Progress:
    milestone_part = (Decimal(sum(1 for m in milestones if m.done_at is not None)) / len(milestones)
                      if milestones else None)
    target_part = (sum((target_share(t) for t in targets), Decimal(0)) / len(targets) if targets else None)
    parts = [part for part in (milestone_part, target_part) if part is not None]
    completion = (sum(parts, Decimal(0)) / len(parts)).quantize(SHARE_PLACES) if parts else Decimal(0)
    late = any(m.done_at is None and m.due_date < today for m in milestones)
    if parts and completion == ONE:
        status = TaskStatus.DONE
    elif late or deadline < today:
        status = TaskStatus.OVERDUE
    elif completion > 0 or has_reports:
        status = TaskStatus.IN_PROGRESS
    else:
        status = TaskStatus.NOT_STARTED
    return Progress(status=status, completion=completion,
                    milestone_share=milestone_part.quantize(SHARE_PLACES) if milestone_part is not None else None,
                    target_share=target_part.quantize(SHARE_PLACES) if target_part is not None else None)


@transaction.atomic
def task_progress_compute(*, task: Task, now: datetime, today: date) -> Progress:
    """Computes the task's progress and stores status, completion and when it was computed."""
    progress = progress_of(deadline=task.deadline, milestones=list(task.milestones.all()),
                           targets=list(task.targets.all()), has_reports=task.reports.exists(), today=today)
    Task.objects.filter(id=task.id).update(status=progress.status, completion=progress.completion, computed_at=now)
    task.status, task.completion, task.computed_at = progress.status, progress.completion, now
    return progress
