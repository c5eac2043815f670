"""Scorecards (考核) of townships and units, monthly or yearly, from records already in lanqing.

Each indicator is a share from 0 to 1 with the records it came from: cases due in the period closed by their
deadline; the mean completion of the year's key tasks naming the party; the signed targets met among those
with a figure; households converted against the villages' targets (townships). The score is the weighted mean
of the indicators the party has, on 100 points (an indicator without records neither helps nor hurts), less the
points per working day overdue that the accountability records count in the period. Weights are the bureau's
per year (ScoreWeight); DEFAULT_WEIGHTS apply until it sets its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.utils import timezone

from lanqing.cases.models import AccountabilityRecord, Case
from lanqing.org.models import Jurisdiction, Unit
from lanqing.yearwork.models import Household, Indicator, LetterTarget, ScoreWeight, Task, VillageHeating

DEFAULT_WEIGHTS: dict[str, Decimal] = {Indicator.CASES_ON_TIME: Decimal(30), Indicator.TASK_COMPLETION: Decimal(30),
                   Indicator.TARGETS_MET: Decimal(25), Indicator.HEATING_PROGRESS: Decimal(15),
                   Indicator.OVERDUE_DAYS: Decimal("0.5")}
# Deductions for overdue days stop here, so one bad case cannot outweigh a year's work on every other indicator.
MAX_DEDUCTION = Decimal(20)
POINTS = Decimal("0.1")


def weights_for(year: int) -> dict[str, Decimal]:
    weights = dict(DEFAULT_WEIGHTS)
    weights.update({row.indicator: row.weight for row in ScoreWeight.objects.filter(year=year)})
    return weights


def weights_set(*, year: int, weights: dict[str, Decimal]) -> None:
    for indicator, weight in weights.items():
        if indicator not in Indicator.values or weight < 0:
            raise ValueError(indicator)
        ScoreWeight.objects.update_or_create(year=year, indicator=indicator, defaults={"weight": weight})


@dataclass(frozen=True)
class Period:
    year: int
    month: int | None = None

    @property
    def start(self) -> datetime:
        return datetime.combine(date(self.year, self.month or 1, 1), time(), timezone.get_default_timezone())

    @property
    def end(self) -> datetime:
        if self.month is None or self.month == 12:
            following = date(self.year + 1, 1, 1)
        else:
            following = date(self.year, self.month + 1, 1)
        return datetime.combine(following, time(), timezone.get_default_timezone())


@dataclass
class Party:
    """A township or a unit; `kind` names which, for links and filters."""

    kind: str
    obj: Jurisdiction | Unit

    @property
    def name(self) -> str:
        return self.obj.name


@dataclass
class Line:
    indicator: str
    share: Decimal | None
    numerator: Decimal
    denominator: Decimal
    weight: Decimal


@dataclass
class Card:
    party: Party
    lines: list[Line] = field(default_factory=list)
    overdue_days: int = 0
    deduction: Decimal = Decimal(0)
    score: Decimal | None = None
    rank: int | None = None


# --- the records behind each indicator ----------------------------------------------------------------------------

def cases_due(party: Party, period: Period, now: datetime) -> QuerySet[Case]:
    owner = Q(township=party.obj) if party.kind == "township" else Q(lead_unit=party.obj)
    return Case.objects.filter(owner, deadline_at__gte=period.start, deadline_at__lt=min(period.end, now))


def on_time(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.filter(closed_at__isnull=False, closed_at__lte=F("deadline_at"))


def tasks_of(party: Party, period: Period) -> QuerySet[Task]:
    owner = Q(townships=party.obj) if party.kind == "township" else Q(lead_unit=party.obj)
    return Task.objects.filter(owner, plan__year=period.year).distinct()


def letter_targets_of(party: Party, period: Period) -> QuerySet[LetterTarget]:
    owner = Q(letter__township=party.obj) if party.kind == "township" else Q(letter__unit=party.obj)
    return LetterTarget.objects.filter(owner, letter__year=period.year, measured__isnull=False)


def overdue_records(party: Party, period: Period) -> QuerySet[AccountabilityRecord]:
    owner = Q(township=party.obj) if party.kind == "township" else Q(unit=party.obj)
    return AccountabilityRecord.objects.filter(owner, deadline_at__gte=period.start, deadline_at__lt=period.end)


def _share(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    return None if not denominator else min(numerator / denominator, Decimal(1))


@dataclass
class Counts:
    """The records behind a party's indicators in a period."""

    cases: int = 0
    cases_on_time: int = 0
    tasks: int = 0
    task_mean: float | Decimal | None = None  # mean completion of the tasks
    targets: int = 0
    targets_met: int = 0
    heating_goal: int | None = None  # townships only
    converted: int = 0
    overdue_days: int = 0


def counts_of(party: Party, period: Period, *, now: datetime) -> Counts:
    due = cases_due(party, period, now)
    tasks = tasks_of(party, period)
    targets = list(letter_targets_of(party, period))
    counts = Counts(cases=due.count(), cases_on_time=on_time(due).count(), tasks=tasks.count(),
                    task_mean=Task.objects.filter(id__in=tasks.values("id")).aggregate(mean=Avg("completion"))["mean"],
                    targets=len(targets), targets_met=sum(1 for t in targets if t.met),
                    overdue_days=overdue_records(party, period).aggregate(days=Sum("working_days_late"))["days"] or 0)
    if isinstance(party.obj, Jurisdiction):
        counts.heating_goal = VillageHeating.objects.filter(village__parent=party.obj, year=period.year).aggregate(
            total=Sum("households_target"))["total"] or 0
        counts.converted = Household.objects.filter(township=party.obj, converted_on__gte=period.start.date(),
                                                    converted_on__lt=period.end.date()).count()
    return counts


def counts_of_all(kind: str, parties: list, period: Period, *, now: datetime) -> dict[int, Counts]:
    """`counts_of` of every township (kind "township") or unit of `parties`, a few grouped queries in all."""
    township = kind == "township"
    counts = {party.id: Counts(heating_goal=0 if township else None) for party in parties}
    if not parties:
        return counts
    owner = "township" if township else "lead_unit"
    cases = Case.objects.filter(**{f"{owner}__in": parties}, deadline_at__gte=period.start,
                                deadline_at__lt=min(period.end, now))
    for row in cases.values(owner).annotate(total=Count("id"), timely=Count("id", filter=Q(
            closed_at__isnull=False, closed_at__lte=F("deadline_at")))):
        counts[row[owner]].cases, counts[row[owner]].cases_on_time = row["total"], row["timely"]
    task_owner = "townships" if township else "lead_unit"
    for row in Task.objects.filter(**{f"{task_owner}__in": parties}, plan__year=period.year).values(
            task_owner).annotate(total=Count("id", distinct=True), mean=Avg("completion")):
        counts[row[task_owner]].tasks, counts[row[task_owner]].task_mean = row["total"], row["mean"]
    letter_owner = "letter__township" if township else "letter__unit"
    for target in LetterTarget.objects.filter(**{f"{letter_owner}__in": parties}, letter__year=period.year,
                                              measured__isnull=False).annotate(owner=F(letter_owner)):
        counts[target.owner].targets += 1
        counts[target.owner].targets_met += 1 if target.met else 0
    record_owner = "township" if township else "unit"
    for row in AccountabilityRecord.objects.filter(**{f"{record_owner}__in": parties}, deadline_at__gte=period.start,
                                                   deadline_at__lt=period.end).values(record_owner).annotate(
            days=Sum("working_days_late")):
        counts[row[record_owner]].overdue_days = row["days"] or 0
    if township:
        for row in VillageHeating.objects.filter(village__parent__in=parties, year=period.year).values(
                "village__parent").annotate(total=Sum("households_target")):
            counts[row["village__parent"]].heating_goal = row["total"] or 0
        for row in Household.objects.filter(township__in=parties, converted_on__gte=period.start.date(),
                                            converted_on__lt=period.end.date()).values("township").annotate(
                total=Count("id")):
            counts[row["township"]].converted = row["total"]
    return counts


def card_for(party: Party, period: Period, *, weights: dict[str, Decimal], now: datetime,
             counts: Counts | None = None) -> Card:
    """The party's card (`counts`: its records' counts, when the caller has them already)."""
    counts = counts or counts_of(party, period, now=now)
    card = Card(party)
    total, timely = Decimal(counts.cases), Decimal(counts.cases_on_time)
    card.lines.append(Line(Indicator.CASES_ON_TIME, _share(timely, total), timely, total,
                           weights[Indicator.CASES_ON_TIME]))
    count = Decimal(counts.tasks)
    completion = Decimal(str(counts.task_mean)) * count if counts.task_mean is not None else Decimal(0)
    card.lines.append(Line(Indicator.TASK_COMPLETION, _share(completion, count), completion, count,
                           weights[Indicator.TASK_COMPLETION]))
    met, targets = Decimal(counts.targets_met), Decimal(counts.targets)
    card.lines.append(Line(Indicator.TARGETS_MET, _share(met, targets), met, targets,
                           weights[Indicator.TARGETS_MET]))
    if isinstance(party.obj, Jurisdiction):
        done, goal = Decimal(counts.converted), Decimal(counts.heating_goal or 0)
        card.lines.append(Line(Indicator.HEATING_PROGRESS, _share(done, goal), done, goal,
                               weights[Indicator.HEATING_PROGRESS]))
    card.overdue_days = counts.overdue_days
    card.deduction = min(weights[Indicator.OVERDUE_DAYS] * card.overdue_days, MAX_DEDUCTION)
    counted = [line for line in card.lines if line.share is not None and line.weight > 0]
    total_weight = sum((line.weight for line in counted), Decimal(0))
    if total_weight:
        points = sum((line.share * line.weight for line in counted if line.share is not None), Decimal(0))
        card.score = max(points / total_weight * 100 - card.deduction, Decimal(0)).quantize(POINTS)
    return card


def scorecards(*, townships: list[Jurisdiction], units: list[Unit], period: Period,
               now: datetime | None = None) -> list[Card]:
    """Every party's card, ranked by score (equal scores share a rank; parties without a score come last)."""
    now = now or timezone.now()
    weights = weights_for(period.year)
    # Counted for all parties at once: a county's 15 parties by one query each took 120 queries a period.
    by_township = counts_of_all("township", townships, period, now=now)
    by_unit = counts_of_all("unit", units, period, now=now)
    cards = [card_for(Party("township", t), period, weights=weights, now=now, counts=by_township[t.id])
             for t in townships]
    cards += [card_for(Party("unit", u), period, weights=weights, now=now, counts=by_unit[u.id]) for u in units]
    cards.sort(key=lambda c: (c.score is None, -(c.score or 0), c.party.name))
    previous: Decimal | None = None
    for position, card in enumerate(cards, start=1):
        if card.score is None:
            continue
        card.rank = cards[position - 2].rank if previous == card.score and position > 1 else position
        previous = card.score
    return cards
