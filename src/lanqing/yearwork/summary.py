"""The year's work of an area in figures: key tasks, responsibility letters, the clean-heating ledger and the
scorecard ranking, for the reports and the workbenches above (they state these figures, never recompute them).

An area is a jurisdiction read through its code prefix, as the access rules read a user's ground: a county's
figures are those its bureau and leadership see on the year's-work pages. Task status and completion, and
letter targets' figures, are the stored ones (computed by lanqing.yearwork.completion and .measured), so a
summary says how things stood when it was made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Avg, Count, Max, Q, QuerySet, Sum

from lanqing.org.models import Jurisdiction, Level, Unit, UnitKind
from lanqing.yearwork import scorecard
from lanqing.yearwork.models import Household, Letter, LetterTarget, Task, TaskStatus, VillageHeating

SHARE_PLACES = Decimal("0.0001")


def area_tasks(area: Jurisdiction, year: int) -> QuerySet[Task]:
    """The tasks of the year's plans of the area, and those naming one of its townships (each once)."""
    named = Task.objects.filter(Q(plan__jurisdiction__code__startswith=area.prefix)
                                | Q(townships__code__startswith=area.prefix), plan__year=year)
    return Task.objects.filter(id__in=named.values("id"))


@dataclass(frozen=True)
class TaskSummary:
    year: int
    count: int
    completed: int
    behind: int  # behind schedule (a milestone missed, or the deadline passed before completion)
    mean_completion: Decimal | None  # 0..1; None without tasks
    behind_tasks: list[Task]  # with lead_unit, nearest deadline first
    computed_at: datetime | None  # when the newest status was computed


def task_summary(*, area: Jurisdiction, year: int) -> TaskSummary:
    tasks = area_tasks(area, year)
    figures = tasks.aggregate(count=Count("id"), completed=Count("id", filter=Q(status=TaskStatus.DONE)),
                              behind=Count("id", filter=Q(status=TaskStatus.OVERDUE)), mean=Avg("completion"),
                              computed=Max("computed_at"))
    mean = figures["mean"]
    behind = list(tasks.filter(status=TaskStatus.OVERDUE).select_related("lead_unit", "plan")
                  .order_by("deadline", "plan_id", "number"))
    return TaskSummary(year=year, count=figures["count"], completed=figures["completed"], behind=figures["behind"],
                       mean_completion=None if mean is None else Decimal(str(mean)).quantize(SHARE_PLACES),
                       behind_tasks=behind, computed_at=figures["computed"])


@dataclass(frozen=True)
class LetterLine:
    letter: Letter
    targets: int
    met: int
    not_met: int

    @property
    def unmeasured(self) -> int:
        return self.targets - self.met - self.not_met

    @property
    def verdict(self) -> bool | None:
        """False once a target is not met; True when every target has a figure and is met; else None."""
        if self.not_met:
            return False
        return True if self.targets and not self.unmeasured else None


@dataclass(frozen=True)
class LetterSummary:
    year: int
    lines: list[LetterLine]

    @property
    def met(self) -> int:
        return sum(1 for line in self.lines if line.verdict is True)

    @property
    def not_met(self) -> int:
        return sum(1 for line in self.lines if line.verdict is False)

    @property
    def undecided(self) -> int:
        return sum(1 for line in self.lines if line.verdict is None)

    @property
    def targets_met(self) -> int:
        return sum(line.met for line in self.lines)

    @property
    def targets_not_met(self) -> int:
        return sum(line.not_met for line in self.lines)


def area_letters(area: Jurisdiction, year: int) -> QuerySet[Letter]:
    return Letter.objects.filter(Q(jurisdiction__code__startswith=area.prefix)
                                 | Q(township__code__startswith=area.prefix), year=year)


def letter_summary(*, area: Jurisdiction, year: int) -> LetterSummary:
    """Each letter of the year with its targets met and not met (a target without a figure is neither)."""
    letters = list(area_letters(area, year).select_related("township", "unit"))
    tally: dict[int, list[int]] = {letter.id: [0, 0, 0] for letter in letters}
    for target in LetterTarget.objects.filter(letter__in=letters):
        counts = tally[target.letter_id]
        counts[0] += 1
        if target.met is True:
            counts[1] += 1
        elif target.met is False:
            counts[2] += 1
    return LetterSummary(year, [LetterLine(letter, *tally[letter.id]) for letter in letters])


@dataclass(frozen=True)
class HeatingLine:
    township: Jurisdiction
    target: int
    converted: int

    @property
    def share(self) -> Decimal | None:
        return None if not self.target else (Decimal(self.converted) / self.target).quantize(SHARE_PLACES)


@dataclass(frozen=True)
class HeatingSummary:
    year: int
    until: date
    lines: list[HeatingLine]  # per township with a target or a conversion

    @property
    def target(self) -> int:
        return sum(line.target for line in self.lines)

    @property
    def converted(self) -> int:
        return sum(line.converted for line in self.lines)

    @property
    def share(self) -> Decimal | None:
        return None if not self.target else (Decimal(self.converted) / self.target).quantize(SHARE_PLACES)


def heating_summary(*, area: Jurisdiction, year: int, until: date) -> HeatingSummary:
    """Households converted from 1 January to `until` (inclusive) against the villages' targets for the year,
    per township, as the ledger's progress page counts them."""
    targets = dict(VillageHeating.objects.filter(village__code__startswith=area.prefix, year=year)
                   .values("village__parent").annotate(total=Sum("households_target"))
                   .values_list("village__parent", "total"))
    converted = dict(Household.objects.filter(village__code__startswith=area.prefix, converted_on__year=year,
                                              converted_on__lte=until)
                     .values("village__parent").annotate(n=Count("id")).values_list("village__parent", "n"))
    ids = {place for place in (*targets, *converted) if place is not None}
    townships = Jurisdiction.objects.filter(id__in=ids).order_by("code")
    return HeatingSummary(year, until, [HeatingLine(t, targets.get(t.id) or 0, converted.get(t.id, 0))
                                        for t in townships])


def ranking_parties(area: Jurisdiction) -> tuple[list[Jurisdiction], list[Unit]]:
    """The townships and departments a scorecard ranking of the area compares (those its bureau sees)."""
    townships = list(Jurisdiction.objects.filter(code__startswith=area.prefix, level=Level.TOWNSHIP))
    units = list(Unit.objects.filter(jurisdiction__code__startswith=area.prefix, kind=UnitKind.DEPARTMENT)
                 .select_related("jurisdiction"))
    return townships, units


def area_ranking(*, area: Jurisdiction, period: scorecard.Period, now: datetime | None = None) -> list[scorecard.Card]:
    townships, units = ranking_parties(area)
    return scorecard.scorecards(townships=townships, units=units, period=period, now=now)


def data_used(*, area: Jurisdiction, year: int) -> dict:
    """What a report records of the year's-work rows it was made from."""
    tasks = area_tasks(area, year)
    targets = LetterTarget.objects.filter(letter__in=area_letters(area, year))
    task_rows = tasks.aggregate(count=Count("id"), newest=Max("computed_at"))
    target_rows = targets.aggregate(count=Count("id"), newest=Max("measured_at"))
    newest_task, newest_target = task_rows["newest"], target_rows["newest"]
    return {"year": year, "tasks": task_rows["count"],
            "tasks_computed_at": newest_task.isoformat() if newest_task else None,
            "letter_targets": target_rows["count"],
            "targets_measured_at": newest_target.isoformat() if newest_target else None,
            "households": Household.objects.filter(village__code__startswith=area.prefix).count(),
            "village_targets": VillageHeating.objects.filter(village__code__startswith=area.prefix, year=year).count()}
