"""Pages of projects and funds."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lanqing.org import access
from lanqing.org.models import Level
from lanqing.ui.tables import paginate, wants_export, xlsx_response
from lanqing.ui.uploads import upload_refusal
from lanqing.yearwork import project_table, projects
from lanqing.yearwork.forms import FundForm, ProjectForm, ProjectReportForm
from lanqing.yearwork.imports import import_submit
from lanqing.yearwork.models import ImportKind, ImportRun, Project, ProjectReport


def _projects(user):
    return access.visible(user, Project.objects.select_related("lead_unit", "township", "case"))


def _project(user, project_id: int) -> Project:
    return access.get_visible(user, _projects(user), id=project_id)


@login_required
def project_list(request):
    access.require(request.user, "keytask.view")
    may_manage = access.may(request.user, "project.manage")
    form = ProjectForm(request.POST or None, user=request.user) if may_manage else None
    if request.method == "POST":
        access.require(request.user, "project.manage")
        assert form is not None
        county = access.jurisdictions_visible_to(request.user).filter(level=Level.COUNTY).first()
        if form.is_valid() and county is not None:
            data = form.cleaned_data
            try:
                project = projects.project_create(by=request.user, jurisdiction=county, **data)
            except projects.ProjectError as error:
                form.add_error(None, str(error))
            else:
                return redirect("yearwork:project", project.id)
    rows = _projects(request.user).order_by("-year", "name", "id")
    if wants_export(request):
        # In the layout the import reads: importing the export changes nothing.
        return xlsx_response(filename=_("projects"), headers=project_table.HEADERS_ZH, rows=(
            project_table.project_row(p) for p in rows.prefetch_related("funds").iterator(chunk_size=500)))
    return render(request, "yearwork/projects.html", {
        "page": paginate(request, rows), "form": form, "layout": project_table.headers_for_reader(),
        "imports": ImportRun.objects.filter(by=request.user, kind=ImportKind.PROJECTS)[:5] if may_manage else []})


@login_required
@require_POST
def projects_import(request):
    access.require(request.user, "project.manage")
    upload = request.FILES.get("file")
    refusal = upload_refusal(upload)
    if refusal:
        messages.error(request, refusal)
        return redirect("yearwork:projects")
    run = import_submit(by=request.user, kind=ImportKind.PROJECTS, data=upload.read(),
                        file_name=upload.name or "projects.xlsx")
    messages.success(request, _("The file was received and queued for import."))
    return redirect("yearwork:import", run.id)


@login_required
def project_detail(request, project_id: int):
    project = _project(request.user, project_id)
    may_manage = access.may(request.user, "project.manage", project)
    may_report = access.may(request.user, "project.report", project)
    return render(request, "yearwork/project.html", {
        "project": project, "funds": project.funds.all(), "totals": projects.money(project),
        "reports": project.reports.select_related("by")[:100],
        "fund_form": FundForm() if may_manage else None,
        "report_form": ProjectReportForm(initial={"progress": project.progress}) if may_report else None})


@login_required
@require_POST
def project_fund(request, project_id: int):
    project = _project(request.user, project_id)
    access.require(request.user, "project.manage", project)
    form = FundForm(request.POST)
    if form.is_valid():
        try:
            projects.project_fund_set(by=request.user, project=project, **form.cleaned_data)
        except projects.ProjectError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, _("Amounts are numbers of yuan, 0 or more."))
    return redirect("yearwork:project", project.id)


@login_required
@require_POST
def project_report(request, project_id: int):
    project = _project(request.user, project_id)
    access.require(request.user, "project.report", project)
    form = ProjectReportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            projects.project_report(by=request.user, project=project, **form.cleaned_data)
        except projects.ProjectError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Progress reported."))
    else:
        messages.error(request, _("Progress is a percentage from 0 to 100."))
    return redirect("yearwork:project", project.id)


@login_required
def project_photo(request, project_report_id: int):
    report = access.get_visible(request.user, ProjectReport.objects.all(), id=project_report_id)
    if not report.photo:
        raise Http404
    return FileResponse(report.photo.open("rb"), as_attachment=False)
