from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lanqing import texts
from lanqing.org import access
from lanqing.org.requests import SignedInRequest
from lanqing.ui.tables import paginate, wants_export, xlsx_response
from lanqing.ui.uploads import upload_refusal
from lanqing.yearwork import selectors
from lanqing.yearwork.forms import PlanForm, ReportForm
from lanqing.yearwork.imports import import_submit
from lanqing.yearwork.models import ImportKind, ImportRun, Task, TaskStatus
from lanqing.yearwork.services import YearworkError, plan_create, progress_report_submit
from lanqing.yearwork.task_table import HEADERS_ZH, headers_for_reader, task_row


def _filtered(request: SignedInRequest, tasks: QuerySet[Task]) -> tuple[QuerySet[Task], dict]:
    status = request.GET.get("status", "")
    if status in TaskStatus.values:
        tasks = tasks.filter(status=status)
    query = request.GET.get("q", "").strip()
    if query:
        tasks = tasks.filter(title__icontains=query)
    return tasks, {"status": status, "query": query, "statuses": TaskStatus.choices}


def _export(filename: str, tasks: QuerySet[Task]) -> HttpResponse:
    rows = tasks.select_related("lead_unit").prefetch_related("support_units", "townships", "targets", "milestones")
    return xlsx_response(filename=filename, headers=HEADERS_ZH, rows=(task_row(task) for task in rows))


@login_required
def task_list(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "keytask.view")
    tasks, filters = _filtered(request, selectors.tasks_visible_to(request.user))
    tasks = tasks.order_by("-plan__year", "plan_id", "number")
    if wants_export(request):
        return _export(_("key-tasks"), tasks)
    return render(request, "yearwork/tasks.html", {"page": paginate(request, tasks), **filters})


@login_required
def plan_list(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "keytask.view")
    may_manage = access.may(request.user, "keytask.manage")
    form = PlanForm(request.POST or None, user=request.user) if may_manage else None
    if request.method == "POST":
        access.require(request.user, "keytask.manage")
        assert form is not None
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan = plan_create(by=request.user, jurisdiction=data["jurisdiction"], year=data["year"],
                                   title=data["title"], meeting=data["meeting"], meeting_date=data["meeting_date"],
                                   document_number=data["document_number"])
            except YearworkError as error:
                form.add_error(None, str(error))
            else:
                return redirect("yearwork:plan", plan.id)
    plans = selectors.plans_visible_to(request.user).select_related("jurisdiction")
    return render(request, "yearwork/plans.html", {"page": paginate(request, plans), "form": form})


@login_required
def plan_detail(request: SignedInRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_for_user(request.user, plan_id)
    tasks, filters = _filtered(request, selectors.tasks_visible_to(request.user).filter(plan=plan))
    tasks = tasks.order_by("number")
    if wants_export(request):
        return _export(f"{plan.year}-{plan.title}", tasks)
    may_manage = access.may(request.user, "keytask.manage", plan)
    last_import = plan.imports.first() if may_manage else None
    return render(request, "yearwork/plan.html", {
        "plan": plan, "page": paginate(request, tasks), "may_manage": may_manage, "last_import": last_import,
        "import_errors": [texts.render(error) for error in last_import.errors[:200]] if last_import else [],
        "imports": ImportRun.objects.filter(by=request.user, plan=plan)[:5] if may_manage else [],
        "headers": headers_for_reader(), **filters})


@login_required
@require_POST
def plan_import(request: SignedInRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_for_user(request.user, plan_id)
    access.require(request.user, "keytask.manage", plan)
    upload = request.FILES.get("file")
    refusal = upload_refusal(upload)
    if refusal or upload is None:
        messages.error(request, refusal or _("Choose a file to import."))
        return redirect("yearwork:plan", plan.id)
    run = import_submit(by=request.user, kind=ImportKind.TASKS, plan=plan, data=upload.read(),
                        file_name=upload.name or "tasks.xlsx")
    messages.success(request, _("The file was received and queued for import."))
    return redirect("yearwork:import", run.id)


@login_required
def import_detail(request: SignedInRequest, run_id: int) -> HttpResponse:
    """An import's progress while the worker runs it (polled by htmx), then its outcome and its problems."""
    # Uploads are personal records: another user's id answers 404, as anything out of scope does.
    run = ImportRun.objects.filter(by=request.user, id=run_id).select_related("plan").first()
    if run is None:
        raise Http404
    if wants_export(request):
        return xlsx_response(filename=_("import-problems"), headers=[_("Problem")],
                             rows=([texts.render(error)] for error in run.errors))
    page = paginate(request, run.errors, per_page=100)
    page.object_list = [texts.render(error) for error in page.object_list]
    context = {"run": run, "page": page,
               "checked_share": run.rows_checked * 100 // run.rows_total if run.rows_total else 0,
               "written_share": run.rows_written * 100 // run.rows_total if run.rows_total else 0,
               "back": reverse("yearwork:plan", args=[run.plan_id]) if run.plan_id
               else reverse("yearwork:households")}
    if request.headers.get("HX-Request"):
        return render(request, "yearwork/import.html#status", context)
    return render(request, "yearwork/import.html", context)


def _joined(names: Iterable[str]) -> str:
    # Names joined with the reader's list separator (、 or ", "), as lanqing.texts joins a list parameter.
    return texts.render(texts.message("%(names)s", names=texts.items(list(names))))


def _task_context(request: SignedInRequest, task: Task, form: Any = None) -> dict:
    may_report = access.may(request.user, "keytask.report", task)
    return {
        "task": task, "targets": task.targets.all(), "milestones": task.milestones.select_related("case"),
        "reports": task.reports.select_related("by", "unit", "township", "milestone", "target")
                                .prefetch_related("files")[:100],
        "support_names": _joined(u.name for u in task.support_units.all()),
        "township_names": _joined(t.name for t in task.townships.all()),
        "may_report": may_report,
        "form": form or (ReportForm(task=task) if may_report else None),
    }


@login_required
def task_detail(request: SignedInRequest, task_id: int) -> HttpResponse:
    task = selectors.task_for_user(request.user, task_id)
    return render(request, "yearwork/task.html", _task_context(request, task))


@login_required
@require_POST
def task_report(request: SignedInRequest, task_id: int) -> HttpResponse:
    task = selectors.task_for_user(request.user, task_id)
    access.require(request.user, "keytask.report", task)
    form = ReportForm(request.POST, request.FILES, task=task)
    if form.is_valid():
        data = form.cleaned_data
        try:
            progress_report_submit(task=task, by=request.user, text=data["text"], milestone=data["milestone"],
                                   target=data["target"], achieved=data["achieved"],
                                   files=request.FILES.getlist("files"))
        except YearworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Progress reported."))
            return redirect("yearwork:task", task.id)
    return render(request, "yearwork/task.html", _task_context(request, task, form), status=400)


@login_required
def report_file(request: SignedInRequest, file_id: int) -> FileResponse:
    stored = selectors.report_file_for_user(request.user, file_id)
    return FileResponse(stored.file.open("rb"), content_type=stored.content_type, as_attachment=False,
                        filename=stored.original_name)
