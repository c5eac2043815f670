"""JSON API of the year's work: key tasks with their computed progress, within the caller's scope."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from lanqing.org import access
from lanqing.org.requests import ApiRequest
from lanqing.ui.pagination import MappedRows
from lanqing.yearwork import selectors
from lanqing.yearwork.models import Task

router = Router(tags=["year's work"])


class TaskOut(Schema):
    id: int
    plan_year: int
    plan: str
    number: int
    title: str
    lead_unit: str
    deadline: date
    status: str
    completion: Decimal
    computed_at: datetime | None


def _out(task: Task) -> TaskOut:
    return TaskOut(id=task.id, plan_year=task.plan.year, plan=task.plan.title, number=task.number, title=task.title,
                   lead_unit=task.lead_unit.name, deadline=task.deadline, status=task.status,
                   completion=task.completion, computed_at=task.computed_at)


@router.get("/tasks", response=list[TaskOut])
@paginate(LimitOffsetPagination)
def list_tasks(request: ApiRequest, year: int | None = None) -> Any:
    access.require(request.auth, "keytask.view")
    tasks = selectors.tasks_visible_to(request.auth).order_by("-plan__year", "plan_id", "number")
    if year is not None:
        tasks = tasks.filter(plan__year=year)
    return MappedRows(tasks, _out)


@router.get("/tasks/{task_id}", response=TaskOut)
def get_task(request: ApiRequest, task_id: int) -> Any:
    return _out(selectors.task_for_user(request.auth, task_id))
