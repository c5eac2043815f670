from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from lanqing.alerts.models import Alert, AlertStatus, RuleKind, Severity
from lanqing.alerts.services import (
    AlertError,
    AlertForbidden,
    alert_acknowledge,
    alert_for_user,
    alert_open_case,
    alerts_visible_to,
)
from lanqing.monitoring.selectors import sites_visible_to
from lanqing.org import access
from lanqing.org.requests import SignedInRequest
from lanqing.ui.tables import paginate, wants_export, xlsx_response

CLOSED = "closed"  # the state of a closed case, as alert_open_case reads it


@login_required
def alert_list(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "alert.view")
    alerts = alerts_visible_to(request.user)
    one = request.GET.get("id", "")
    # A link to one alert (from its case) finds it whatever its state: active, cleared or closed.
    status = request.GET.get("status", "all" if one else AlertStatus.ACTIVE)
    if one.isdigit():
        alerts = alerts.filter(id=int(one))
    if status in AlertStatus.values:
        alerts = alerts.filter(status=status)
    severity = request.GET.get("severity", "")
    if severity in Severity.values:
        alerts = alerts.filter(severity=severity)
    kind = request.GET.get("kind", "")
    if kind in RuleKind.values:
        alerts = alerts.filter(rule__kind=kind)
    query = request.GET.get("q", "").strip()
    if query:
        alerts = alerts.filter(Q(message__icontains=query) | Q(site__name__icontains=query))
    if wants_export(request):
        return xlsx_response(
            filename=_("alerts"),
            headers=[_("Rule"), _("Site"), _("Message"), _("Severity"), _("Status"), _("First seen"),
                     _("Last seen"), _("Times seen"), _("Worst value"), _("Acknowledged by"),
                     pgettext("export column: when the alert cleared", "Cleared")],
            rows=([a.rule.name, a.site.name, a.display_message, a.get_severity_display(), a.get_status_display(),
                   a.first_seen_at, a.last_seen_at, a.count,
                   None if a.worst_value is None else round(a.worst_value, 3),
                   a.acknowledged_by.username if a.acknowledged_by else "", a.cleared_at] for a in alerts))
    page = paginate(request, alerts)
    page.object_list = alerts_on_page = list(page.object_list)
    can_open_case = access.may(request.user, "alert.open_case")
    seen_sites = set(sites_visible_to(request.user).filter(id__in={a.site_id for a in alerts_on_page})
                     .values_list("id", flat=True))
    seen_cases, open_case_alerts = _cases_of(request.user, alerts_on_page)
    rows = [AlertRow(alert=a, site_visible=a.site_id in seen_sites, case=seen_cases.get(a.id),
                     # Offered only where the service would open one: no open case is linked to the alert yet.
                     case_openable=can_open_case and a.id not in open_case_alerts) for a in alerts_on_page]
    return render(request, "alerts/list.html", {
        "page": page, "rows": rows, "one": one,
        # The buttons each alert offers; its service decides again when one is pressed.
        "acknowledgeable": access.objects_permitted(request.user, "alert.acknowledge", alerts_on_page),
        "status": status, "statuses": AlertStatus.choices,
        "severity": severity, "severities": Severity.choices, "query": query,
        "kind": kind, "kinds": RuleKind.choices,
    })


@login_required
@require_POST
def acknowledge(request: SignedInRequest, alert_id: int) -> HttpResponse:
    alert = alert_for_user(request.user, alert_id)
    try:
        alert_acknowledge(alert=alert, by=request.user)
    except AlertForbidden:
        raise
    except AlertError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Alert acknowledged."))
    return redirect(request.POST.get("next", "") if str(request.POST.get("next", "")).startswith("/alerts/")
                    else "alerts:list")


@login_required
@require_POST
def open_case(request: SignedInRequest, alert_id: int) -> HttpResponse:
    alert = alert_for_user(request.user, alert_id)
    try:
        case = alert_open_case(alert=alert, by=request.user)
    except AlertForbidden:
        raise
    except AlertError as refusal:
        messages.error(request, str(refusal))
        return redirect("alerts:list")
    messages.success(request, _("Case %(number)s opened from the alert.") % {"number": case.number})
    return redirect("cases:detail", case_id=case.id)


@dataclass(frozen=True)
class AlertRow:
    alert: Alert
    site_visible: bool
    case: Any  # a lanqing.cases Case: cases sit above alerts, which read them through Alert.linked_cases only
    case_openable: bool


def _cases_of(user: User, alerts: list[Alert]) -> tuple[dict[int, Any], set[int]]:
    """The case the user sees for each alert (an open one before a closed one, the latest first), and the
    alerts that have a case not yet closed, seen by the user or not (the service opens no second one)."""
    case_model: Any = Alert._meta.get_field("linked_cases").related_model
    cases = case_model._default_manager.filter(alert__in=alerts)
    open_case_alerts = set(cases.exclude(state=CLOSED).values_list("alert_id", flat=True))
    seen: dict[int, Any] = {}
    for case in access.visible(user, cases).order_by("-created_at"):
        current = seen.get(case.alert_id)
        if current is None or (current.state == CLOSED and case.state != CLOSED):
            seen[case.alert_id] = case
    return seen, open_case_alerts
