"""Staff pages of public reports: the list, a report with its reporter's contact (for those allowed), probable
duplicates, the bureau's acceptance or refusal, and replies to the reporter or internal notes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lanqing.org import access
from lanqing.public import forms
from lanqing.public.models import Decision, ReporterContact
from lanqing.public.selectors import STATUS_LABELS, report_status, reports_visible_to
from lanqing.public.services import ReportError, report_accept, report_moderate, report_refuse, report_reply
from lanqing.ui.tables import paginate


@login_required
def report_list(request):
    access.require(request.user, "complaint.view")
    reports = reports_visible_to(request.user)
    decision = request.GET.get("decision", "")
    if decision in Decision.values:
        reports = reports.filter(decision=decision)
    show_hidden = request.GET.get("hidden") == "1"
    reports = reports.filter(hidden=show_hidden)
    page = paginate(request, reports.order_by("-submitted_at", "-id"))
    rows = [(report, STATUS_LABELS[report_status(report)]) for report in page]
    return render(request, "public/staff_list.html", {
        "page": page, "rows": rows, "decision": decision, "decisions": Decision.choices, "now": timezone.now(),
        "show_hidden": show_hidden})


def _detail(request, report, **extra):
    user = request.user
    contact = None
    if access.may(user, "complaint.contact", report):
        contact = ReporterContact.objects.filter(report=report).first()
    duplicates = reports_visible_to(user).filter(id__in=report.probable_duplicates.values("id"))
    can_decide = report.decision == Decision.PENDING and access.may(user, "complaint.decide", report)
    case = report.case
    return {
        "report": report, "case": case, "status": STATUS_LABELS[report_status(report)], "contact": contact,
        "may_contact": access.may(user, "complaint.contact", report), "duplicates": duplicates,
        "photos": case.evidence.filter(event__action="opened"),
        "events": case.events.select_related("actor").order_by("at", "id"),
        "can_decide": can_decide, "can_reply": access.may(user, "complaint.reply", report),
        "can_moderate": access.may(user, "complaint.moderate", report),
        "moderations": report.moderations.select_related("by"),
        "moderate_form": extra.pop("moderate_form", forms.ModerateForm()),
        "refuse_form": extra.pop("refuse_form", forms.RefuseForm()),
        "reply_form": extra.pop("reply_form", forms.ReplyForm()), "now": timezone.now(), **extra,
    }


@login_required
def report_detail(request, complaint_id: int):
    report = access.get_visible(request.user, reports_visible_to(request.user), id=complaint_id)
    access.require(request.user, "complaint.view", report)
    return render(request, "public/staff_detail.html", _detail(request, report))


def _act(request, complaint_id: int, action: str):
    report = access.get_visible(request.user, reports_visible_to(request.user), id=complaint_id)
    access.require(request.user, action, report)
    return report


@login_required
@require_POST
def accept(request, complaint_id: int):
    report = _act(request, complaint_id, "complaint.decide")
    try:
        report_accept(report=report, by=request.user)
    except ReportError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The report was accepted; the reporter sees it on the tracking page."))
    return redirect("complaints:detail", complaint_id=report.id)


@login_required
@require_POST
def refuse(request, complaint_id: int):
    report = _act(request, complaint_id, "complaint.decide")
    form = forms.RefuseForm(request.POST)
    if form.is_valid():
        try:
            report_refuse(report=report, by=request.user, reason=form.cleaned_data["reason"],
                          note=form.cleaned_data["note"])
        except ReportError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The report was not accepted; the reporter sees the reason."))
            return redirect("complaints:detail", complaint_id=report.id)
    return render(request, "public/staff_detail.html", _detail(request, report, refuse_form=form), status=400)


@login_required
@require_POST
def reply(request, complaint_id: int):
    report = _act(request, complaint_id, "complaint.reply")
    form = forms.ReplyForm(request.POST)
    if form.is_valid():
        try:
            report_reply(report=report, by=request.user, text=form.cleaned_data["text"],
                         public=form.cleaned_data["public"])
        except ReportError as error:
            form.add_error(None, str(error))
        else:
            return redirect("complaints:detail", complaint_id=report.id)
    return render(request, "public/staff_detail.html", _detail(request, report, reply_form=form), status=400)


@login_required
@require_POST
def moderate(request, complaint_id: int):
    report = _act(request, complaint_id, "complaint.moderate")
    form = forms.ModerateForm(request.POST)
    if form.is_valid():
        try:
            report_moderate(report=report, by=request.user, kind=form.cleaned_data["kind"],
                            reason=form.cleaned_data["reason"], text=form.cleaned_data["text"])
        except ReportError as error:
            form.add_error(None, str(error))
        else:
            return redirect("complaints:detail", complaint_id=report.id)
    return render(request, "public/staff_detail.html", _detail(request, report, moderate_form=form), status=400)
