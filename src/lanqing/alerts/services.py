"""Alert life cycle: evaluate rules, open or update one alert per (rule, source), clear it when the cause ends."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from lanqing import texts
from lanqing.alerts.exceedances import values_judge
from lanqing.alerts.models import Alert, AlertRule, AlertStatus, RuleKind
from lanqing.alerts.rules import CHECKS, Finding, Result
from lanqing.cases.models import OPEN_STATES, Case, CaseEvent, CaseSource, Category
from lanqing.monitoring.models import Site
from lanqing.org import access

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
    RuleKind.PASSWORD: Category.OTHER,
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


def alerts_evaluate(*, new_only: bool = False, now: datetime | None = None) -> EvaluationCount:
    """Judges the values stored since the last pass (alerts.exceedances), then evaluates every active rule.
    With `new_only` (the job the writers queue), measurement rules look only at the points of those values,
    and nothing is evaluated when there were none; the schedule calls it without, for every source."""
    now = now or timezone.now()
    judged = values_judge(now=now)
    points = None
    if new_only:
        if not judged.points:
            return EvaluationCount()  # another pass took them
        points = judged.points
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
                    message, message_text = texts.split(finding.message)
                alert = Alert.objects.create(
                        rule=rule, source_key=finding.source_key, site_id=finding.site_id,
                        point_id=finding.point_id, device_id=finding.device_id, factor_id=finding.factor_id,
                        severity=rule.severity, message=message[:300], message_text=message_text, first_seen_at=now,
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
        message, alert.message_text = texts.split(finding.message)
        alert.message = message[:300]
        alert.limit_value = finding.limit
        alert.save(update_fields=["count", "last_seen_at", "last_value", "worst_value", "message", "message_text",
                                  "limit_value"])
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
                                 note_text=alert.message_text, data={"alert_id": alert.id})
    return True


def _case_from_alert(alert: Alert, *, by, now: datetime) -> tuple[Case, bool]:
    """The alert joins the case not yet closed about its site and category, or opens one; returns the case
    and whether it is new. One case per problem: an alert that repeats the problem of an open case (another
    factor of the same device, the same section's class again after a short clearance) adds to its timeline."""
    from lanqing.cases.selectors import case_about
    from lanqing.cases.transitions import case_alert_join

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
    from lanqing.cases.transitions import case_open

    site = alert.site
    return case_open(title=alert.message_text or alert.message, category=CATEGORY_OF[alert.rule.kind],
                     source=CaseSource.ALERT, severity=alert.severity, by=by, site=site, alert=alert, now=now,
                     is_demo=alert.is_demo,
                     description=texts.message(texts.gettext_noop("Opened from alert “%(rule)s”, first seen %(time)s."),
                                               rule=alert.rule.name,
                                               time=texts.moment(alert.first_seen_at, precision="datetime")))


# --- user actions ------------------------------------------------------------------------------------------------

def alerts_visible_to(user):
    return access.visible(user, Alert.objects.select_related("rule", "site", "factor", "acknowledged_by"))


def alert_for_user(user, alert_id) -> Alert:
    return access.get_visible(user, alerts_visible_to(user), id=alert_id)


def alert_routed_unit_ids(alert: Alert) -> set[int]:
    """The units an alert is routed to: the lead units of its cases, or the matrix's lead unit for it."""
    leads = set(alert.cases.exclude(lead_unit_id=None).values_list("lead_unit_id", flat=True))
    if leads:
        return leads
    from lanqing.cases.routing import route_for

    site = alert.site
    route = route_for(category=CATEGORY_OF[alert.rule.kind], jurisdiction=site.jurisdiction,
                      enterprise=site.enterprise, site_kind=site.kind)
    return {route.lead_unit.id} if route.lead_unit is not None else set()


class AlertForbidden(AlertError, access.Forbidden):
    """A visible alert the user's duty does not cover (HTTP 403)."""


class AlertHidden(AlertError, Http404):
    """An alert the user may not see: answered like one that does not exist (HTTP 404)."""


def _require(user, action: str, alert: Alert, refusal: str) -> None:
    try:
        access.require(user, action, alert)
    except access.Forbidden:
        raise AlertForbidden(refusal) from None
    except Http404:
        raise AlertHidden(_("No such alert.")) from None


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by, now: datetime | None = None) -> Alert:
    now = now or timezone.now()
    _require(by, "alert.acknowledge", alert, _("Your role may not acknowledge this alert."))
    won = Alert.objects.filter(id=alert.id, acknowledged_at__isnull=True).update(acknowledged_by=by,
                                                                                 acknowledged_at=now)
    if not won:
        raise AlertError(_("This alert has already been acknowledged."))
    alert.acknowledged_by, alert.acknowledged_at = by, now
    return alert


@transaction.atomic
def alert_open_case(*, alert: Alert, by, now: datetime | None = None):
    """The bureau turns an alert into a case by hand (rules that do not open cases themselves)."""
    from lanqing.cases.transitions import CaseError

    now = now or timezone.now()
    _require(by, "alert.open_case", alert, _("Only the bureau opens cases from alerts."))
    if alert.linked_cases.exclude(state="closed").exists():
        raise AlertError(_("This alert already has an open case."))
    try:
        return _case_from_alert(alert, by=by, now=now)[0]
    except CaseError as error:
        raise AlertError(str(error)) from None
