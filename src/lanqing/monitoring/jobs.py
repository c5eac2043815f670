"""Background jobs of the monitoring app."""

from __future__ import annotations

from lanqing import texts
from lanqing.jobs.registry import job_kind
from lanqing.monitoring.imports import import_record_run
from lanqing.monitoring.models import ImportStatus, MeasurementImport
from lanqing.monitoring.selectors import sites_visible_to

IMPORT_JOB = "monitoring.import_measurements"


@job_kind(IMPORT_JOB)
def run_import(job) -> None:
    record = MeasurementImport.objects.get(id=job.payload["import_id"])
    MeasurementImport.objects.filter(id=record.id).update(status=ImportStatus.RUNNING)
    # The uploader's scope bounds which sites the file may write to, as if they imported it themselves.
    user = record.uploaded_by
    sites = sites_visible_to(user) if user is not None else None
    if sites is None:
        record.status = ImportStatus.FAILED
        record.message, record.message_text = texts.split(
            texts.message(texts.gettext_noop("the uploading user no longer exists")))
        record.save()
        return
    import_record_run(record, sites=sites)
