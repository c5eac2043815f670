"""The deadline clock: a case's deadline from its rule, reminders before it, escalation after it
(overdue → urge → unit leader → county leadership) and the accountability records of missed deadlines."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from lanqing import texts
from lanqing.cases import workdays
from lanqing.cases.models import (
    CLOCK_STATES,
    AccountabilityOutcome,
    AccountabilityRecord,
    Case,
    CaseSource,
    EscalationLevel,
)
from lanqing.cases.recipients import bureau, handlers, leadership, rectifiers, tell, unit_leader
from lanqing.cases.routing import deadline_rule_for
from lanqing.cases.timeline import timeline_add

# Cases whose clock the law sets in calendar days (日), whatever the bureau's working-day rules say: a public
# report is finished within 30 日 of acceptance (Fujian 2018 rule for 12369 reports; specs/supervision.md 1.1).
STATUTORY_DAYS: dict[str, tuple[int, str]] = {
    CaseSource.PUBLIC_REPORT.value: (30, texts.gettext_noop("30 days for a public report (12369 rule)")),
}


def calendar_deadline(start: datetime, days: int) -> datetime:
    """`days` calendar days after start's day (which does not count); a period ending on a rest day ends on the
    next working day (民法典 Arts 201, 203)."""
    day = workdays.local_date(start) + timedelta(days=days)
    while not workdays.is_working_day(day):
        day += timedelta(days=1)
    return workdays.end_of_day(day)


def case_deadline(*, case: Case, start: datetime) -> tuple[datetime, texts.Stored | str]:
    """The deadline its rule gives a case whose clock starts at start, and the basis shown with it."""
    if case.source in STATUTORY_DAYS:
        days, basis_key = STATUTORY_DAYS[case.source]
        return calendar_deadline(start, days), texts.message(basis_key)
    rule = deadline_rule_for(category=case.category, severity=case.severity)
    basis = rule.basis or texts.message(texts.gettext_noop("%(days)d working days (default)"),
                                        days=rule.working_days)
    return workdays.deadline_after(start, rule.working_days), basis


def accountability_resolve(*, case: Case, outcome: str, now: datetime) -> None:
    """Settles the case's open accountability records: closed late, or its deadline extended."""
    for record in AccountabilityRecord.objects.filter(case=case, outcome=AccountabilityOutcome.OPEN):
        record.resolved_at = now
        record.outcome = outcome
        record.working_days_late = workdays.working_days_late(record.deadline_at, now)
        record.highest_escalation = max(record.highest_escalation, case.escalation_level)
        record.save()


@transaction.atomic
def _case_tick(case: Case, now: datetime) -> list[str]:
    case = (Case.objects.select_for_update(of=("self",)).select_related("lead_unit", "jurisdiction", "township")
            .get(id=case.id))
    if case.state not in CLOCK_STATES or case.deadline_at is None:
        return []
    rule = deadline_rule_for(category=case.category, severity=case.severity)
    done: list[str] = []
    if case.deadline_at >= now:
        left = workdays.working_days_left(now, case.deadline_at)
        if case.reminded_at is None and left <= rule.remind_before_days:
            Case.objects.filter(id=case.id).update(reminded_at=now)
            timeline_add(case, by=None, action="reminded", now=now, data={"working_days_left": left})
            tell(handlers(case) + rectifiers(case), case,
                 texts.message(texts.gettext_noop("Reminder: case %(number)s is due on %(deadline)s"),
                               number=case.number, deadline=texts.moment(case.deadline_at, precision="date")),
                 now=now)
            done.append("reminded")
        return done
    late = workdays.working_days_late(case.deadline_at, now)
    level = EscalationLevel.URGED
    if late >= rule.leadership_after_days:
        level = EscalationLevel.LEADERSHIP
    elif late >= rule.unit_leader_after_days:
        level = EscalationLevel.UNIT_LEADER
    record, _created = AccountabilityRecord.objects.get_or_create(
        case=case, deadline_at=case.deadline_at,
        defaults={"unit": case.lead_unit, "township": case.township, "enterprise": case.enterprise,
                  "recorded_at": now})
    AccountabilityRecord.objects.filter(id=record.id).update(working_days_late=late,
                                                             highest_escalation=max(level, record.highest_escalation))
    # Each level is reached once; a worker that runs every few minutes does not repeat the notices.
    for step in range(case.escalation_level + 1, level + 1):
        if step == EscalationLevel.URGED:
            users, title = (handlers(case) + rectifiers(case),
                            texts.gettext_noop("Overdue: case %(number)s passed its deadline"))
        elif step == EscalationLevel.UNIT_LEADER:
            users, title = unit_leader(case), texts.gettext_noop("Escalated to the unit's leader: case %(number)s")
        else:
            users, title = (leadership(case) + bureau(),
                            texts.gettext_noop("Escalated to county leadership: case %(number)s"))
        leader = case.lead_unit.leader_name if case.lead_unit else ""
        timeline_add(case, by=None, action=f"escalated_{step}", now=now, data={
            "level": step, "working_days_late": late, "unit": case.lead_unit.name if case.lead_unit else None,
            "leader": leader})
        tell(users, case, texts.message(title, number=case.number), texts.message(
            texts.gettext_noop("%(days)d working day(s) past the deadline. Lead unit: %(unit)s %(leader)s"),
            days=late, unit=case.lead_unit.name if case.lead_unit else "—", leader=leader), now=now)
        done.append(f"escalated_{step}")
    if level > case.escalation_level:
        Case.objects.filter(id=case.id).update(escalation_level=level, updated_at=now)
    return done


def cases_deadlines_check(*, now: datetime | None = None) -> dict[str, int]:
    """Reminders before deadlines; overdue → urge → unit leader → county leadership; accountability records."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    horizon = now + timedelta(days=31)
    for case in Case.objects.filter(state__in=CLOCK_STATES, deadline_at__lte=horizon).only("id"):
        for step in _case_tick(case, now):
            counts[step] = counts.get(step, 0) + 1
    return counts


