from __future__ import annotations

from datetime import timedelta

from lanqing.jobs.registry import periodic
from lanqing.notifications.services import deliveries_send


@periodic("notifications.retry", every=timedelta(minutes=5))
def retry_deliveries() -> None:
    # Deliveries that failed on commit (mail server down) get MAX_ATTEMPTS tries in all.
    deliveries_send()
