"""Writes to the monitoring registry that views call."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from lanqing.jobs.services import job_enqueue
from lanqing.monitoring.jobs import IMPORT_JOB
from lanqing.monitoring.models import DeviceKey, MeasurementImport

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def measurement_import_submit(*, file_name: str, content: bytes, by: User) -> MeasurementImport:
    """Keeps the file as received (for audit) and queues it for the worker."""
    record = MeasurementImport.objects.create(file_name=file_name[:255], content=content, uploaded_by=by)
    job_enqueue(kind=IMPORT_JOB, payload={"import_id": record.id})
    return record


@transaction.atomic
def device_key_replace(*, device_id: int, raw: bytes) -> DeviceKey:
    """Make ``raw`` the device's SM4 key: the current key is retired (kept, sealed, for packets that were
    encrypted with it) and the new one sealed. The receiver picks it up within its device cache's TTL."""
    now = timezone.now()
    DeviceKey.objects.filter(device_id=device_id, retired_at__isnull=True).update(retired_at=now)
    key = DeviceKey(device_id=device_id, created_at=now)
    key.seal(raw)
    key.save()
    return key


def device_key_row(device_id: int) -> DeviceKey | None:
    """The device's current key row (the newest one not retired, the later row of two made at once), still
    sealed; None when it has none."""
    return (
        DeviceKey.objects.filter(device_id=device_id, retired_at__isnull=True).order_by("-created_at", "-id").first()
    )


def device_key_current(device_id: int) -> bytes | None:
    """The device's current SM4 key, unsealed; None when it has none, or none that opens (sealed under
    another SECRET_KEY: the receiver cannot use it either, so a key given now should replace it)."""
    from cryptography.exceptions import InvalidTag

    row = device_key_row(device_id)
    if row is None:
        return None
    try:
        return row.open()
    except InvalidTag:
        return None
