"""Writes to the monitoring registry that views call."""

from __future__ import annotations

from django.db import transaction

from lanqing.jobs.services import job_enqueue
from lanqing.monitoring.jobs import IMPORT_JOB
from lanqing.monitoring.models import MeasurementImport


@transaction.atomic
def measurement_import_submit(*, file_name: str, content: bytes, by) -> MeasurementImport:
    """Keeps the file as received (for audit) and queues it for the worker."""
    record = MeasurementImport.objects.create(file_name=file_name[:255], content=content, uploaded_by=by)
    job_enqueue(kind=IMPORT_JOB, payload={"import_id": record.id})
    return record
