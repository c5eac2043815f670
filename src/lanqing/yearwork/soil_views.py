"""Pages of the soil register: key supervision units with their reports, contaminated plots with their steps."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lanqing.org import access
from lanqing.ui.tables import paginate, wants_export, xlsx_response
from lanqing.ui.uploads import upload_refusal
from lanqing.yearwork import soil, soil_table
from lanqing.yearwork.imports import import_submit
from lanqing.yearwork.models import (
    ImportKind,
    ImportRun,
    Plot,
    PlotStage,
    SoilReport,
    SoilReportKind,
    SoilUnit,
)


def _units(user):
    return access.visible(user, SoilUnit.objects.select_related("enterprise__township", "case"))


def _plots(user):
    return access.visible(user, Plot.objects.select_related("township", "lead_unit", "case"))


@login_required
def soil_register(request):
    access.require(request.user, "soil.view")
    units, plots = _units(request.user), _plots(request.user)
    if wants_export(request):
        # In the layout the import reads: importing the export changes nothing.
        return xlsx_response(filename=_("soil-register"), headers=soil_table.HEADERS_ZH, rows=[
            *(soil_table.unit_row(u) for u in units.order_by("enterprise__name", "id").iterator()),
            *(soil_table.plot_row(p) for p in plots.order_by("township__code", "name", "id").iterator())])
    return render(request, "yearwork/soil.html", {
        "units": paginate(request, units.order_by("enterprise__name")), "plots": paginate(request, plots.order_by("township__code", "name", "id"), param="plots_page"),
        "stages": PlotStage.choices, "may_manage": access.may(request.user, "soil.manage"),
        "layout": soil_table.headers_for_reader(),
        "imports": ImportRun.objects.filter(by=request.user, kind=ImportKind.SOIL)[:5]})


@login_required
@require_POST
def soil_import(request):
    access.require(request.user, "soil.manage")
    upload = request.FILES.get("file")
    refusal = upload_refusal(upload)
    if refusal:
        messages.error(request, refusal)
        return redirect("yearwork:soil")
    run = import_submit(by=request.user, kind=ImportKind.SOIL, data=upload.read(),
                        file_name=upload.name or "soil.xlsx")
    messages.success(request, _("The file was received and queued for import."))
    return redirect("yearwork:import", run.id)


@login_required
def soil_unit(request, soil_unit_id: int):
    unit = access.get_visible(request.user, _units(request.user), id=soil_unit_id)
    return render(request, "yearwork/soil_unit.html", {
        "unit": unit, "reports": unit.reports.all(), "kinds": SoilReportKind.choices,
        "may_report": access.may(request.user, "soil.report", unit), "year": timezone.localdate().year - 1})


@login_required
@require_POST
def soil_unit_report(request, soil_unit_id: int):
    unit = access.get_visible(request.user, _units(request.user), id=soil_unit_id)
    access.require(request.user, "soil.report", unit)
    year = request.POST.get("year", "")
    try:
        soil.soil_report_submit(by=request.user, unit=unit, year=int(year) if year.isdigit() else 0,
                                kind=request.POST.get("kind", ""), upload=request.FILES.get("file"))
    except soil.SoilError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The report was filed."))
    return redirect("yearwork:soil_unit", unit.id)


@login_required
def soil_report_file(request, soil_report_id: int):
    report = access.get_visible(request.user, SoilReport.objects.all(), id=soil_report_id)
    return FileResponse(report.file.open("rb"), as_attachment=False, filename=report.file_name)


@login_required
@require_POST
def plot_stage(request, plot_id: int):
    plot = access.get_visible(request.user, _plots(request.user), id=plot_id)
    access.require(request.user, "soil.manage", plot)
    due_text = request.POST.get("stage_due", "")
    try:
        due = date.fromisoformat(due_text) if due_text else None
        soil.plot_stage_set(by=request.user, plot=plot, stage=request.POST.get("stage", ""), stage_due=due)
    except (ValueError, soil.SoilError):
        messages.error(request, _("Choose a stage and, if it has one, the date its step is due."))
    else:
        messages.success(request, _("The plot's stage was saved."))
    return redirect("yearwork:soil")
