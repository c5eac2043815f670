"""The database as the job queue: claims are exclusive, failures retry, periodic tasks keep their rhythm."""

from datetime import timedelta

import pytest
from django.utils import timezone

from lanqing.jobs import registry
from lanqing.jobs.models import Job, PeriodicRun
from lanqing.jobs.services import job_claim_next, job_enqueue, job_run, periodic_due, worker_pass


@pytest.fixture(autouse=True)
def ran(monkeypatch) -> list[int]:
    """Registers this file's job kinds for one test only: the registry is a copy that is put back afterwards,
    so no other test (or worker in it) ever sees a "test.*" kind or periodic task."""
    monkeypatch.setattr(registry, "_handlers", dict(registry._handlers))
    monkeypatch.setattr(registry, "_periodic", dict(registry._periodic))
    ran: list[int] = []

    @registry.job_kind("test.record")
    def _record(job):
        ran.append(job.payload["n"])

    @registry.job_kind("test.fail")
    def _fail(job):
        raise RuntimeError("boom")

    return ran


def test_a_job_is_claimed_by_one_worker_only(db):
    job_enqueue(kind="test.record", payload={"n": 1})
    first = job_claim_next(worker="a")
    second = job_claim_next(worker="b")
    assert first is not None
    assert second is None
    assert Job.objects.get().claimed_by == "a"


def test_a_stale_claim_of_a_dead_worker_is_offered_again(db):
    job_enqueue(kind="test.record", payload={"n": 1})
    job_claim_next(worker="dead", now=timezone.now() - timedelta(hours=2))
    assert job_claim_next(worker="alive").claimed_by == "alive"


def test_jobs_run_in_order_and_are_marked_done(db, ran):
    for n in (1, 2, 3):
        job_enqueue(kind="test.record", payload={"n": n})
    assert worker_pass(worker="w") == 3
    assert ran == [1, 2, 3]
    assert set(Job.objects.values_list("status", flat=True)) == {"done"}


def test_a_failing_job_is_retried_then_marked_failed_with_its_error(db):
    job_enqueue(kind="test.fail")
    for _ in range(3):
        Job.objects.update(run_after=timezone.now())
        job = job_claim_next(worker="w")
        job_run(job=job)
    job = Job.objects.get()
    assert job.status == "failed"
    assert "boom" in job.error
    assert job.attempts == 3


def test_a_job_of_unknown_kind_fails_with_a_reason(db):
    job_enqueue(kind="nobody.handles.this")
    worker_pass(worker="w")
    assert "no handler" in Job.objects.get().error


def test_periodic_tasks_run_once_per_interval(db):
    calls = []
    registry.periodic("test.tick", every=timedelta(minutes=5))(lambda: calls.append(1))
    now = timezone.now()
    assert "test.tick" in periodic_due(now=now)
    assert "test.tick" not in periodic_due(now=now + timedelta(minutes=1))
    assert "test.tick" in periodic_due(now=now + timedelta(minutes=6))
    assert len(calls) == 2
    assert PeriodicRun.objects.filter(name="test.tick").exists()
