"""The episode report (kind "episode"): after a heavy-pollution episode, its AQI course, the measures it
activated, each listed enterprise's required and achieved cut with its data gaps, and the cases it raised.

The figures are lanqing.winter's (`winter.episode.episode_data`); this module asks for the report, lays the
figures out as sections and tables for render.py, and gives the warning's page its links.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lanqing.jobs.services import job_enqueue
from lanqing.org import access
from lanqing.reports.content import Progress, ReportContent, Section, Table
from lanqing.reports.models import IN_PROGRESS, Report, ReportKind, ReportStatus
from lanqing.winter.compliance import EntryCompliance
from lanqing.winter.episode import Episode, episode_chain, episode_data
from lanqing.winter.links import WarningLink
from lanqing.winter.models import PollutionWarning

GENERATE_JOB = "reports.generate"  # the same job as every report's (services.GENERATE_JOB)
AQI_COLUMNS = 8  # stations side by side in the hourly table; the others are in the summary lines
HIGH_AQI = 200  # 重度污染 begins above 200 (HJ 633-2012 Table 2)


class EpisodeRefused(ValueError):
    """An episode report that cannot be made yet; the message says why."""


def _fmt(value: float | None, digits: int) -> str:
    return _("insufficient data") if value is None else f"{value:.{digits}f}"


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def episode_report_request(*, warning: PollutionWarning, by: User | None,
                           now: datetime | None = None) -> Report:
    """Queues the report of `warning`'s episode once its last warning has ended; a report of it being made
    already is returned instead of a second one."""
    if by is not None:
        access.require(by, "report.request")
        access.require(by, "warning.view", warning)
    now = now or timezone.now()
    chain = episode_chain(warning)
    last = chain[-1]
    if last.ends_at is None or last.ends_at > now:
        raise EpisodeRefused(_("The episode is not over yet: its report can be made once the warning ends."))
    first = chain[0]
    language = translation.get_language() if by is not None else settings.LANGUAGE_CODE
    try:
        with transaction.atomic():
            report = Report.objects.create(
                kind=ReportKind.EPISODE, jurisdiction=first.jurisdiction, warning=first,
                period_start=timezone.localdate(first.starts_at), period_end=timezone.localdate(last.ends_at),
                language=language or settings.LANGUAGE_CODE, requested_by=by, requested_at=now)
            job_enqueue(kind=GENERATE_JOB, payload={"report_id": report.id})
    except IntegrityError:
        return Report.objects.get(kind=ReportKind.EPISODE, jurisdiction=first.jurisdiction,
                                  period_start=timezone.localdate(first.starts_at), status__in=IN_PROGRESS)
    return report


def _warnings(episode: Episode) -> Section:
    section = Section(_("The warning"))
    for warning in episode.warnings:
        section.lines.append(_("%(level)s, %(start)s to %(end)s, document %(number)s of %(issuer)s.") % {
            "level": warning.get_level_display(), "start": _local(warning.starts_at),
            "end": _local(warning.ends_at) if warning.ends_at else "…", "number": warning.document_number,
            "issuer": warning.issuer})
    return section


def _aqi(episode: Episode) -> Section:
    section = Section(_("AQI course"))
    section.lines.append(_("Hourly AQI of the area's stations from %(start)s to %(end)s (a day either side of the "
                           "warning).") % {"start": _local(episode.course_from), "end": _local(episode.course_to)})
    if not episode.stations:
        section.lines.append(_("No air station in this area."))
        return section
    for course in episode.stations:
        peak = course.peak
        if peak is None:
            section.lines.append(_("%(station)s: insufficient data.") % {"station": course.site.name})
            continue
        section.lines.append(_("%(station)s: highest hourly AQI %(aqi)s at %(time)s; %(hours)s hours above "
                               "%(limit)s.") % {"station": course.site.name, "aqi": peak.display,
                                                "time": f"{peak.label:%Y-%m-%d %H:%M}",
                                                "hours": course.hours_above(HIGH_AQI), "limit": HIGH_AQI})
    shown = episode.stations[:AQI_COLUMNS]
    rows = [[f"{hours[0].label:%Y-%m-%d %H:%M}", *[row.display for row in hours]]
            for hours in zip(*[course.hours for course in shown], strict=True)]
    section.tables.append(Table(_("Hourly AQI"), [_("Hour ending"), *[c.site.name for c in shown]], rows))
    return section


def _measures(episode: Episode) -> Section:
    section = Section(_("Measures activated"))
    if not episode.measures:
        section.lines.append(_("The list has no entry at this warning's levels."))
        return section
    section.lines.append(_("%(entries)s list entries of %(enterprises)s enterprises.") % {
        "entries": len(episode.measures), "enterprises": len({e.enterprise_id for e in episode.measures})})
    section.tables.append(Table(_("Measures"), [
        _("Enterprise"), _("Warning level"), _("Outlet or process"), _("Allowed share (%)"), _("Measure")],
        [[e.enterprise.name, e.get_level_display(), e.site.name if e.site else e.process, f"{e.allowed_share}",
          e.measure] for e in episode.measures]))
    return section


def verdict(figures: EntryCompliance) -> str:
    """"on_site" (a process, not an outlet), "no_data", "short" (beyond the tolerance) or "met"."""
    if figures.entry.site is None:
        return "on_site"
    shortfall = figures.shortfall
    if shortfall is None:
        return "no_data"
    return "short" if shortfall > float(figures.warning.tolerance) else "met"


def _verdict_label(key: str) -> str:
    return {"on_site": _("checked on site"), "no_data": _("no data"), "short": _("short of the list"),
            "met": _("met")}[key]


def _compliance(episode: Episode) -> Section:
    section = Section(_("Compliance per enterprise"))
    figures = [f for f in episode.compliance if f.entry.site is not None]
    short = {f.entry.enterprise_id for f in figures if verdict(f) == "short"}
    gaps = {f.entry.enterprise_id for f in figures if f.missing_hours}
    section.lines.append(_("%(short)s enterprises cut less than required; %(gaps)s sent no data for some hours "
                           "of the warning.") % {"short": len(short), "gaps": len(gaps)})
    section.tables.append(Table(_("Required and achieved cut"), [
        _("Enterprise"), _("Warning level"), _("Outlet"), _("Required cut (%)"), _("Achieved cut (%)"),
        _("Hours judged"), _("Hours without data"), _("Result")],
        [[f.entry.enterprise.name, f.warning.get_level_display(), f.entry.site.name if f.entry.site else "",
          _fmt(f.required, 1), _fmt(f.achieved, 1), str(len(f.judged)), str(f.missing_hours), _verdict_label(verdict(f))]
         for f in episode.compliance]))
    return section


def _cases(episode: Episode) -> Section:
    section = Section(_("Cases raised"))
    checks = len(episode.checks)
    violations = sum(1 for c in episode.checks if not c.compliant)
    section.lines.append(_("%(checks)s spot checks, %(violations)s of them found a violation; %(cases)s cases.")
                         % {"checks": checks, "violations": violations, "cases": len(episode.cases)})
    if episode.cases:
        section.tables.append(Table(_("Cases"), [_("Number"), _("Title"), _("Enterprise"), _("Township"),
                                                 _("State"), _("Opened")],
                                    [[c.number, c.display_title, c.enterprise.name if c.enterprise else "—",
                                      c.township.name if c.township else "—", str(c.get_state_display()),
                                      _local(c.created_at)] for c in episode.cases]))
    return section


def build(warning: PollutionWarning, *, progress: Progress, now: datetime | None = None) -> ReportContent:
    episode = episode_data(warning, now=now or timezone.now())
    progress(30)
    parts = [_warnings(episode), _aqi(episode)]
    progress(50)
    parts += [_measures(episode), _compliance(episode)]
    progress(70)
    parts.append(_cases(episode))
    first = episode.first
    title = _("%(area)s heavy-pollution episode report") % {"area": first.jurisdiction.name}
    return ReportContent(title, f"{_local(episode.starts_at)} – {_local(episode.ends_at)}", parts)


def warning_links(user: User, warning: PollutionWarning) -> list[WarningLink]:
    """The episode report's files when made, its progress while being made, or the button that asks for it."""
    if not access.may(user, "report.view"):
        return []
    first = episode_chain(warning)[0]
    reports = access.visible(user, Report.objects.filter(kind=ReportKind.EPISODE, warning=first)
                             .exclude(status=ReportStatus.FAILED).defer("pdf", "xlsx"))
    report = reports.first()
    if report is not None and report.status == ReportStatus.DONE:
        return [WarningLink(_("Episode report (PDF)"), reverse("reports:pdf", kwargs={"report_id": report.id})),
                WarningLink(_("Episode report (Excel)"), reverse("reports:xlsx", kwargs={"report_id": report.id}))]
    if report is not None:
        return [WarningLink(_("Episode report being made"), reverse("reports:archive") + f"#report-{report.id}")]
    last = episode_chain(warning)[-1]
    if access.may(user, "report.request") and last.ends_at is not None and last.ends_at <= timezone.now():
        return [WarningLink(_("Make the episode report"), reverse("reports:episode",
                                                                  kwargs={"warning_id": warning.id}), "post")]
    return []
