from __future__ import annotations

from datetime import datetime, timedelta

from lanqing.alerts.services import alerts_evaluate
from lanqing.jobs.registry import job_kind, periodic

EVALUATE_JOB = "alerts.evaluate"


@job_kind(EVALUATE_JOB)
def run_evaluation(job) -> None:
    """Queued by the receiver after it stores new data: payload {"since": ISO time of the oldest new value}."""
    since = job.payload.get("since")
    alerts_evaluate(since=datetime.fromisoformat(since) if since else None)


@periodic("alerts.evaluate", every=timedelta(minutes=5))
def evaluate_on_schedule() -> None:
    # Offline devices send nothing that could trigger an evaluation, so the schedule is what finds them.
    alerts_evaluate()
