from __future__ import annotations

from datetime import timedelta

from lanqing.alerts.services import alerts_evaluate
from lanqing.jobs.registry import job_kind, periodic
from lanqing.monitoring.measurements import NEW_VALUES_JOB


@job_kind(NEW_VALUES_JOB)
def evaluate_new_values(job) -> None:
    """Queued, coalesced, by the commit that stores hourly or daily values (the receiver's, an import's)."""
    alerts_evaluate(new_only=True)


@periodic("alerts.evaluate", every=timedelta(minutes=5))
def evaluate_on_schedule() -> None:
    # Offline devices send nothing that could trigger an evaluation, so the schedule is what finds them.
    alerts_evaluate()
