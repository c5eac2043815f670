"""The alert checks of heavy-pollution warnings, registered with lanqing.alerts (alerts sits below winter).

One finding per warning and list entry: the cut fell short of the list's requirement by more than the warning's
tolerance over the hours judged so far; or the outlet sent no usable data for at least `hours` hours of the
warning (or no flow for an emission computed with it).

The scheduled pass over every source runs both and clears what no longer holds. The shortfall also runs on the
pass the alerts service makes after each batch of new values (the job that monitoring's ingest queues on commit),
limited to the outlets of those values and the warnings in force: a shortfall is raised as soon as the hour that
shows it arrives, without judging every listed outlet each time. That pass raises only; clearing is left to the
full pass, which sees every hour. A gap is missing data, which no new value reveals, so only the schedule finds it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.db.models import Q

from lanqing import texts
from lanqing.alerts.models import AlertRule
from lanqing.alerts.rules import Finding, Result
from lanqing.monitoring.models import Point
from lanqing.texts import gettext_noop
from lanqing.winter.compliance import EntryCompliance, warning_compliance
from lanqing.winter.models import LEVEL_NAMES, Level, PollutionWarning


def _judged(rule: AlertRule, now: datetime, site_ids: set[int] | None = None) -> Iterator[EntryCompliance]:
    since = now - timedelta(hours=float(rule.param("lookback_hours")))
    warnings = (PollutionWarning.objects.filter(starts_at__lt=now)
                .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=since)).select_related("previous"))
    for warning in warnings:
        for figures in warning_compliance(warning, now=now, site_ids=site_ids):
            if figures.entry.site is not None:
                yield figures


def _outlets_of(points: set[int]) -> set[int]:
    return set(Point.objects.filter(id__in=points).values_list("site_id", flat=True))


def _key(figures: EntryCompliance) -> str:
    return f"warning:{figures.warning.id}/entry:{figures.entry.id}"


def check_shortfall(rule: AlertRule, *, now: datetime, points: set[int] | None) -> Result:
    site_ids = None if points is None else _outlets_of(points)
    if site_ids is not None and not site_ids:
        return Result([], set())
    findings = []
    for figures in _judged(rule, now, site_ids):
        shortfall, achieved = figures.shortfall, figures.achieved
        if shortfall is None or achieved is None or shortfall <= float(figures.warning.tolerance):
            continue
        site = figures.entry.site
        assert site is not None
        findings.append(Finding(_key(figures), site.id, texts.message(
            gettext_noop("%(site)s cut its emission by %(achieved)s %% during the %(level)s warning; the list "
                         "requires %(required)s %%."),
            site=site.name, achieved=round(achieved, 1), required=round(figures.required, 1),
            level=texts.message(LEVEL_NAMES[Level(figures.warning.level)])),
            factor_id=figures.entry.factor_id, value=round(achieved, 1), limit=figures.required))
    # After a batch: no point named, so no alert of this rule is cleared (the findings carry no point).
    return Result(findings, None if points is None else set())


def check_gap(rule: AlertRule, *, now: datetime, points: set[int] | None) -> Result:
    if points is not None:
        return Result([], set())
    findings = []
    for figures in _judged(rule, now):
        site = figures.entry.site
        assert site is not None
        level = texts.message(LEVEL_NAMES[Level(figures.warning.level)])
        if figures.problem is not None:
            message = figures.problem
        elif figures.missing_hours >= int(rule.param("hours")):
            message = texts.message(gettext_noop("%(site)s sent no valid data for %(hours)s hours of the %(level)s "
                                                 "warning."), site=site.name, hours=figures.missing_hours, level=level)
        else:
            continue
        findings.append(Finding(_key(figures), site.id, message, factor_id=figures.entry.factor_id,
                                value=float(figures.missing_hours)))
    return Result(findings, None)
