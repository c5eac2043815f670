from __future__ import annotations

from datetime import timedelta

from lanqing.jobs.registry import job_kind, periodic
from lanqing.notifications.services import DELIVER_JOB, deliveries_send


@job_kind(DELIVER_JOB)
def deliver(job) -> None:
    # A refused delivery is recorded on its row, not raised: the job is done and the retry below takes over.
    deliveries_send(notification_ids=job.payload.get("notification_ids"))


@periodic("notifications.retry", every=timedelta(minutes=5))
def retry_deliveries() -> None:
    # Deliveries that failed (mail server down) get MAX_ATTEMPTS tries in all.
    deliveries_send()
