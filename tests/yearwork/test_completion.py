"""Status and completion share by hand-checked examples."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from lanqing.yearwork.completion import progress_of
from lanqing.yearwork.models import Milestone, Target, TaskStatus

DONE = datetime(2020, 5, 1, tzinfo=UTC)


def milestone(due: date, done: bool) -> Milestone:
    return Milestone(title="m", due_date=due, done_at=DONE if done else None)


def test_milestones_and_targets_each_weigh_half():
    # Milestones: 1 of 2 reached = 0.5. Targets: 90 of 120 亩 = 0.75, the report not delivered = 0 → 0.375.
    # Completion: (0.5 + 0.375) / 2 = 0.4375.
    progress = progress_of(
        deadline=date(2020, 11, 30),
        milestones=[milestone(date(2020, 5, 31), True), milestone(date(2020, 11, 30), False)],
        targets=[Target(planned=Decimal(120), achieved=Decimal(90)), Target(description="验收报告")],
        has_reports=True, today=date(2020, 6, 15))
    assert progress.milestone_share == Decimal("0.5000")
    assert progress.target_share == Decimal("0.3750")
    assert progress.completion == Decimal("0.4375")
    assert progress.status == TaskStatus.IN_PROGRESS


def test_a_target_beyond_plan_counts_as_met_not_more():
    # 150 of 120 counts 1, not 1.25: overshooting one target must not hide another one missed.
    progress = progress_of(deadline=date(2020, 12, 31), milestones=[],
                           targets=[Target(planned=Decimal(120), achieved=Decimal(150)),
                                    Target(planned=Decimal(10), achieved=Decimal(0))],
                           has_reports=False, today=date(2020, 6, 1))
    assert progress.completion == Decimal("0.5000")


def test_a_milestone_past_its_date_puts_the_task_behind_schedule():
    progress = progress_of(deadline=date(2020, 12, 31), milestones=[milestone(date(2020, 5, 31), False)],
                           targets=[], has_reports=False, today=date(2020, 6, 1))
    assert progress.status == TaskStatus.OVERDUE
    assert progress.completion == Decimal(0)


def test_everything_reached_and_met_is_done_even_after_the_deadline():
    progress = progress_of(deadline=date(2020, 5, 31), milestones=[milestone(date(2020, 5, 31), True)],
                           targets=[Target(description="方案", delivered=True)], has_reports=True,
                           today=date(2021, 1, 5))
    assert (progress.status, progress.completion) == (TaskStatus.DONE, Decimal("1.0000"))


def test_a_task_without_reports_or_progress_has_not_started():
    progress = progress_of(deadline=date(2020, 12, 31), milestones=[milestone(date(2020, 9, 1), False)],
                           targets=[], has_reports=False, today=date(2020, 3, 1))
    assert (progress.status, progress.completion) == (TaskStatus.NOT_STARTED, Decimal(0))
