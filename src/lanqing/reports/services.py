"""Asking for a report, generating it (the worker), and the schedule that asks for the usual ones."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from lanqing import texts
from lanqing.jobs.services import job_enqueue
from lanqing.org.models import Jurisdiction, Unit, UnitKind
from lanqing.reports import content, episode, render
from lanqing.reports.models import IN_PROGRESS, Report, ReportKind, ReportStatus

log = logging.getLogger(__name__)
GENERATE_JOB = "reports.generate"


class ReportRefused(ValueError):
    """A request that cannot be met (a period not yet over, a kind unknown); the message says why."""


def period_of(kind: str, start: date) -> tuple[date, date]:
    """The first and last day a report of this kind covers when it starts on (or in) `start`."""
    if kind == ReportKind.DAILY_AIR:
        return start, start
    if kind == ReportKind.MONTHLY:
        first = start.replace(day=1)
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return first, following - timedelta(days=1)
    if kind == ReportKind.YEARLY:
        return date(start.year, 1, 1), date(start.year, 12, 31)
    raise ReportRefused(translation.gettext("Unknown kind of report."))


def report_request(*, kind: str, start: date, area: Jurisdiction, by: User | None = None,
                   today: date | None = None) -> Report:
    """Queues a report of a period that is over; a report of the same period already being made is returned
    instead of a second one (so two clicks, or the schedule and a clerk, never make two)."""
    today = today or timezone.localdate()
    first, last = period_of(kind, start)
    if last >= today:
        raise ReportRefused(translation.gettext(
            "The period %(first)s to %(last)s is not over yet: a report covers complete days only.") % {
            "first": first.isoformat(), "last": last.isoformat()})
    language = translation.get_language() if by is not None else settings.LANGUAGE_CODE
    try:
        with transaction.atomic():
            report = Report.objects.create(kind=kind, jurisdiction=area, period_start=first, period_end=last,
                                           language=language or settings.LANGUAGE_CODE, requested_by=by,
                                           requested_at=timezone.now())
            job_enqueue(kind=GENERATE_JOB, payload={"report_id": report.id})
    except IntegrityError:
        return Report.objects.get(kind=kind, jurisdiction=area, period_start=first, status__in=IN_PROGRESS)
    return report


def _claim(report_id: int) -> bool:
    """Takes the report for this worker; False when another worker has it or it is done."""
    return Report.objects.filter(id=report_id, status=ReportStatus.QUEUED).update(
        status=ReportStatus.RUNNING, started_at=timezone.now(), progress=5) == 1


def _progress(report_id: int) -> content.Progress:
    def tell(percent: int) -> None:
        Report.objects.filter(id=report_id).update(progress=percent)
    return tell


def report_generate(*, report_id: int) -> None:
    """Builds the report's PDF and workbook in its own language; a failure is kept with its reason."""
    if not _claim(report_id):
        return
    report = Report.objects.select_related("jurisdiction", "warning").get(id=report_id)
    try:
        with translation.override(report.language):
            if report.kind == ReportKind.EPISODE and report.warning is not None:
                built = episode.build(report.warning, progress=_progress(report.id))
            else:
                built = content.build(report.kind, report.jurisdiction, report.period_start, report.period_end,
                                      progress=_progress(report.id))
            pdf, xlsx = render.pdf_bytes(built), render.xlsx_bytes(built)
        used = content.data_used(report.jurisdiction, report.period_start, report.period_end,
                                  kind=report.kind)
    except render.FontMissing as missing:
        _fail(report, texts.message(texts.gettext_noop(
            "No font with Chinese characters was found (looked for %(font)s): install fonts-noto-cjk or set "
            "LANQING_PDF_FONT."), font=str(missing)))
        return
    except Exception:
        _fail(report, texts.message(texts.gettext_noop("The report could not be generated; the worker's log says why.")))
        raise
    Report.objects.filter(id=report.id).update(status=ReportStatus.DONE, progress=100, pdf=pdf, xlsx=xlsx,
                                               sources=used, finished_at=timezone.now())


def _fail(report: Report, reason: texts.Stored) -> None:
    log.warning("report %s failed: %s", report.id, reason)
    Report.objects.filter(id=report.id).update(status=ReportStatus.FAILED, failure_text=reason,
                                               finished_at=timezone.now())


def scheduled_areas() -> list[Jurisdiction]:
    """Areas whose reports are made on schedule: those of the environment bureaus' units."""
    ids = Unit.objects.filter(kind=UnitKind.BUREAU).values("jurisdiction_id")
    return list(Jurisdiction.objects.filter(id__in=ids).order_by("code"))


def reports_schedule(*, now: datetime | None = None) -> list[Report]:
    """Asks for yesterday's daily report, last month's monthly report and last year's yearly report of each
    scheduled area, unless the archive has them, one is being made, or the area has no data of the period."""
    today = timezone.localdate(now or timezone.now())
    yesterday = today - timedelta(days=1)
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    wanted = [(ReportKind.DAILY_AIR, yesterday), (ReportKind.MONTHLY, last_month),
              (ReportKind.YEARLY, date(today.year - 1, 1, 1))]
    made = []
    for area in scheduled_areas():
        for kind, start in wanted:
            first, last = period_of(kind, start)
            kept = Report.objects.filter(kind=kind, jurisdiction=area, period_start=first).exclude(
                status=ReportStatus.FAILED)
            if not kept.exists() and content.has_data(area, first, last):
                made.append(report_request(kind=kind, start=start, area=area, today=today))
    return made
