"""The figures of a heavy-pollution episode once it is over, for its report (lanqing.reports renders them).

An episode is a chain of warnings (an upgrade or downgrade ends one level and starts the next). Its AQI course
covers the county's air stations hour by hour from a day before the first warning to a day after the last one
ends; its measures are the list entries at the levels it went through; its compliance is each entry's figures
during each level (compliance.py); its cases are those opened from the alerts of its warnings and from its spot
checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q

from lanqing.alerts.models import Alert, RuleKind
from lanqing.cases.models import Case
from lanqing.monitoring.models import Site, SiteKind
from lanqing.monitoring.quality import AqiRow, hourly_aqi
from lanqing.winter.compliance import EntryCompliance, warning_compliance
from lanqing.winter.models import LEVEL_RANK, Level, PollutionWarning, ReductionEntry, SpotCheck

MARGIN = timedelta(days=1)  # the AQI course reaches a day either side of the warnings
MAX_STATIONS = 30
MAX_HOURS = 24 * 40  # an episode of over five weeks is cut to its last 40 days, as no winter's has been so long


@dataclass(frozen=True)
class StationCourse:
    site: Site
    hours: list[AqiRow]  # oldest first, labelled by the local end of each hour

    @property
    def peak(self) -> AqiRow | None:
        rated = [row for row in self.hours if row.aqi is not None]
        return max(rated, key=lambda row: row.aqi or 0) if rated else None

    def hours_above(self, value: int) -> int:
        return sum(1 for row in self.hours if row.aqi is not None and row.aqi > value)


@dataclass
class Episode:
    warnings: list[PollutionWarning]  # the chain, first to last
    starts_at: datetime
    ends_at: datetime  # the last warning's end, or `now` while it is in force
    over: bool
    course_from: datetime
    course_to: datetime
    stations: list[StationCourse] = field(default_factory=list)
    measures: list[ReductionEntry] = field(default_factory=list)
    compliance: list[EntryCompliance] = field(default_factory=list)  # by warning of the chain, then enterprise
    cases: list[Case] = field(default_factory=list)
    checks: list[SpotCheck] = field(default_factory=list)

    @property
    def first(self) -> PollutionWarning:
        return self.warnings[0]

    @property
    def levels(self) -> list[str]:
        return sorted({w.level for w in self.warnings}, key=lambda level: LEVEL_RANK[Level(level)])


def episode_chain(warning: PollutionWarning) -> list[PollutionWarning]:
    """Every warning of `warning`'s episode, first to last."""
    first = warning
    while first.previous_id is not None:
        first = PollutionWarning.objects.get(pk=first.previous_id)
    chain = [first]
    while (following := PollutionWarning.objects.filter(previous=chain[-1]).first()) is not None:
        chain.append(following)
    return chain


def _hour_floor(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _courses(warning: PollutionWarning, start: datetime, end: datetime) -> list[StationCourse]:
    stations = (Site.objects.filter(kind=SiteKind.AIR, is_active=True,
                                    jurisdiction__code__startswith=warning.jurisdiction.prefix)
                .order_by("code")[:MAX_STATIONS])
    last_hour = _hour_floor(end - timedelta(seconds=1))
    hours = min(MAX_HOURS, int((last_hour - _hour_floor(start)).total_seconds() // 3600) + 1)
    return [StationCourse(site, hourly_aqi(site, last_hour=last_hour, hours=hours)[::-1]) for site in stations]


def episode_data(warning: PollutionWarning, *, now: datetime) -> Episode:
    """The figures of the episode `warning` belongs to, as they stand at `now`."""
    chain = episode_chain(warning)
    last = chain[-1]
    over = last.ends_at is not None and last.ends_at <= now
    ends_at = last.ends_at if over and last.ends_at is not None else now
    course_from = chain[0].starts_at - MARGIN
    course_to = min(ends_at + MARGIN, now)
    episode = Episode(warnings=chain, starts_at=chain[0].starts_at, ends_at=ends_at, over=over,
                      course_from=course_from, course_to=course_to)
    episode.stations = _courses(chain[0], course_from, course_to)
    episode.measures = list(ReductionEntry.objects.filter(reduction_list_id__in={w.reduction_list_id for w in chain},
                                                          level__in=episode.levels)
                            .select_related("enterprise__township", "site", "factor")
                            .order_by("enterprise__name", "level", "id"))
    for link in chain:
        episode.compliance += warning_compliance(link, now=now)
    episode.checks = list(SpotCheck.objects.filter(warning__in=chain).select_related("enterprise", "case")
                          .order_by("checked_at", "id"))
    keys = Q()
    for link in chain:
        keys |= Q(source_key__startswith=f"warning:{link.id}/")
    alerts = Alert.objects.filter(keys, rule__kind__in=[RuleKind.REDUCTION_SHORT, RuleKind.REDUCTION_GAP])
    episode.cases = list(Case.objects.filter(Q(alerts__in=alerts) | Q(id__in=[c.case_id for c in episode.checks
                                                                           if c.case_id is not None]))
                         .distinct().select_related("enterprise", "township").order_by("created_at", "id"))
    return episode
