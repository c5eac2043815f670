"""Raw packets past their retention are deleted by the worker's periodic task, rejected ones sooner."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from lanqing.jobs.services import periodic_due
from lanqing.monitoring.models import RawPacket
from lanqing.monitoring.retention import raw_packets_prune

pytestmark = pytest.mark.django_db


def _packets(verdict: str, days_ago: float, count: int) -> None:
    at = timezone.now() - timedelta(days=days_ago)
    RawPacket.objects.bulk_create(
        RawPacket(received_at=at, peer="127.0.0.2:4000", mn="NOSUCHMN", data=b"##0000junk", verdict=verdict,
                  reason="unknown-mn")
        for _ in range(count)
    )


def _left() -> dict[tuple[str, int], int]:
    now = timezone.now()
    left: dict[tuple[str, int], int] = {}
    for verdict, at in RawPacket.objects.values_list("verdict", "received_at"):
        key = (verdict, round((now - at).total_seconds() / 86400))
        left[key] = left.get(key, 0) + 1
    return left


def test_rejected_packets_go_after_their_days_and_accepted_ones_after_theirs_in_batches():
    _packets("rejected", 100, 25)
    _packets("rejected", 80, 3)
    _packets("accepted", 100, 4)
    _packets("accepted", 400, 6)
    pruned = raw_packets_prune(rejected_days=90, accepted_days=365, batch=10)
    assert (pruned.rejected, pruned.accepted) == (25, 6)
    assert _left() == {("rejected", 80): 3, ("accepted", 100): 4}


def test_a_run_stops_after_its_batches_and_the_next_run_goes_on():
    _packets("rejected", 100, 25)
    assert raw_packets_prune(rejected_days=90, accepted_days=0, batch=10, max_batches=2).rejected == 20
    assert raw_packets_prune(rejected_days=90, accepted_days=0, batch=10, max_batches=2).rejected == 5
    assert not RawPacket.objects.exists()


def test_zero_days_keeps_everything():
    _packets("rejected", 5000, 2)
    _packets("accepted", 5000, 2)
    pruned = raw_packets_prune(rejected_days=0, accepted_days=0)
    assert (pruned.rejected, pruned.accepted) == (0, 0)
    assert RawPacket.objects.count() == 4


@override_settings(RAW_REJECTED_DAYS=30, RAW_ACCEPTED_DAYS=0)
def test_the_worker_prunes_with_the_bureaus_settings():
    _packets("rejected", 31, 2)
    _packets("rejected", 29, 1)
    _packets("accepted", 5000, 1)
    assert "monitoring.raw_packets_prune" in periodic_due()
    assert _left() == {("rejected", 29): 1, ("accepted", 5000): 1}
