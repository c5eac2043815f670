"""Water sections and pollution sources over a period (水环境与污染源分析): each section's monthly class against its
target, and each enterprise's exceedances and data validity. Figures come from the standards engine (GB 3838
classes), the exceedance records the detection job keeps, and the transmission statistics the worker computes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet, Sum
from django.utils import timezone

from lanqing.alerts.models import Exceedance
from lanqing.monitoring import daily, quality
from lanqing.monitoring.models import Point, Site, SiteKind, Span, TransmissionStat
from lanqing.monitoring.selectors import devices_visible_to, sites_visible_to
from lanqing.org import access
from lanqing.org.models import Enterprise
from lanqing.workbench.kept import kept

MONTHS = 12  # months of class history a section shows


@dataclass(frozen=True)
class SectionHistory:
    site: Site
    months: list[quality.WaterMonth | None]  # oldest first

    @property
    def months_meeting(self) -> int:
        return sum(1 for m in self.months if m and m.result.meets_target)

    @property
    def months_judged(self) -> int:
        return sum(1 for m in self.months if m and m.result.meets_target is not None)


@dataclass(frozen=True)
class SourceLine:
    enterprise: Enterprise
    outlets: int
    exceedance_count: int  # hourly values (flue gas) and daily values (wastewater) above their limits
    worst_multiple: float | None  # (value − limit) / limit of the worst judged value, 2 dp
    validity: float | None  # transmission × validity of the month, per cent (valid / expected hourly values)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    nxt = quality.month_add(month, 1)
    return datetime.combine(month, time(), zone), datetime.combine(nxt, time(), zone)


def section_histories(user, *, last_month: date) -> list[SectionHistory]:
    """Each section's classes of the MONTHS months to last_month: the months' mean samples as kept for the
    sections (``daily.area_read``), classed against each section's target as it is now."""
    first = quality.month_add(last_month, -(MONTHS - 1))
    sections = list(sites_visible_to(user).filter(kind=SiteKind.WATER, is_active=True).order_by("code")[:200])
    if not sections:
        return []
    last_day = quality.month_add(last_month, 1) - timedelta(days=1)
    figures = daily.area_read("water-months", sections, kind=SiteKind.WATER, first_day=first, last_day=last_day)
    return [SectionHistory(site, [quality.water_month_of(site, date.fromisoformat(month), sample, days)
                                  for month, sample, days in figures[str(site.id)]]) for site in sections]


@daily.area_computer("water-months")
def _water_months(sections: list[Site], first_day: date, last_day: date, _today: date) -> daily.Figures:
    months = (last_day.year - first_day.year) * 12 + last_day.month - first_day.month + 1
    return {str(site.id): [[month.isoformat(), sample, days] for month, sample, days in quality.monthly_water_samples(
        site, first_month=first_day, months=months)] for site in sections}


def sources_in_scope(user) -> QuerySet[Enterprise]:
    """Enterprises in the user's scope that have an outlet, by name (the list pages them)."""
    outlets = Site.objects.filter(kind=SiteKind.OUTLET, is_active=True).values("enterprise_id")
    return access.enterprises_visible_to(user).filter(id__in=outlets).select_related("industry").order_by(
        "name", "id")


def page_source_lines(user, enterprises: list[Enterprise], *, month: date) -> list[SourceLine]:
    """`source_lines` of one page of the list, kept for the user (lanqing.workbench.kept: at most a minute
    behind the records); an export reads them afresh."""
    key = ("source-lines", user.pk, month, tuple(e.id for e in enterprises))
    return kept(key, lambda: source_lines(user, enterprises, month=month))


def source_lines(user, enterprises: list[Enterprise], *, month: date) -> list[SourceLine]:
    """The month's exceedances and data validity of the enterprises given (one page of them)."""
    begin, end = month_bounds(month)
    outlets = sites_visible_to(user).filter(kind=SiteKind.OUTLET, enterprise__in=enterprises)
    outlet_count: dict[int, int] = defaultdict(int)
    for enterprise_id in outlets.values_list("enterprise_id", flat=True):
        outlet_count[enterprise_id] += 1
    points = Point.objects.filter(site__in=outlets)
    counts: dict[int, int] = defaultdict(int)
    worst: dict[int, float] = {}
    for enterprise_id, value, limit in Exceedance.objects.filter(point__in=points, time__gte=begin,
                                                                 time__lt=end).values_list(
            "point__site__enterprise_id", "value", "limit"):
        counts[enterprise_id] += 1
        if limit:
            worst[enterprise_id] = max(worst.get(enterprise_id, 0.0), (value - limit) / limit)
    validity: dict[int, float] = {}
    for row in (TransmissionStat.objects.filter(device__in=devices_visible_to(user).filter(point__in=points),
                                                span=Span.MONTH, start=month)
                .values("device__point__site__enterprise_id").annotate(expected=Sum("expected"),
                                                                      valid=Sum("valid"))):
        if row["expected"]:
            validity[row["device__point__site__enterprise_id"]] = 100 * row["valid"] / row["expected"]
    return [SourceLine(e, outlet_count.get(e.id, 0), counts.get(e.id, 0),
                       round(worst[e.id], 2) if e.id in worst else None, validity.get(e.id))
            for e in enterprises]
