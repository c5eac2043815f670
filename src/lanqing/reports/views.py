from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lanqing.org import access
from lanqing.org.requests import SignedInRequest
from lanqing.reports.episode import EpisodeRefused, episode_report_request
from lanqing.reports.forms import ReportRequestForm
from lanqing.reports.models import Report, ReportKind, ReportStatus
from lanqing.reports.services import ReportRefused, report_request
from lanqing.ui.tables import paginate
from lanqing.winter.models import PollutionWarning


def _reports(user: User) -> QuerySet[Report]:
    return access.visible(user, Report.objects.select_related("jurisdiction", "requested_by").defer("pdf", "xlsx"))


@login_required
def archive(request: SignedInRequest) -> HttpResponse:
    """The report archive: who asked for what, when, from which data; the request form for those who may."""
    access.require(request.user, "report.view")
    reports = _reports(request.user)
    kind = request.GET.get("kind", "")
    if kind in ReportKind.values:
        reports = reports.filter(kind=kind)
    return render(request, "reports/archive.html", {
        "page": paginate(request, reports), "kind": kind, "kinds": ReportKind.choices,
        "form": ReportRequestForm(), "can_request": access.may(request.user, "report.request"),
        "area": access.root_jurisdiction(request.user),
    })


@login_required
@require_POST
def request_report(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "report.request")
    form = ReportRequestForm(request.POST)
    area = access.root_jurisdiction(request.user)
    if not form.is_valid() or area is None:
        messages.error(request, _("Choose a report and a day."))
        return redirect("reports:archive")
    try:
        report = report_request(kind=form.cleaned_data["kind"], start=form.cleaned_data["start"], area=area,
                                by=request.user)
    except ReportRefused as refused:
        messages.error(request, str(refused))
        return redirect("reports:archive")
    messages.success(request, _("The report is being generated; this page shows its progress."))
    return redirect(reverse("reports:archive") + f"#report-{report.id}")


@login_required
@require_POST
def request_episode(request: SignedInRequest, warning_id: int) -> HttpResponse:
    """Asks for the report of a warning's episode from the warning's page."""
    warning = access.get_visible(request.user, PollutionWarning.objects.all(), id=warning_id)
    access.require(request.user, "report.request")
    try:
        report = episode_report_request(warning=warning, by=request.user)
    except EpisodeRefused as refused:
        messages.error(request, str(refused))
        return redirect("winter:warning", warning_id=warning.id)
    messages.success(request, _("The report is being generated; this page shows its progress."))
    return redirect(reverse("reports:archive") + f"#report-{report.id}")


@login_required
def status(request: SignedInRequest, report_id: int) -> HttpResponse:
    """One archive row, polled by htmx while the report is being made."""
    report = access.get_visible(request.user, _reports(request.user), id=report_id)
    return render(request, "reports/row.html", {"report": report})


@login_required
def download(request: SignedInRequest, report_id: int, file_kind: str) -> HttpResponse:
    report = access.get_visible(request.user, access.visible(request.user, Report.objects.all()), id=report_id)
    access.require(request.user, "report.view", report)
    data = report.pdf if file_kind == "pdf" else report.xlsx
    if report.status != ReportStatus.DONE or not data:
        raise Http404
    content_type = ("application/pdf" if file_kind == "pdf" else
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response = HttpResponse(bytes(data), content_type=content_type)
    name = f"{report.kind}-{report.jurisdiction.code[:6]}-{report.period_start.isoformat()}.{file_kind}"
    # The PDF opens in the browser's viewer (which prints and saves it); the workbook is saved for Excel.
    response["Content-Disposition"] = f'{"inline" if file_kind == "pdf" else "attachment"}; filename="{name}"'
    return response
