"""Stored raw packets decoded again: after a crash, after a device's settings were corrected, or by hand
(``lanqing replay``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from lanqing import hj212
from lanqing.hj212 import Frame, Rejection
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
) -> ReplayCount:
    """Decode stored raw packets again and upsert what they carry; raw packets themselves are not changed.

    Accepted packets are decoded without the password check (it passed when they arrived). Idempotent.
    """
    if packets is None:
        query = RawPacket.objects.filter(verdict=Verdict.ACCEPTED).order_by("id")
        if mn:
            query = query.filter(mn=mn)
        if since:
            query = query.filter(received_at__gte=since)
        packets = query.iterator(chunk_size=chunk)
    cache = DeviceCache()
    count = ReplayCount()
    rows = Rows()
    for raw in packets:
        count.packets += 1
        data = bytes(raw.data)
        parsed = hj212.parse_bytes(data)
        mn_sent = mn_of(parsed)
        device = cache.device(mn_sent) if mn_sent else None
        if device is not None and isinstance(parsed, Rejection) and worth_retrying(parsed, device):
            parsed = hj212.parse_bytes(data, crc_mode=device.crc_mode, key=device.key)
        if isinstance(parsed, Rejection) or device is None:
            count.skipped += 1
            continue
        received = Received(Frame(data, 0), raw.peer, raw.received_at)
        outcome = packet_outcome(parsed, device, cache, received, rows, check_password=False)
        if outcome.accepted:
            count.decoded += 1
        if len(rows.measurements) >= chunk:
            count.measurements += _flush(rows)
            rows = Rows()
    count.measurements += _flush(rows)
    return count


def _flush(rows: Rows) -> int:
    rows.seen.clear()  # replay says nothing about whether a device is online now
    with transaction.atomic():
        rows_write(rows)
    return len(rows.measurements)
