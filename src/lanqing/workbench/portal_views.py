"""The enterprise's file and portal pages (/org/enterprises/<id>/…): the enterprise reads its own, staff in
scope read the same pages of any enterprise they see."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lanqing.monitoring.imports import describe_error
from lanqing.monitoring.lab import COLUMNS, lab_results_upload, template_rows
from lanqing.monitoring.models import LabUploadStatus, SiteKind
from lanqing.monitoring.selectors import sites_visible_to
from lanqing.org import access, permits
from lanqing.org.models import DischargePermit, Enterprise
from lanqing.org.permit_forms import PermitForm
from lanqing.org.requests import SignedInRequest
from lanqing.ui.tables import paginate, wants_export, xlsx_response
from lanqing.ui.uploads import upload_refusal
from lanqing.workbench import portal

RANGE_DAYS = {"1": 1, "7": 7, "30": 30}
HOURS_PER_PAGE = 48
UPLOADS_SHOWN = 10
ERRORS_SHOWN = 200
BAD_REQUEST = 400


def _enterprise(request: SignedInRequest, enterprise_id: int) -> Enterprise:
    return access.get_visible(request.user, access.enterprises_visible_to(request.user).select_related(
        "industry", "township", "village"), id=enterprise_id)


@login_required
def enterprise_page(request: SignedInRequest, enterprise_id: int) -> HttpResponse:
    return _file_page(request, _enterprise(request, enterprise_id))


def _file_page(request: SignedInRequest, enterprise: Enterprise, *, permit_form: PermitForm | None = None,
               status: int = 200) -> HttpResponse:
    membership = access.membership_of(request.user)
    shown = portal.enterprise_file(request.user, enterprise)
    may_add_permit = access.may(request.user, "permit.create", enterprise)
    return render(request, "workbench/enterprise.html", {
        "enterprise": enterprise, **shown,
        "own": membership is not None and membership.enterprise_id == enterprise.id,
        "may_upload": access.may(request.user, "labresult.upload", enterprise),
        "may_view_marks": access.may(request.user, "mark.view"),
        "permit_form": permit_form or (PermitForm() if may_add_permit else None),
        "permit_form_open": permit_form is not None,
        "changeable_permits": access.objects_permitted(request.user, "permit.change", shown["permits"]),
        "removable_permits": access.objects_permitted(request.user, "permit.delete", shown["permits"]),
    }, status=status)


def _permit(request: SignedInRequest, enterprise_id: int, permit_id: int) -> DischargePermit:
    """The permit of this enterprise the user sees; any other id, or another enterprise's permit, is not found."""
    enterprise = _enterprise(request, enterprise_id)
    return access.get_visible(request.user, DischargePermit.objects.filter(enterprise=enterprise)
                              .select_related("enterprise"), id=permit_id)


@login_required
@require_POST
def enterprise_permit_new(request: SignedInRequest, enterprise_id: int) -> HttpResponse:
    enterprise = _enterprise(request, enterprise_id)
    access.require(request.user, "permit.create", enterprise)
    form = PermitForm(request.POST)
    if form.is_valid():
        try:
            permit = permits.permit_create(by=request.user, enterprise=enterprise, **form.facts())
        except permits.PermitRefused as refused:
            form.add_refusal(refused)
        else:
            messages.success(request, _("The discharge permit %(number)s was recorded.") % {"number": permit.number})
            return redirect("org:enterprise", enterprise_id=enterprise.id)
    return _file_page(request, enterprise, permit_form=form, status=BAD_REQUEST)


@login_required
def enterprise_permit_edit(request: SignedInRequest, enterprise_id: int, permit_id: int) -> HttpResponse:
    permit = _permit(request, enterprise_id, permit_id)
    access.require(request.user, "permit.change", permit)
    form = PermitForm(request.POST or None, permit=permit)
    status = 200
    if request.method == "POST":
        status = BAD_REQUEST
        if form.is_valid():
            try:
                permits.permit_change(by=request.user, permit=permit, **form.facts())
            except permits.PermitRefused as refused:
                form.add_refusal(refused)
            else:
                messages.success(request, _("The discharge permit %(number)s was changed.") % {"number": permit.number})
                return redirect("org:enterprise", enterprise_id=permit.enterprise_id)
    return render(request, "workbench/enterprise_permit_edit.html", {
        "enterprise": permit.enterprise, "permit": permit, "permit_form": form,
        "may_view_marks": access.may(request.user, "mark.view"),
    }, status=status)


@login_required
def enterprise_permit_delete(request: SignedInRequest, enterprise_id: int, permit_id: int) -> HttpResponse:
    permit = _permit(request, enterprise_id, permit_id)
    access.require(request.user, "permit.delete", permit)
    if request.method == "POST":
        number = permit.number
        permits.permit_delete(by=request.user, permit=permit)
        messages.success(request, _("The discharge permit %(number)s was removed.") % {"number": number})
        return redirect("org:enterprise", enterprise_id=enterprise_id)
    return render(request, "workbench/enterprise_permit_delete.html", {
        "enterprise": permit.enterprise, "permit": permit, "may_view_marks": access.may(request.user, "mark.view"),
    })


@login_required
def enterprise_data(request: SignedInRequest, enterprise_id: int) -> HttpResponse:
    enterprise = _enterprise(request, enterprise_id)
    outlets = list(sites_visible_to(request.user).filter(enterprise=enterprise, kind=SiteKind.OUTLET).order_by("code"))
    site = next((s for s in outlets if str(s.id) == request.GET.get("site")), outlets[0] if outlets else None)
    days_key = request.GET.get("days", "7") if request.GET.get("days") in RANGE_DAYS else "7"
    context: dict = {"enterprise": enterprise, "outlets": outlets, "site": site, "days": days_key,
                     "ranges": RANGE_DAYS.keys(), "may_view_marks": access.may(request.user, "mark.view")}
    if site is None:
        return render(request, "workbench/enterprise_data.html", context)
    table = portal.hourly_columns(request.user, site)
    since = timezone.now() - timedelta(days=RANGE_DAYS[days_key])
    times = portal.hourly_times(request.user, site, table, since=since)
    if wants_export(request):
        hours = list(times)
        portal.hourly_fill(request.user, site, table, hours)
        return xlsx_response(
            filename=_("hourly-data"),
            headers=[_("Hour"), *[f"{f.display_name} ({f.unit_at(site.kind)})" for f in table.factors],
                     _("Values above the limit")],
            rows=([time, *[cell.value if cell else None for cell in cells],
                   ", ".join(f.display_name for f, cell in zip(table.factors, cells, strict=True)
                             if cell and cell.exceeds)] for time, cells in table.rows))
    page = paginate(request, times, per_page=HOURS_PER_PAGE)
    portal.hourly_fill(request.user, site, table, list(page.object_list))
    return render(request, "workbench/enterprise_data.html", {
        **context, "table": table, "page": page,
        "columns": [(f, table.limits.get(f.id, ""), f.unit_at(site.kind)) for f in table.factors],
    })


def _lab_context(request: SignedInRequest, enterprise: Enterprise) -> dict:
    results = portal.lab_results_of(request.user, enterprise)
    return {
        "enterprise": enterprise, "page": paginate(request, results),
        "uploads": list(portal.lab_uploads_of(request.user, enterprise)[:UPLOADS_SHOWN]),
        "may_upload": access.may(request.user, "labresult.upload", enterprise),
        "may_view_marks": access.may(request.user, "mark.view"),
        "columns": COLUMNS, "limit_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
    }


@login_required
def enterprise_lab(request: SignedInRequest, enterprise_id: int) -> HttpResponse:
    enterprise = _enterprise(request, enterprise_id)
    if wants_export(request):
        return xlsx_response(
            filename=_("lab-results"),
            headers=[_("Outlet"), _("Monitoring point"), _("Factor"), _("Sampled"), _("Value"), _("Unit"),
                     _("Laboratory"), _("Report number"), _("File")],
            rows=([r.point.site.name, r.point.name, r.factor.display_name, r.sampled_at, r.value, r.unit, r.lab,
                   r.report_number, r.upload.file_name] for r in portal.lab_results_of(request.user, enterprise)))
    return render(request, "workbench/enterprise_lab.html", _lab_context(request, enterprise))


@login_required
@require_POST
def enterprise_lab_upload(request: SignedInRequest, enterprise_id: int) -> HttpResponse:
    enterprise = _enterprise(request, enterprise_id)
    access.require(request.user, "labresult.upload", enterprise)
    upload = request.FILES.get("file")
    refusal = upload_refusal(upload)
    if refusal is None and upload is not None and upload.size == 0:
        refusal = _("The file is empty.")
    if refusal:
        messages.error(request, refusal)
        return redirect("org:enterprise_lab", enterprise_id=enterprise.id)
    assert upload is not None  # upload_refusal refuses a missing file
    record = lab_results_upload(enterprise=enterprise, file_name=upload.name or "", content=upload.read(),
                                by=request.user)
    if record.status == LabUploadStatus.ACCEPTED:
        messages.success(request, _("%(count)s lab results were stored.") % {"count": record.rows_total})
        return redirect("org:enterprise_lab", enterprise_id=enterprise.id)
    errors = [dict(error, text=describe_error(error)) for error in record.errors[:ERRORS_SHOWN]]
    return render(request, "workbench/enterprise_lab.html", {
        **_lab_context(request, enterprise), "refused": record, "errors": errors,
        "errors_more": max(0, len(record.errors) - ERRORS_SHOWN),
    }, status=400)


@login_required
def enterprise_lab_template(request: SignedInRequest, enterprise_id: int) -> HttpResponse:
    enterprise = _enterprise(request, enterprise_id)
    access.require(request.user, "labresult.upload", enterprise)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([names[0] for names in COLUMNS.values()])
    writer.writerows(template_rows(enterprise))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lab-results-template.csv"'
    return response
