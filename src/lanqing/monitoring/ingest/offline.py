"""Devices that have gone silent marked offline. Ingest marks a device online when it stores the device's
packets (``write.rows_write``); this marks it offline once they stop, whether the device or its receiver
died."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone as dj_timezone

from lanqing.monitoring.models import Device


def devices_mark_offline(
    *, silent_for: timedelta = timedelta(minutes=15), now: datetime | None = None
) -> int:
    """Devices not heard from in ``silent_for`` are offline (also covers a receiver that died)."""
    now = now or dj_timezone.now()
    return (
        Device.objects.filter(is_online=True)
        .exclude(last_seen_at__gte=now - silent_for)
        .update(is_online=False)
    )
