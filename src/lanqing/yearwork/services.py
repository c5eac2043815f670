"""Writes to the year's work: each is atomic, asks lanqing.org.access, and recomputes what it changes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lanqing.cases.evidence import EvidenceRefused, evidence_check
from lanqing.cases.workdays import local_date
from lanqing.org import access
from lanqing.org.models import Jurisdiction, Level, Role
from lanqing.yearwork.completion import task_progress_compute
from lanqing.yearwork.models import Milestone, Plan, ProgressReport, ReportFile, Target, Task


class YearworkError(ValueError):
    """A refused write, with a reason for the user."""


@transaction.atomic
def plan_create(*, by: User, jurisdiction: Jurisdiction, year: int, title: str, meeting: str = "",
                meeting_date: date | None = None, document_number: str = "", now: datetime | None = None,
                is_demo: bool = False) -> Plan:
    access.require(by, "keytask.manage")
    title = title.strip()
    if not title:
        raise YearworkError(_("A plan needs a title."))
    if not 2000 <= year <= 2100:
        raise YearworkError(_("The year must lie between 2000 and 2100."))
    if not access.jurisdictions_visible_to(by).filter(id=jurisdiction.id).exists():
        raise YearworkError(_("This place is outside your jurisdiction."))
    if Plan.objects.filter(jurisdiction=jurisdiction, year=year, title=title).exists():
        raise YearworkError(_("This jurisdiction already has a plan of that title for the year."))
    return Plan.objects.create(jurisdiction=jurisdiction, year=year, title=title[:200], meeting=meeting[:200],
                               meeting_date=meeting_date, document_number=document_number[:100],
                               created_at=now or timezone.now(), is_demo=is_demo)


def _reporter_place(by: User, task: Task) -> tuple:
    membership = access.membership_of(by)
    if membership is None:
        return None, None
    if membership.role in (Role.UNIT, Role.BUREAU):
        return membership.unit, None
    root = access.root_jurisdiction(by)
    township = next((t for t in task.townships.all() if root is not None and (root.contains(t) or t.contains(root))),
                    None)
    return None, township if township is not None and township.level == Level.TOWNSHIP else None


@transaction.atomic
def progress_report_submit(*, task: Task, by: User, text: str, milestone: Milestone | None = None,
                           target: Target | None = None, achieved: Decimal | None = None, files: Iterable = (),
                           now: datetime | None = None) -> ProgressReport:
    """A responsible unit or township reports: the text, evidence files (all checked, or none kept), a
    milestone reached and a target's figure so far; the task's progress is recomputed at once."""
    now = now or timezone.now()
    access.require(by, "keytask.report", task)
    text = text.strip()
    _report_check(task=task, text=text, milestone=milestone, target=target, achieved=achieved)
    try:
        checked = evidence_check(files)
    except EvidenceRefused as refusal:
        raise YearworkError(str(refusal)) from None
    unit, township = _reporter_place(by, task)
    report = ProgressReport.objects.create(task=task, text=text, milestone=milestone, target=target,
                                           achieved=achieved, by=by, unit=unit, township=township, reported_at=now)
    _files_keep(report, checked, now)
    if milestone is not None and milestone.done_at is None:
        Milestone.objects.filter(id=milestone.id, done_at__isnull=True).update(done_at=now)
    if target is not None:
        if target.is_deliverable:
            Target.objects.filter(id=target.id).update(delivered=True)
        elif achieved is not None:
            Target.objects.filter(id=target.id).update(achieved=achieved)
    task_progress_compute(task=task, now=now, today=local_date(now))
    return report


def _report_check(*, task: Task, text: str, milestone: Milestone | None, target: Target | None,
                  achieved: Decimal | None) -> None:
    if not text:
        raise YearworkError(_("Say what was done."))
    if milestone is not None and milestone.task_id != task.id:
        raise YearworkError(_("The milestone belongs to another task."))
    if target is not None and target.task_id != task.id:
        raise YearworkError(_("The target belongs to another task."))
    if achieved is not None:
        if target is None:
            raise YearworkError(_("Choose the target the figure is for."))
        if achieved < 0:
            raise YearworkError(_("The figure cannot be negative."))


def _files_keep(report: ProgressReport, checked: list, now: datetime) -> None:
    for upload in checked:
        stored = ReportFile(report=report, kind=upload.kind, original_name=upload.name,
                            content_type=upload.content_type, size=len(upload.data),
                            sha256=hashlib.sha256(upload.data).hexdigest(), uploaded_at=now)
        stored.file.save(f"{hashlib.sha256(upload.data).hexdigest()[:16]}{upload.extension}",
                         ContentFile(upload.data), save=False)
        stored.save()
