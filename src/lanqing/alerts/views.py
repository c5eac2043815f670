from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lanqing.alerts.models import AlertStatus, RuleKind, Severity
from lanqing.alerts.services import (
    AlertError,
    AlertForbidden,
    alert_acknowledge,
    alert_for_user,
    alert_open_case,
    alerts_visible_to,
)
from lanqing.org import access
from lanqing.org.requests import SignedInRequest
from lanqing.ui.tables import paginate, wants_export, xlsx_response


@login_required
def alert_list(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "alert.view")
    alerts = alerts_visible_to(request.user)
    status = request.GET.get("status", AlertStatus.ACTIVE)
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
                     _("Last seen"), _("Times seen"), _("Worst value"), _("Acknowledged by"), _("Cleared")],
            rows=([a.rule.name, a.site.name, a.display_message, a.get_severity_display(), a.get_status_display(),
                   a.first_seen_at, a.last_seen_at, a.count, a.worst_value,
                   a.acknowledged_by.username if a.acknowledged_by else "", a.cleared_at] for a in alerts))
    page = paginate(request, alerts)
    page.object_list = alerts_on_page = list(page.object_list)
    return render(request, "alerts/list.html", {
        "page": page,
        # The buttons each alert offers; its service decides again when one is pressed.
        "acknowledgeable": access.objects_permitted(request.user, "alert.acknowledge", alerts_on_page), "status": status, "statuses": AlertStatus.choices,
        "severity": severity, "severities": Severity.choices, "query": query,
        "kind": kind, "kinds": RuleKind.choices,
        "can_open_case": access.may(request.user, "alert.open_case"),
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
    return redirect("cases:detail", case_id=case.id)
