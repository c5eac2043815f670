"""``lanqing packets export``: raw packets as CSV for audits (arrival time, peer, MN, verdict, reason, …)."""

from __future__ import annotations

import csv
from datetime import datetime
from typing import TextIO

from lanqing.hj212 import CHINA
from lanqing.monitoring.models import RawPacket
from lanqing.tabular import spreadsheet_safe

COLUMNS = ["received_at_beijing", "peer", "mn", "verdict", "reason", "bytes", "packet"]


def packets_export(out: TextIO, *, mn: str | None = None, since: datetime | None = None) -> int:
    """Writes one row per raw packet, oldest first; the packet text is decoded with replacement characters
    where it is not UTF-8, and its byte count is given so nothing is hidden."""
    query = RawPacket.objects.order_by("received_at", "id")
    if mn:
        query = query.filter(mn=mn)
    if since:
        query = query.filter(received_at__gte=since)
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for packet in query.iterator(chunk_size=2000):
        data = bytes(packet.data)
        # Peers, MNs and packets come from unauthenticated senders: none of it may open as a formula.
        writer.writerow(
            [
                packet.received_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
                spreadsheet_safe(packet.peer),
                spreadsheet_safe(packet.mn),
                packet.verdict,
                spreadsheet_safe(packet.reason),
                len(data),
                spreadsheet_safe(data.decode("utf-8", "backslashreplace").rstrip("\r\n")),
            ]
        )
        count += 1
    return count
