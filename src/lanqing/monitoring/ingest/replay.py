"""Stored raw packets decoded again: after a crash, after a device's settings were corrected, or by hand
(``lanqing replay``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.db import transaction

from lanqing import hj212
from lanqing.hj212 import Frame, Rejection
from lanqing.locked import retry_locked
from lanqing.monitoring.ingest.decide import Received, mn_of, packet_outcome, worth_retrying
from lanqing.monitoring.ingest.devices import DeviceCache
from lanqing.monitoring.ingest.write import Rows, rows_write
from lanqing.monitoring.models import RawPacket, Verdict


@dataclass
class ReplayCount:
    packets: int = 0
    decoded: int = 0
    measurements: int = 0
    skipped: int = 0


def packets_replay(
    *,
    packets: Iterable[RawPacket] | None = None,
    mn: str | None = None,
    since: datetime | None = None,
    chunk: int = 2000,
    turn: Callable[[], AbstractContextManager] = nullcontext,
) -> ReplayCount:
    """Decode stored raw packets again and upsert what they carry; raw packets themselves are not changed.

    Accepted packets are decoded without the password check (it passed when they arrived). Idempotent.
    Packets are read ``chunk`` at a time, each chunk read whole before its rows are written: on SQLite a
    read left open across a write would pin an old snapshot, and a write from that snapshot after another
    process committed is refused at once. Each chunk's write takes ``turn`` (the receiver's write turns)
    and waits out a locked database like any writer.
    """
    count = ReplayCount()
    cache = DeviceCache()
    for page in _pages(packets, mn=mn, since=since, chunk=chunk):
        rows = Rows()
        for raw in page:
            _decode(raw, cache, rows, count)
        count.measurements += _flush(rows, turn)
    return count


def _pages(
    packets: Iterable[RawPacket] | None, *, mn: str | None, since: datetime | None, chunk: int
) -> Iterable[list[RawPacket]]:
    if packets is not None:
        given = iter(packets)
        while page := list(islice(given, chunk)):
            yield page
        return
    query = RawPacket.objects.filter(verdict=Verdict.ACCEPTED).only("id", "data", "peer", "received_at")
    if mn:
        query = query.filter(mn=mn)
    if since:
        query = query.filter(received_at__gte=since)
    after = 0
    while True:
        # By id, not by an open cursor: every page is a read of its own, finished before anything is written.
        page = list(query.filter(id__gt=after).order_by("id")[:chunk])
        if not page:
            return
        after = page[-1].id
        yield page


def _decode(raw: RawPacket, cache: DeviceCache, rows: Rows, count: ReplayCount) -> None:
    count.packets += 1
    data = bytes(raw.data)
    parsed = hj212.parse_bytes(data)
    mn_sent = mn_of(parsed)
    device = cache.device(mn_sent) if mn_sent else None
    if device is not None and isinstance(parsed, Rejection) and worth_retrying(parsed, device):
        parsed = hj212.parse_bytes(data, crc_mode=device.crc_mode, key=device.key)
    if isinstance(parsed, Rejection) or device is None:
        count.skipped += 1
        return
    received = Received(Frame(data, 0), raw.peer, raw.received_at)
    outcome = packet_outcome(parsed, device, cache, received, rows, check_password=False)
    if outcome.accepted:
        count.decoded += 1


def _flush(rows: Rows, turn: Callable[[], AbstractContextManager]) -> int:
    rows.seen.clear()  # replay says nothing about whether a device is online now

    def write() -> None:
        with turn(), transaction.atomic():
            rows_write(rows)

    retry_locked(write, what="replay")
    return len(rows.measurements)
