"""Alerts become cases: an alert joins the case not yet closed about its site and category, or opens one.

Registered with ``lanqing.alerts.hooks`` from ``CasesConfig.ready()``: alerts, the layer below, call these
without importing cases (docs/architecture.md).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from lanqing import texts
from lanqing.alerts.hooks import CaseHooks
from lanqing.alerts.models import Alert, RuleKind
from lanqing.cases.models import OPEN_STATES, Case, CaseEvent, CaseSource, Category
from lanqing.cases.routing import route_for
from lanqing.cases.selectors import case_about
from lanqing.cases.transitions import CaseError, case_alert_join, case_open
from lanqing.monitoring.models import Site

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
    # Heavy-pollution warnings (lanqing.winter): a cut short of the list is the enterprise's to answer like an
    # exceedance; missing data like a monitoring gap.
    RuleKind.REDUCTION_SHORT: Category.EXCEEDANCE,
    RuleKind.REDUCTION_GAP: Category.OFFLINE,
}


def case_from_alert(alert: Alert, *, by, now: datetime) -> tuple[Case, bool]:
    """The alert joins the case not yet closed about its site and category, or opens one; returns the case
    and whether it is new. One case per problem: an alert that repeats the problem of an open case (another
    factor of the same device, the same section's class again after a short clearance) adds to its timeline."""
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
    site = alert.site
    return case_open(title=alert.message_text or alert.message, category=CATEGORY_OF[alert.rule.kind],
                     source=CaseSource.ALERT, severity=alert.severity, by=by, site=site, alert=alert, now=now,
                     is_demo=alert.is_demo,
                     description=texts.message(texts.gettext_noop("Opened from alert “%(rule)s”, first seen %(time)s."),
                                               rule=alert.rule.name,
                                               time=texts.moment(alert.first_seen_at, precision="datetime")))


def alert_cleared(alert: Alert, *, now: datetime) -> None:
    for case in alert.linked_cases.filter(state__in=OPEN_STATES + ("submitted",)):
        # The verifier sees on the timeline that the data no longer show the problem.
        CaseEvent.objects.create(case=case, at=now, action="alert_cleared", note=alert.message,
                                 note_text=alert.message_text, data={"alert_id": alert.id})


def alert_routed_unit_ids(alert: Alert) -> set[int]:
    """The units an alert is routed to: the lead units of its cases, or the matrix's lead unit for it."""
    leads = set(alert.cases.exclude(lead_unit_id=None).values_list("lead_unit_id", flat=True))
    if leads:
        return leads
    site = alert.site
    route = route_for(category=CATEGORY_OF[alert.rule.kind], jurisdiction=site.jurisdiction,
                      enterprise=site.enterprise, site_kind=site.kind)
    return {route.lead_unit.id} if route.lead_unit is not None else set()


HOOKS = CaseHooks(case_for_alert=case_from_alert, alert_cleared=alert_cleared, refusal=CaseError)
