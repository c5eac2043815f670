"""Did each listed outlet cut its emission as the list requires? Judged from the online data (HJ 212 hourly
values flagged N).

An outlet's emission in an hour is the named factor's concentration × the flue-gas flow when the factor is a
concentration (mg/m³ × m³/s → kg/h), or the named factor itself otherwise (flow, power, load); with no factor
named, the flow. Its baseline for an hour of the day is the mean of the same hour over the 14 days before the
episode that lie outside every warning of the area, leaving out hours without data and hours inside a marked
stop (停产 marked by the bureau) or under the enterprise's own valid data mark (monitoring.marks). The achieved cut of an hour is 1 − actual / baseline; the episode's is
1 − Σ actual / Σ baseline over the hours that have both. An hour without data during the warning is missing,
itself a finding.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from lanqing import texts
from lanqing.monitoring.marks import marked_spans
from lanqing.monitoring.models import Factor, Measurement, Period
from lanqing.texts import gettext_noop
from lanqing.winter.models import OutletStop, PollutionWarning, ReductionEntry

FLOW_CODE = "a00000"  # flue-gas flow, m³/s (HJ 212-2017)
BASELINE_DAYS = 14
# Days searched back for the 14 outside any warning; a winter with more warning days than this has no baseline.
SEARCH_DAYS = 60
VALID_FLAG = "N"


@dataclass(frozen=True)
class HourRow:
    hour: datetime  # start of the hour, aware
    actual: float | None
    baseline: float | None
    baseline_hours: int  # how many of the baseline days gave a value for this hour
    required: float  # per cent
    achieved: float | None  # per cent; None without actual or baseline
    shortfall: float | None  # percentage points short of the requirement (negative: beyond it)


@dataclass
class EntryCompliance:
    entry: ReductionEntry
    warning: PollutionWarning
    unit: str = ""
    hours: list[HourRow] = field(default_factory=list)
    baseline_days: list[date] = field(default_factory=list)
    problem: texts.Stored | None = None  # why the entry cannot be judged from the data
    problem_text: str = ""  # the problem rendered for the page's reader

    @property
    def required(self) -> float:
        return float(self.entry.required_reduction)

    @property
    def missing_hours(self) -> int:
        return sum(1 for row in self.hours if row.actual is None)

    @property
    def judged(self) -> list[HourRow]:
        return [row for row in self.hours if row.actual is not None and row.baseline]

    @property
    def actual_total(self) -> float | None:
        judged = self.judged
        return sum(row.actual for row in judged if row.actual is not None) if judged else None

    @property
    def baseline_total(self) -> float | None:
        judged = self.judged
        return sum(row.baseline for row in judged if row.baseline is not None) if judged else None

    @property
    def achieved(self) -> float | None:
        actual, baseline = self.actual_total, self.baseline_total
        if actual is None or not baseline:
            return None
        return (1 - actual / baseline) * 100

    @property
    def shortfall(self) -> float | None:
        achieved = self.achieved
        return None if achieved is None else self.required - achieved


def _zone():
    import zoneinfo

    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def episode_start(warning: PollutionWarning) -> datetime:
    """The start of the first warning of the chain (an upgrade or downgrade continues one episode)."""
    first = warning
    while first.previous_id is not None and first.previous is not None:
        first = first.previous
    return first.starts_at


def baseline_days(warning: PollutionWarning) -> list[date]:
    """The 14 local days before the episode that no warning of the area touches, newest first."""
    zone = _zone()
    start_day = timezone.localtime(episode_start(warning), zone).date()
    earliest = datetime.combine(start_day - timedelta(days=SEARCH_DAYS), time(), zone)
    spans = list(PollutionWarning.objects.filter(jurisdiction_id=warning.jurisdiction_id, starts_at__lt=datetime.combine(
        start_day, time(), zone)).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=earliest))
                 .values_list("starts_at", "ends_at"))
    days: list[date] = []
    day = start_day - timedelta(days=1)
    while len(days) < BASELINE_DAYS and day >= start_day - timedelta(days=SEARCH_DAYS):
        begin = datetime.combine(day, time(), zone)
        end = begin + timedelta(days=1)
        if not any(s < end and (e is None or e > begin) for s, e in spans):
            days.append(day)
        day -= timedelta(days=1)
    return days


def _hours(start: datetime, end: datetime) -> list[datetime]:
    first = start.replace(minute=0, second=0, microsecond=0)
    if first < start:
        first += timedelta(hours=1)
    hours = []
    while first + timedelta(hours=1) <= end:
        hours.append(first)
        first += timedelta(hours=1)
    return hours


def _emission(values: dict[tuple[int, str, datetime], float], points: set[int], code: str | None,
              hour: datetime, *, with_flow: bool) -> float | None:
    """The outlet's emission in one hour: summed over its points that have every value it needs."""
    total, found = 0.0, False
    for point in points:
        main = values.get((point, code or FLOW_CODE, hour))
        if main is None:
            continue
        if with_flow:
            flow = values.get((point, FLOW_CODE, hour))
            if flow is None:
                continue
            main = main * flow * 3600 / 1e6  # mg/m³ × m³/s → kg/h
        total += main
        found = True
    return total if found else None


def _is_concentration(factor: Factor | None) -> bool:
    return factor is not None and factor.code != FLOW_CODE and "/m" in (factor.unit or "")


def entry_compliance(entry: ReductionEntry, warning: PollutionWarning, *, now: datetime,
                     days: list[date] | None = None) -> EntryCompliance:
    """The hourly and episode figures of one entry during one warning, up to `now`."""
    result = EntryCompliance(entry=entry, warning=warning)
    site = entry.site
    if site is None:
        result.problem = texts.message(gettext_noop("The entry names a process, not an outlet: it is checked on site."))
        return result
    zone = _zone()
    with_flow = _is_concentration(entry.factor)
    code = entry.factor.code if entry.factor else FLOW_CODE
    result.unit = "kg/h" if with_flow else (entry.factor.unit if entry.factor else "m³/s")
    result.baseline_days = days if days is not None else baseline_days(warning)
    end = min(warning.ends_at or now, now)
    hours = _hours(warning.starts_at, end)
    earliest = (datetime.combine(min(result.baseline_days), time(), zone) if result.baseline_days
                else warning.starts_at)
    codes = {code, FLOW_CODE} if with_flow else {code}
    rows = Measurement.objects.filter(point__site=site, period=Period.HOUR, flag=VALID_FLAG, factor__code__in=codes,
                                      time__gte=earliest, time__lt=end, value__isnull=False)
    values: dict[tuple[int, str, datetime], float] = {}
    points: set[int] = set()
    for point_id, factor_code, when, value in rows.values_list("point_id", "factor__code", "time", "value"):
        if value is not None:
            values[(point_id, factor_code, when)] = value
            points.add(point_id)
    if with_flow and not any(key[1] == FLOW_CODE for key in values):
        result.problem = texts.message(gettext_noop("The outlet %(site)s sends no flue-gas flow, so its emission "
                                                    "cannot be computed; name a factor it sends."), site=site.name)
    stops = list(OutletStop.objects.filter(site=site, starts_at__lt=end).values_list("starts_at", "ends_at"))
    # The enterprise's own valid marks (停产, 停运, 维护) leave their hours out of the baseline too; a mark that
    # reverted or was revoked no longer does.
    marked = marked_spans(site=site, before=end)

    def stopped(hour: datetime) -> bool:
        return any(s < hour + timedelta(hours=1) and (e is None or e > hour) for s, e in stops)

    def set_aside(hour: datetime) -> bool:
        return stopped(hour) or any(s < hour + timedelta(hours=1) and e > hour for s, e in marked)

    by_clock: dict[int, list[float]] = defaultdict(list)
    for day in result.baseline_days:
        for clock in range(24):
            hour = datetime.combine(day, time(clock), zone)
            if set_aside(hour):
                continue
            value = _emission(values, points, code, hour, with_flow=with_flow)
            if value is not None:
                by_clock[clock].append(value)
    required = float(entry.required_reduction)
    for hour in hours:
        clock = timezone.localtime(hour, zone).hour
        samples = by_clock.get(clock, [])
        baseline = sum(samples) / len(samples) if samples else None
        actual = _emission(values, points, code, hour, with_flow=with_flow)
        if actual is None and stopped(hour):
            actual = 0.0  # a marked stop during the warning: nothing emitted, nothing missing
        achieved = (1 - actual / baseline) * 100 if actual is not None and baseline else None
        result.hours.append(HourRow(hour, actual, baseline, len(samples), required, achieved,
                                    None if achieved is None else required - achieved))
    return result


def warning_compliance(warning: PollutionWarning, *, now: datetime, enterprise_id: int | None = None,
                       enterprise_ids: set[int] | None = None, site_ids: set[int] | None = None
                       ) -> list[EntryCompliance]:
    """Every entry of the warning's list at its level (of one enterprise, or of some, or of some outlets, if
    given)."""
    entries = (ReductionEntry.objects.filter(reduction_list_id=warning.reduction_list_id, level=warning.level)
               .select_related("enterprise", "site", "factor").order_by("enterprise__name", "id"))
    if enterprise_id is not None:
        entries = entries.filter(enterprise_id=enterprise_id)
    if enterprise_ids is not None:
        entries = entries.filter(enterprise_id__in=enterprise_ids)
    if site_ids is not None:
        entries = entries.filter(site_id__in=site_ids)
    days = baseline_days(warning)
    return [entry_compliance(entry, warning, now=now, days=days) for entry in entries]
