"""Under load the receiver acknowledges on the raw packet and writes measurements a moment later: nothing
is lost by that, neither the values nor, after a crash, the rows that were still waiting."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from lanqing import hj212
from lanqing.hj212 import Cn, Framer, Peer
from lanqing.monitoring.ingest.batch import ingest_batch
from lanqing.monitoring.ingest.decide import Received
from lanqing.monitoring.ingest.deferred import Deferred, deferred_recover, deferred_write
from lanqing.monitoring.ingest.devices import DeviceCache
from lanqing.monitoring.models import Measurement, RawPacket, ReceiverProgress

pytestmark = pytest.mark.django_db

# Arrived after the last minute any test sends (DataTime later than arrival plus the clock tolerance is refused).
ARRIVED = datetime(2026, 3, 1, 12, 0, 30, tzinfo=UTC)
WHEN = datetime(2026, 3, 1, 15, 0)  # noqa: DTZ001 - HJ 212 DataTime, naive Beijing time as devices send it


def _batch(values: list[float], *, start: int = 0, arrived: datetime = ARRIVED) -> list[Received]:
    p = Peer("MNAIR01", "123456", "22")
    frames = [
        hj212.build_data(p, Cn.MINUTE_DATA, WHEN + timedelta(minutes=start + i), {"a34004": {"Avg": v, "Flag": "N"}})
        for i, v in enumerate(values)
    ]
    return [Received(item, "127.0.0.1:1", arrived) for frame in frames for item in Framer().feed(frame)]


def test_deferred_measurements_follow_the_acknowledged_raw_packets(cast):
    deferred = Deferred(slot=0)
    outcomes = ingest_batch(_batch([10.0, 11.0, 12.0]), cache=DeviceCache(), deferred=deferred)
    assert all(o.accepted and o.reply for o in outcomes)
    # Acknowledged: the raw packets are committed, the measurements wait, and the crash mark says since when.
    assert RawPacket.objects.filter(verdict="accepted").count() == 3
    assert not Measurement.objects.exists()
    assert ReceiverProgress.objects.get(slot=0).pending_since == ARRIVED
    assert deferred_write(deferred) == 3
    assert sorted(Measurement.objects.values_list("value", flat=True)) == [10.0, 11.0, 12.0]
    assert ReceiverProgress.objects.get(slot=0).pending_since is None
    assert not deferred.measurements


def test_a_large_batch_of_odd_size_is_stored_whole_in_order(cast):
    # 299 rows are written as statements of 256, 32, 8, 2 and 1 rows: none may be lost or shifted.
    values = [float(i) for i in range(299)]
    deferred = Deferred(slot=0)
    outcomes = ingest_batch(_batch(values), cache=DeviceCache(), deferred=deferred)
    assert len(outcomes) == 299
    assert all(o.accepted for o in outcomes)
    assert RawPacket.objects.filter(verdict="accepted").count() == 299
    assert deferred_write(deferred) == 299
    assert list(Measurement.objects.order_by("time").values_list("value", flat=True)) == values


def test_two_writes_of_one_value_in_one_transaction_leave_the_later(cast):
    # On PostgreSQL rows pass through a temporary table; the second write must not meet the first's rows.
    first, second = Deferred(slot=0), Deferred(slot=0)
    cache = DeviceCache()
    ingest_batch(_batch([10.0, 11.0]), cache=cache, deferred=first)
    ingest_batch(_batch([99.0]), cache=cache, deferred=second)
    with transaction.atomic():
        deferred_write(first)
        deferred_write(second)
    assert list(Measurement.objects.order_by("time").values_list("value", flat=True)) == [99.0, 11.0]


def test_a_later_value_for_the_same_time_wins_while_waiting(cast):
    deferred = Deferred(slot=0)
    cache = DeviceCache()
    ingest_batch(_batch([10.0]), cache=cache, deferred=deferred)
    ingest_batch(_batch([99.0]), cache=cache, deferred=deferred)  # the device resent with a correction
    deferred_write(deferred)
    assert list(Measurement.objects.values_list("value", flat=True)) == [99.0]


def test_after_a_crash_the_waiting_measurements_are_decoded_again_from_the_raw_packets(cast):
    lost = Deferred(slot=0)
    ingest_batch(_batch([1.0, 2.0]), cache=DeviceCache(), deferred=lost)
    ingest_batch(_batch([3.0], start=2), cache=DeviceCache(), deferred=lost)
    del lost  # the process died before writing them
    assert not Measurement.objects.exists()
    count = deferred_recover(0)
    assert count is not None
    assert count.decoded == 3
    assert sorted(Measurement.objects.values_list("value", flat=True)) == [1.0, 2.0, 3.0]
    assert ReceiverProgress.objects.get(slot=0).pending_since is None
    assert deferred_recover(0) is None  # nothing waits any more: a normal start decodes nothing


def test_recovery_concerns_only_the_worker_that_stopped(cast):
    ingest_batch(_batch([5.0]), cache=DeviceCache(), deferred=Deferred(slot=1))
    assert deferred_recover(0) is None
    assert not Measurement.objects.exists()
    assert deferred_recover(1) is not None
    assert Measurement.objects.get().value == 5.0


def test_a_small_batch_without_deferral_is_visible_with_its_acknowledgement(cast):
    ingest_batch(_batch([7.0]), cache=DeviceCache())
    assert Measurement.objects.get().value == 7.0
    assert not ReceiverProgress.objects.exists()


def test_worker_0_also_repairs_what_workers_beyond_the_current_count_left(cast):
    # A run with three workers crashed; the receiver now runs two.
    ingest_batch(_batch([1.0]), cache=DeviceCache(), deferred=Deferred(slot=2))
    ingest_batch(_batch([2.0], start=1), cache=DeviceCache(), deferred=Deferred(slot=1))
    assert deferred_recover(1, beyond=None) is not None  # worker 1 repairs its own
    assert deferred_recover(0, beyond=2) is not None  # worker 0 of 2 repairs worker 2's
    assert sorted(Measurement.objects.values_list("value", flat=True)) == [1.0, 2.0]
    assert not ReceiverProgress.objects.filter(pending_since__isnull=False).exists()


@pytest.mark.django_db(transaction=True)  # real commits: foreign keys are checked only there
def test_a_waiting_row_the_database_refuses_does_not_hold_back_the_others(cast):
    from lanqing.monitoring.models import Factor

    deferred = Deferred(slot=0)
    ingest_batch(_batch([10.0]), cache=DeviceCache(), deferred=deferred)
    # A factor deleted from the catalogue while its value waited: the row now names no factor.
    [(key, row)] = deferred.measurements.items()
    gone = Factor.objects.order_by("-id").first().id + 1000
    deferred.add({(key[0], gone, *key[2:]): (row[0], gone, *row[2:])})
    assert deferred_write(deferred) == 2
    assert list(Measurement.objects.values_list("value", flat=True)) == [10.0]
    assert ReceiverProgress.objects.get(slot=0).pending_since is None
    assert not deferred.measurements


def test_frames_arriving_while_the_turn_is_awaited_are_stored_in_the_same_commit(cast):
    # ``late`` is asked only once the turn is held; its frames are answered after the batch's, and their
    # measurements wait with the batch's.
    held: list[bool] = []
    inside = False

    @contextmanager
    def turn():
        nonlocal inside
        inside = True
        yield
        inside = False

    def late():
        held.append(inside)
        return _batch([12.0, 13.0], start=2)

    deferred = Deferred(slot=0)
    outcomes = ingest_batch(_batch([10.0, 11.0]), cache=DeviceCache(), deferred=deferred, turn=turn, late=late)
    assert held == [True]
    assert [o.packet.data_time.minute for o in outcomes] == [0, 1, 2, 3]
    assert all(o.accepted and o.reply for o in outcomes)
    assert RawPacket.objects.filter(verdict="accepted").count() == 4
    assert deferred_write(deferred) == 4
    assert sorted(Measurement.objects.values_list("value", flat=True)) == [10.0, 11.0, 12.0, 13.0]
