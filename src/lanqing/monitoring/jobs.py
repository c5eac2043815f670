"""Background jobs of the monitoring app."""

from __future__ import annotations

from datetime import date, timedelta

from lanqing import texts
from lanqing.jobs.registry import job_kind, periodic
from lanqing.monitoring import daily, quality
from lanqing.monitoring.imports import import_record_run
from lanqing.monitoring.models import ImportStatus, MeasurementImport, Site, SiteKind
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


@periodic("monitoring.site_days", every=timedelta(minutes=15))
def site_days_keep() -> int:
    """Computes and keeps the daily figures the overview, analysis and report pages read (from 1 January of
    last year, for the year-on-year comparisons, to yesterday) that are not kept yet or went stale, so those
    pages read kept rows, then the blank area figures of the day (``daily.areas_keep``); returns the number of
    sites looked at."""
    today = daily.local_today()
    first = date(today.year - 1, 1, 1)
    days = (today - first).days
    sites = list(Site.objects.filter(kind__in=daily.KEPT_KINDS, is_active=True).order_by("id"))
    for site in sites:
        if site.kind == SiteKind.AIR:
            quality.air_days(site, first_day=first, days=days)
        else:
            quality.daily_water_class(site, last_day=today - timedelta(days=1), days=days)
    daily.areas_keep()
    return len(sites)
