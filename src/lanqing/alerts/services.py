"""Alert life cycle: evaluate rules, open or update one alert per (rule, source), clear it when the cause ends."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lanqing.alerts.models import Alert, AlertRule, AlertStatus, RuleKind
from lanqing.alerts.rules import CHECKS, Finding, Result
from lanqing.cases.models import OPEN_STATES, Case, CaseEvent, CaseSource, Category
from lanqing.monitoring.models import Measurement, Period, Site
from lanqing.org import scope
from lanqing.org.models import Role

log = logging.getLogger(__name__)

CATEGORY_OF: dict[str, str] = {
    RuleKind.EXCEEDANCE: Category.EXCEEDANCE,
    RuleKind.DEVICE_OFFLINE: Category.OFFLINE,
    RuleKind.FACTOR_GAP: Category.OFFLINE,
    RuleKind.CONSTANT: Category.DATA_ANOMALY,
    RuleKind.NON_POSITIVE: Category.DATA_ANOMALY,
    RuleKind.JUMP: Category.DATA_ANOMALY,
    RuleKind.FLAG: Category.DATA_ANOMALY,
    RuleKind.AQI: Category.AIR_QUALITY,
    RuleKind.WATER_CLASS: Category.WATER_QUALITY,
}
# For these kinds a lower value is the worse one.
LOWER_IS_WORSE: set[str] = {RuleKind.NON_POSITIVE}


class AlertError(Exception):
    pass


@dataclass
class EvaluationCount:
    opened: int = 0
    repeated: int = 0
    cleared: int = 0
    cases: int = 0


def alerts_evaluate(*, since: datetime | None = None, now: datetime | None = None) -> EvaluationCount:
    """Evaluates every active rule. With `since`, measurement rules look only at points that have values from
    `since` on (the receiver passes the time of the oldest new value); the schedule calls it without."""
    now = now or timezone.now()
    points = None
    if since is not None:
        points = set(Measurement.objects.filter(period__in=[Period.HOUR, Period.DAY], time__gte=since)
                     .values_list("point_id", flat=True).distinct())
    count = EvaluationCount()
    for rule in AlertRule.objects.filter(is_active=True):
        try:
            result = CHECKS[rule.kind](rule, now=now, points=points)
        except Exception:  # noqa: BLE001 - one broken rule must not stop the others
            log.exception("alert rule %s (%s) failed", rule.id, rule.kind)
            continue
        alerts_apply(rule=rule, result=result, now=now, count=count)
    return count


def alerts_apply(*, rule: AlertRule, result: Result, now: datetime, count: EvaluationCount | None = None
                 ) -> EvaluationCount:
    count = count or EvaluationCount()
    found = set()
    for finding in result.findings:
        found.add(finding.source_key)
        alert, created = _alert_raise(rule, finding, now)
        if created:
            count.opened += 1
            if rule.creates_case and _case_from_alert(alert, by=None, now=now)[1]:
                count.cases += 1
        else:
            count.repeated += 1
    stale = Alert.objects.filter(rule=rule, status=AlertStatus.ACTIVE).exclude(source_key__in=found)
    if result.points is not None:
        stale = stale.filter(point_id__in=result.points)
    for alert in stale:
        if _alert_clear(alert, now):
            count.cleared += 1
    return count


def _worse(rule: AlertRule, old: float | None, new: float | None) -> float | None:
    if old is None or new is None:
        return new if old is None else old
    return min(old, new) if rule.kind in LOWER_IS_WORSE else max(old, new)


def _alert_raise(rule: AlertRule, finding: Finding, now: datetime) -> tuple[Alert, bool]:
    with transaction.atomic():
        alert = (Alert.objects.select_for_update()
                 .filter(rule=rule, source_key=finding.source_key, status=AlertStatus.ACTIVE).first())
        if alert is None:
            try:
                with transaction.atomic():
                    alert = Alert.objects.create(
                        rule=rule, source_key=finding.source_key, site_id=finding.site_id,
                        point_id=finding.point_id, device_id=finding.device_id, factor_id=finding.factor_id,
                        severity=rule.severity, message=finding.message[:300], first_seen_at=now,
                        last_seen_at=now, last_value=finding.value, worst_value=finding.value,
                        limit_value=finding.limit)
                return alert, True
            except IntegrityError:
                # Another worker raised the same alert a moment ago: repeat it instead.
                alert = Alert.objects.select_for_update().get(rule=rule, source_key=finding.source_key,
                                                              status=AlertStatus.ACTIVE)
        if alert.last_seen_at >= now:
            return alert, False  # the same evaluation moment seen twice changes nothing
        alert.count += 1
        alert.last_seen_at = now
        alert.last_value = finding.value
        alert.worst_value = _worse(rule, alert.worst_value, finding.value)
        alert.message = finding.message[:300]
        alert.limit_value = finding.limit
        alert.save(update_fields=["count", "last_seen_at", "last_value", "worst_value", "message", "limit_value"])
        return alert, False


@transaction.atomic
def _alert_clear(alert: Alert, now: datetime) -> bool:
    won = Alert.objects.filter(id=alert.id, status=AlertStatus.ACTIVE).update(status=AlertStatus.CLEARED,
                                                                              cleared_at=now)
    if not won:
        return False
    for case in alert.linked_cases.filter(state__in=OPEN_STATES + ("submitted",)):
        # The verifier sees on the timeline that the data no longer show the problem.
        CaseEvent.objects.create(case=case, at=now, action="alert_cleared", note=alert.message,
                                 data={"alert_id": alert.id})
    return True


def _case_from_alert(alert: Alert, *, by, now: datetime) -> tuple[Case, bool]:
    """The alert joins the case not yet closed about its site and category, or opens one; returns the case
    and whether it is new. One case per problem: an alert that repeats the problem of an open case (another
    factor of the same device, the same section's class again after a short clearance) adds to its timeline."""
    from lanqing.cases.services import case_about, case_alert_join

    site = alert.site
    with transaction.atomic():
        # Two workers raising alerts about one site at once would each find no case and open one; the row
        # lock on the site makes the second wait and find the first one's case (PostgreSQL; SQLite transactions
        # here begin IMMEDIATE, one writer at a time).
        list(Site.objects.select_for_update().filter(id=site.id).values_list("id", flat=True))
        case = case_about(site=site, category=CATEGORY_OF[alert.rule.kind])
        if case is not None:
            return case_alert_join(case=case, alert=alert, by=by, now=now), False
        return _case_open_from_alert(alert, by=by, now=now), True


def _case_open_from_alert(alert: Alert, *, by, now: datetime) -> Case:
    from lanqing.cases.services import case_open

    site = alert.site
    return case_open(title=alert.message, category=CATEGORY_OF[alert.rule.kind], source=CaseSource.ALERT,
                     severity=alert.severity, by=by, site=site, alert=alert, now=now, is_demo=alert.is_demo,
                     description=_("Opened from alert “%(rule)s”, first seen %(time)s.") % {
                         "rule": alert.rule.name, "time": f"{timezone.localtime(alert.first_seen_at):%Y-%m-%d %H:%M}"})


# --- user actions ------------------------------------------------------------------------------------------------

def alerts_visible_to(user):
    return scope.visible(user, Alert.objects.select_related("rule", "site", "factor", "acknowledged_by"))


def alert_for_user(user, alert_id) -> Alert:
    return scope.get_visible(user, alerts_visible_to(user), id=alert_id)


def can_acknowledge(user) -> bool:
    return scope.role_of(user) in (Role.BUREAU, Role.TOWNSHIP, Role.GRID_OFFICER, Role.ENTERPRISE, Role.UNIT)


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by, now: datetime | None = None) -> Alert:
    now = now or timezone.now()
    if not can_acknowledge(by) or not alerts_visible_to(by).filter(id=alert.id).exists():
        raise AlertError(_("Your role may not acknowledge alerts."))
    won = Alert.objects.filter(id=alert.id, acknowledged_at__isnull=True).update(acknowledged_by=by,
                                                                                 acknowledged_at=now)
    if not won:
        raise AlertError(_("This alert has already been acknowledged."))
    alert.acknowledged_by, alert.acknowledged_at = by, now
    return alert


@transaction.atomic
def alert_open_case(*, alert: Alert, by, now: datetime | None = None):
    """The bureau turns an alert into a case by hand (rules that do not open cases themselves)."""
    from lanqing.cases.services import CaseError

    now = now or timezone.now()
    if scope.role_of(by) != Role.BUREAU or not alerts_visible_to(by).filter(id=alert.id).exists():
        raise AlertError(_("Only the bureau opens cases from alerts."))
    if alert.linked_cases.exclude(state="closed").exists():
        raise AlertError(_("This alert already has an open case."))
    try:
        return _case_from_alert(alert, by=by, now=now)[0]
    except CaseError as error:
        raise AlertError(str(error)) from None
