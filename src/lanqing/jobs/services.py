"""Enqueue, claim and run jobs. Claims are conditional updates, so two workers never run the same job."""

from __future__ import annotations

import logging
import os
import socket
import traceback
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lanqing.jobs.models import Job, JobStatus, PeriodicRun
from lanqing.jobs.registry import handler_for, periodic_tasks
from lanqing.locked import retry_locked

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# A job claimed longer ago than this belongs to a worker that died; it is offered again.
STALE_CLAIM = timedelta(minutes=30)


def job_enqueue(*, kind: str, payload: dict | None = None, run_after: datetime | None = None) -> Job:
    return Job.objects.create(kind=kind, payload=payload or {}, run_after=run_after or timezone.now())


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def job_claim_next(*, worker: str, now: datetime | None = None) -> Job | None:
    now = now or timezone.now()
    candidates = Job.objects.filter(status=JobStatus.QUEUED, run_after__lte=now) | Job.objects.filter(
        status=JobStatus.RUNNING, claimed_at__lt=now - STALE_CLAIM)
    for job_id, status, claimed_at in candidates.order_by("run_after", "id").values_list(
            "id", "status", "claimed_at")[:10]:
        # Conditional update: only the worker whose UPDATE still sees the old state wins the job.
        won = Job.objects.filter(id=job_id, status=status, claimed_at=claimed_at).update(
            status=JobStatus.RUNNING, claimed_by=worker, claimed_at=now, attempts=F("attempts") + 1)
        if won:
            return Job.objects.get(id=job_id)
    return None


def job_run(*, job: Job) -> None:
    handler = handler_for(job.kind)
    if handler is None:
        _finish(job, JobStatus.FAILED, f"no handler for job kind {job.kind!r}")
        return
    try:
        handler(job)
    except Exception:  # one job's failure must not stop the worker
        log.exception("job %s failed", job)
        status = JobStatus.FAILED if job.attempts >= MAX_ATTEMPTS else JobStatus.QUEUED
        error = traceback.format_exc()[-4000:]
        retry_locked(lambda: Job.objects.filter(id=job.id).update(
            status=status, error=error, run_after=timezone.now() + timedelta(minutes=job.attempts)),
            what=f"job {job.id}")
        return
    _finish(job, JobStatus.DONE, "")


def _finish(job: Job, status: str, error: str) -> None:
    retry_locked(lambda: Job.objects.filter(id=job.id).update(
        status=status, error=error, finished_at=timezone.now(),
        progress=100 if status == JobStatus.DONE else F("progress")), what=f"job {job.id}")


def periodic_due(*, now: datetime | None = None) -> list[str]:
    """Runs every periodic task whose interval has passed; returns the names that ran."""
    now = now or timezone.now()
    ran = []
    for task in periodic_tasks():
        # Another process's write (an import, the receiver) makes the worker wait here, not die.
        record = retry_locked(partial(_periodic_record, task.name), what=f"periodic {task.name}")
        if record.last_run_at and record.last_run_at > now - task.every:
            continue
        won = retry_locked(partial(_periodic_claim, record, now), what=f"periodic {task.name}")
        if not won:
            continue
        try:
            task.run()
        except Exception:
            log.exception("periodic task %s failed", task.name)
        ran.append(task.name)
    return ran


def _periodic_record(name: str) -> PeriodicRun:
    return PeriodicRun.objects.get_or_create(name=name)[0]


def _periodic_claim(record: PeriodicRun, now: datetime) -> int:
    with transaction.atomic():
        return PeriodicRun.objects.filter(id=record.id, last_run_at=record.last_run_at).update(last_run_at=now)


def job_waiting(*, now: datetime | None = None) -> bool:
    """Whether a queued job is due; the worker loop asks this between its passes (one indexed read)."""
    return Job.objects.filter(status=JobStatus.QUEUED, run_after__lte=now or timezone.now()).exists()


def worker_pass(*, worker: str, max_jobs: int = 100) -> int:
    """One pass: due periodic tasks, then up to max_jobs queued jobs. Returns the number of jobs run."""
    periodic_due()
    count = 0
    while count < max_jobs:
        job = job_claim_next(worker=worker)
        if job is None:
            break
        job_run(job=job)
        count += 1
    return count
