"""Measurements of acknowledged packets written a moment later, in larger transactions, and the crash mark
(``ReceiverProgress``) from which a restarted receiver worker decodes again what it had not written."""

from __future__ import annotations

import logging
import time as monotonic_clock
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import DataError, IntegrityError, transaction
from django.db.models import Min, Q

from lanqing.locked import retry_locked
from lanqing.monitoring.ingest.replay import ReplayCount, packets_replay
from lanqing.monitoring.ingest.write import Rows, measurements_merge, rows_write
from lanqing.monitoring.models import Factor, Point, ReceiverProgress

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Deferred:
    """Measurement rows of acknowledged packets, waiting to be written in one larger transaction.

    Why: each commit rewrites every index page it touches, and the natural-key index has a page per
    series; a batch of 100 packets touches ~600 of them for 600 rows. Written every few thousand packets
    the same pages carry many rows each (benchmarks/bench_receiver.py measures the difference).
    """

    slot: int
    measurements: dict[tuple, tuple] = field(default_factory=dict)
    since: float = 0.0  # monotonic time the oldest row was added
    # As in ``Rows``: where hourly and daily rows came from, and later values for keys already waiting.
    origins: dict[tuple, tuple] = field(default_factory=dict)
    revisions: list[tuple[tuple, tuple]] = field(default_factory=list)

    def add(self, measurements: dict[tuple, tuple], origins: dict[tuple, tuple] | None = None) -> None:
        if not self.measurements:
            self.since = monotonic_clock.monotonic()
        # As writing them in order would: later values replace earlier ones of the same key, except of an hour
        # or day, whose first values stay and later different ones become revisions.
        measurements_merge(self.measurements, self.origins, self.revisions,
                           Rows(measurements=measurements, origins=origins or {}))

    def rows(self) -> Rows:
        return Rows(measurements=self.measurements, origins=self.origins, revisions=self.revisions)

    def clear(self) -> None:
        self.measurements, self.origins, self.revisions = {}, {}, []

    @property
    def age(self) -> float:
        return monotonic_clock.monotonic() - self.since if self.measurements else 0.0


def deferred_write(deferred: Deferred) -> int:
    """Write the waiting measurements and clear the crash mark, in one transaction; returns the rows.

    Should the database refuse a row, the others are still written and the refused ones logged and
    dropped — kept, they would fail every later write too. Their packets are acknowledged and kept as raw
    bytes (``lanqing replay`` can decode them again). Only an unreachable database raises: then the rows
    stay waiting for the next try.
    """
    if not deferred.measurements:
        return 0
    try:
        with transaction.atomic():
            rows_write(deferred.rows())
            progress_set(deferred.slot, None)
    except (IntegrityError, DataError):
        log.exception("%d deferred measurements failed to commit; writing them one by one", len(deferred.measurements))
        _write_each(deferred)
    written = len(deferred.measurements)
    deferred.clear()
    return written


def _write_each(deferred: Deferred) -> None:
    # Foreign keys are checked only at commit (deferred constraints), where a savepoint cannot isolate
    # them: rows whose point or factor has gone are left out before writing.
    rows = deferred.measurements
    points = set(Point.objects.filter(id__in={key[0] for key in rows}).values_list("id", flat=True))
    factors = set(Factor.objects.filter(id__in={key[1] for key in rows}).values_list("id", flat=True))
    with transaction.atomic():
        for key, row in rows.items():
            if key[0] not in points or key[1] not in factors:
                log.error("measurement %s not stored: its point or factor no longer exists", key)
                continue
            origin = deferred.origins.get(key)
            try:
                with transaction.atomic():
                    rows_write(Rows(measurements={key: row}, origins={key: origin} if origin else {}))
            except (IntegrityError, DataError) as exc:
                log.error("measurement %s not stored (its raw packet is kept): %s", key, exc)
        try:
            with transaction.atomic():
                rows_write(Rows(revisions=deferred.revisions))
        except (IntegrityError, DataError) as exc:
            log.error("%d revised values not stored (their raw packets are kept): %s", len(deferred.revisions), exc)
        progress_set(deferred.slot, None)


def deferred_recover(
    slot: int,
    *,
    beyond: int | None = None,
    margin: timedelta = timedelta(minutes=1),
    turn: Callable[[], AbstractContextManager] = nullcontext,
) -> ReplayCount | None:
    """After a crash: decode again the raw packets whose measurements this receiver worker had not written.

    ``beyond``: also take over the marks of workers numbered ``beyond`` and up, which a run with more
    workers left behind (worker 0 passes the number of workers now running). The margin covers wall-clock
    steps between the packets' arrival times. Replay is idempotent, so decoding a packet twice changes
    nothing. Returns None when nothing was pending. Every write takes ``turn`` and waits out another
    process's write lock (``lanqing.locked``): a restart must not fail because someone else is writing.
    """
    slots = Q(slot=slot)
    if beyond is not None:
        slots |= Q(slot__gte=beyond)
    marks = ReceiverProgress.objects.filter(slots, pending_since__isnull=False)
    since = marks.aggregate(oldest=Min("pending_since"))["oldest"]
    if since is None:
        return None
    count = packets_replay(since=since - margin, turn=turn)

    def clear() -> None:
        with turn():
            marks.update(pending_since=None)

    retry_locked(clear, what="recovery")
    return count


def progress_set(slot: int, pending_since: datetime | None) -> None:
    """Sets the crash mark of receiver worker ``slot``: the arrival time from which its measurements wait
    (None once they are written)."""
    ReceiverProgress.objects.update_or_create(slot=slot, defaults={"pending_since": pending_since})
