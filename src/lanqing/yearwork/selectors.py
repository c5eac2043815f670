"""Reading the year's work within a user's scope (lanqing.org.access decides)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from lanqing.org import access
from lanqing.yearwork.models import Plan, ReportFile, Task


def _distinct(model, user, rows: QuerySet) -> QuerySet:
    # A task's rule reaches it through its townships too, and a join on them repeats the task once per
    # township; filtering by the visible ids keeps each row once and lets callers keep slicing in the database.
    return model.objects.filter(pk__in=access.visible(user, rows).values("pk"))


def plans_visible_to(user) -> QuerySet[Plan]:
    return access.visible(user, Plan.objects.all())


def plan_for_user(user, plan_id: int) -> Plan:
    return access.get_visible(user, Plan.objects.select_related("jurisdiction"), id=plan_id)


def tasks_visible_to(user) -> QuerySet[Task]:
    return _distinct(Task, user, Task.objects.all()).select_related("plan", "lead_unit")


def _one(rows: QuerySet, object_id: int):
    # Http404 for missing and out-of-scope alike (access.get_visible would filter, and join, a second time).
    found = rows.filter(id=object_id).first()
    if found is None:
        raise Http404
    return found


def task_for_user(user, task_id: int) -> Task:
    return _one(tasks_visible_to(user), task_id)


def report_file_for_user(user, file_id: int) -> ReportFile:
    return _one(_distinct(ReportFile, user, ReportFile.objects.filter(id=file_id)), file_id)
