"""Two writers (as two receiver workers are: each its own database connection) storing first values for the
same hours at the same instant: whichever value is stored first stays, the other is kept as a revision and
never lost; identical values sent by both are one measurement and no revision."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from lanqing import hj212
from lanqing.hj212 import Cn, Framer, Peer
from lanqing.monitoring.ingest.batch import ingest_batch
from lanqing.monitoring.ingest.decide import Received
from lanqing.monitoring.ingest.devices import DeviceCache
from lanqing.monitoring.models import Measurement, MeasurementRevision

pytestmark = pytest.mark.django_db(transaction=True)

START = datetime(2025, 6, 1, 0, 0)  # noqa: DTZ001 - HJ 212 DataTime, naive Beijing time as devices send it
HOURS = 40
TRIALS = 12


def _frames(first_hour: int, value: float, *, backwards: bool) -> list[Received]:
    hours = range(first_hour, first_hour + HOURS)
    arrived = datetime.now(UTC)
    received = []
    for n in reversed(hours) if backwards else hours:
        frame = hj212.build_data(Peer("MNAIR01", "123456", "22"), Cn.HOUR_DATA, START + timedelta(hours=n),
                                 {"a34004": {"Avg": value, "Flag": "N"}})
        received += [Received(item, "127.0.0.1:1", arrived) for item in Framer().feed(frame)]
    return received


def _race(batches: list[list[Received]]) -> None:
    """Each batch stored by its own thread (its own connection), all let go at the same instant."""
    start = threading.Barrier(len(batches))
    errors: list[BaseException] = []

    def write(batch: list[Received]) -> None:
        try:
            cache = DeviceCache()
            cache.device("MNAIR01")  # registrations read before the race, so the writes start together
            start.wait()
            outcomes = ingest_batch(batch, cache=cache)
            if not all(outcome.accepted for outcome in outcomes):
                errors.append(AssertionError([outcome.reason for outcome in outcomes]))
        except BaseException as error:  # noqa: BLE001 - reported by the test thread below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors


def _by_hour(model) -> dict:
    found: dict = {}
    for time, value in model.objects.filter(factor__code="a34004").values_list("time", "value"):
        found.setdefault(time, []).append(value)
    return found


def test_two_writers_with_different_first_values_lose_neither(cast):
    for trial in range(TRIALS):
        first = trial * 100
        # The second writer takes the hours in the other order: the two lock the same keys either way round.
        _race([_frames(first, 1000.0 + trial, backwards=False), _frames(first, 2000.0 + trial, backwards=True)])
    stored = _by_hour(Measurement)
    revised = _by_hour(MeasurementRevision)
    assert len(stored) == HOURS * TRIALS
    # Every hour: one stored value and the other one as a revision, whichever came first.
    kept = {time: sorted(values + revised.get(time, [])) for time, values in stored.items()}
    lost = {time: values for time, values in kept.items() if len(values) != 2 or values[1] - values[0] != 1000}
    assert lost == {}
    assert Measurement.objects.filter(revised=False).count() == 0


def test_two_writers_with_the_same_values_store_one_measurement_and_no_revision(cast):
    for trial in range(TRIALS):
        first = trial * 100
        _race([_frames(first, 7.0, backwards=False), _frames(first, 7.0, backwards=True)])
    assert Measurement.objects.filter(factor__code="a34004").count() == HOURS * TRIALS
    assert not MeasurementRevision.objects.exists()
    assert not Measurement.objects.filter(revised=True).exists()
