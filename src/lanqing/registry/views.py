"""The registry page of the bureau: upload a workbook, see every bad cell, download the template or an export,
and give a password to devices registered without one."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lanqing.org import access
from lanqing.org.requests import SignedInRequest
from lanqing.registry.services import (
    RecordRefused,
    device_password_set,
    devices_awaiting_password,
    registry_export,
    registry_import,
    registry_template,
)
from lanqing.registry.workbook import LAYOUT
from lanqing.texts import render as render_text
from lanqing.ui.uploads import upload_refusal

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Errors shown on the page; a workbook with more has a systematic problem the first ones explain.
ERRORS_SHOWN = 500


@login_required
def registry_page(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "registry.manage")
    errors: list[dict] = []
    error_count = 0
    if request.method == "POST":
        upload = request.FILES.get("file")
        refusal = upload_refusal(upload)
        if refusal:
            messages.error(request, refusal)
        else:
            assert upload is not None  # upload_refusal refuses a missing file
            result = registry_import(data=upload.read(), user=request.user)
            if not result.errors:
                created = sum(c.created for c in result.counts.values())
                updated = sum(c.updated for c in result.counts.values())
                unchanged = sum(c.unchanged for c in result.counts.values())
                messages.success(request, _("The registry workbook was imported: %(created)s records created, "
                                            "%(updated)s updated, %(unchanged)s unchanged.") % {
                    "created": created, "updated": updated, "unchanged": unchanged})
                if result.passwords_missing:
                    messages.warning(request, _("%(count)s devices have no password and stay disabled until one "
                                                "is set.") % {"count": result.passwords_missing})
                return redirect("registry:page")
            error_count = len(result.errors)
            errors = [{"sheet": e.sheet_title or (_(LAYOUT[e.sheet].label) if e.sheet else ""),
                       "row": e.row or "", "column": e.column, "header": e.header, "reason": render_text(e.reason)}
                      for e in result.errors[:ERRORS_SHOWN]]
    context = {
        "errors": errors, "error_count": error_count, "errors_hidden": max(0, error_count - len(errors)),
        "file_name": getattr(request.FILES.get("file"), "name", ""),
        "sheets": [(_(layout.label), [_(column.label) for column in layout.columns]) for layout in LAYOUT.values()],
        "limit_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        "waiting": devices_awaiting_password(user=request.user)[:200],
    }
    return render(request, "registry/registry.html", context, status=400 if errors else 200)


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
def registry_template_download(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "registry.manage")
    return _xlsx(registry_template(), _("registry-template") + ".xlsx")


@login_required
def registry_export_download(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "registry.manage")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return _xlsx(registry_export(user=request.user), f"{_('registry')}-{stamp}.xlsx")


@login_required
@require_POST
def device_password(request: SignedInRequest, device_id: int) -> HttpResponse:
    # The service answers 404 outside the user's scope before it answers 403 to a role without the right.
    try:
        device = device_password_set(user=request.user, device_id=device_id,
                                     password=request.POST.get("password", ""))
    except RecordRefused as refused:
        messages.error(request, render_text(refused.reason))
    else:
        messages.success(request, _("Device %(mn)s has its password and is enabled.") % {"mn": device.mn})
    return redirect("registry:page")
