"""How long raw packets are kept: rejected ones (strangers, junk, wrong passwords) for
``LANQING_RAW_REJECTED_DAYS``, accepted ones for ``LANQING_RAW_ACCEPTED_DAYS``; 0 keeps them.

The worker deletes what is older, oldest first, in batches of ``BATCH`` rows, each its own short
transaction, so that the receiver's commits wait at most one batch for the write lock; one run stops after
``MAX_BATCHES`` and the next run goes on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lanqing.jobs.registry import periodic
from lanqing.monitoring.models import RawPacket, Verdict

log = logging.getLogger(__name__)

BATCH = 2000
MAX_BATCHES = 500


@dataclass(frozen=True)
class Pruned:
    rejected: int
    accepted: int


def raw_packets_prune(
    *,
    now: datetime | None = None,
    rejected_days: int | None = None,
    accepted_days: int | None = None,
    batch: int = BATCH,
    max_batches: int = MAX_BATCHES,
) -> Pruned:
    """Delete raw packets past their retention; returns how many of each verdict went."""
    now = now or timezone.now()
    rejected_days = settings.RAW_REJECTED_DAYS if rejected_days is None else rejected_days
    accepted_days = settings.RAW_ACCEPTED_DAYS if accepted_days is None else accepted_days
    budget = [max_batches]
    rejected = _prune(Verdict.REJECTED, now - timedelta(days=rejected_days), batch, budget) if rejected_days else 0
    accepted = _prune(Verdict.ACCEPTED, now - timedelta(days=accepted_days), batch, budget) if accepted_days else 0
    if rejected or accepted:
        log.info("raw packets past their retention deleted: %d rejected, %d accepted", rejected, accepted)
    return Pruned(rejected, accepted)


def _prune(verdict: str, before: datetime, batch: int, budget: list[int]) -> int:
    deleted = 0
    while budget[0] > 0:
        budget[0] -= 1
        with transaction.atomic():
            ids = list(
                RawPacket.objects.filter(verdict=verdict, received_at__lt=before)
                .order_by("received_at")
                .values_list("id", flat=True)[:batch]
            )
            if ids:
                RawPacket.objects.filter(id__in=ids).delete()
        deleted += len(ids)
        if len(ids) < batch:
            break
    return deleted


@periodic("monitoring.raw_packets_prune", every=timedelta(minutes=10))
def _scheduled() -> None:
    raw_packets_prune()
