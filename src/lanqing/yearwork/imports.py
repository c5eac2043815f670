"""Imports that run in the background worker, whatever their size: the upload is kept as an ImportRun and a job
queued; the job checks every row (nothing is written when one is bad), then writes in short batches, counting
rows checked and written on the run as it goes, which the import's page shows while it polls.

One path for every file, small or large: the page and its tests are the same for ten rows and for a province's
ledger, and a web request never holds the database's write lock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.utils import timezone

from lanqing import texts
from lanqing.jobs.registry import job_kind
from lanqing.jobs.services import job_enqueue
from lanqing.locked import retry_locked
from lanqing.org import access
from lanqing.yearwork.heating import households_import
from lanqing.yearwork.letter_table import letters_import
from lanqing.yearwork.models import ImportKind, ImportRun, ImportState, Plan
from lanqing.yearwork.project_table import projects_import
from lanqing.yearwork.soil_table import soil_import
from lanqing.yearwork.task_table import tasks_import

JOB_KIND = "yearwork.import"
# Problems kept on a run: enough to fix a file, not a copy of a 200,000-row file's every mistake.
MAX_ERRORS = 5000


def import_submit(*, by, kind: str, data: bytes, file_name: str, plan: Plan | None = None,
                  now: datetime | None = None) -> ImportRun:
    """Keeps the upload and queues its import; the caller shows the run's page."""
    now = now or timezone.now()
    if kind == ImportKind.TASKS:
        access.require(by, "keytask.manage", plan)
    elif kind == ImportKind.PROJECTS:
        access.require(by, "project.manage")
    elif kind == ImportKind.SOIL:
        access.require(by, "soil.manage")
    elif kind == ImportKind.LETTERS:
        access.require(by, "letter.manage")
    else:
        access.require(by, "heating.manage")
    run = ImportRun(kind=kind, plan=plan if kind == ImportKind.TASKS else None, original_name=file_name[:200],
                    by=by, uploaded_at=now)
    run.file.save(f"{kind}-{now:%Y%m%d%H%M%S}.bin", ContentFile(data), save=False)
    run.save()
    job_enqueue(kind=JOB_KIND, payload={"run": run.id})
    return run


def _note(run: ImportRun, **changes: Any) -> None:
    """Progress written at once (autocommit), so that the page sees it while the import goes on."""
    for name, value in changes.items():
        setattr(run, name, value)
    retry_locked(lambda: ImportRun.objects.filter(id=run.id).update(**changes), what=f"import {run.id}")


def import_execute(*, run: ImportRun, now: datetime | None = None) -> ImportRun:
    """Checks and writes the run's file as its uploader; the outcome and its problems end up on the run."""
    _note(run, state=ImportState.CHECKING, rows_checked=0, rows_written=0, errors=[])

    def checked(done: int, total: int) -> None:
        _note(run, rows_checked=done, rows_total=total)

    def written(done: int, total: int) -> None:
        _note(run, state=ImportState.WRITING, rows_written=done, rows_total=total)

    with run.file.open("rb") as handle:
        data = handle.read()
    errors: list[texts.Stored]
    try:
        if run.by is None:
            raise PermissionDenied
        if run.kind == ImportKind.TASKS and run.plan is not None:
            record = tasks_import(plan=run.plan, by=run.by, data=data, file_name=run.original_name,
                                  on_checked=checked, on_written=written)
            count, errors = record.task_count, record.errors
        elif run.kind == ImportKind.LETTERS:
            count, errors = letters_import(by=run.by, data=data, file_name=run.original_name,
                                           on_checked=checked, on_written=written)
        elif run.kind == ImportKind.SOIL:
            count, errors = soil_import(by=run.by, data=data, file_name=run.original_name,
                                        on_checked=checked, on_written=written)
        elif run.kind == ImportKind.PROJECTS:
            count, errors = projects_import(by=run.by, data=data, file_name=run.original_name,
                                            on_checked=checked, on_written=written)
        else:
            count, errors = households_import(by=run.by, data=data, on_checked=checked, on_written=written)
    except PermissionDenied:
        count, errors = 0, [texts.message(texts.gettext_noop(
            "Nothing was written: the uploader may no longer import this list."))]
    _note(run, state=ImportState.FAILED if errors else ImportState.DONE, rows_written=count,
          errors=errors[:MAX_ERRORS], finished_at=now or timezone.now())
    return run


@job_kind(JOB_KIND)
def import_job(job) -> None:
    run = ImportRun.objects.filter(id=job.payload.get("run")).first()
    # A run already finished is left as it is: a job run twice changes nothing.
    if run is not None and run.running:
        import_execute(run=run)
