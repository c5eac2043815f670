"""Reads of the monitoring registry, always through the user's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import QuerySet

from lanqing.monitoring import limits
from lanqing.monitoring.models import Device, Factor, Measurement, Period, Site, Span, TransmissionStat
from lanqing.org.access import get_visible, visible


def sites_visible_to(user) -> QuerySet[Site]:
    return visible(user, Site.objects.select_related("jurisdiction", "enterprise"))


def site_for_user(user, site_id) -> Site:
    return get_visible(user, Site.objects.select_related("jurisdiction", "enterprise"), id=site_id)


def devices_visible_to(user) -> QuerySet[Device]:
    return visible(user, Device.objects.select_related("point__site"))


def series_for_user(user, *, site: Site, factor_id: int, period: str, start: datetime, end: datetime
                    ) -> QuerySet[Measurement]:
    """Measurements of one factor at a site's points in [start, end), oldest first."""
    return visible(user, Measurement.objects.filter(
        point__site=site, factor_id=factor_id, period=period, time__gte=start, time__lt=end,
    )).order_by("time")


def month_transmission_for_user(user, *, site: Site, month: date) -> QuerySet[TransmissionStat]:
    """The transmission statistics of a site's devices for the month that ``month`` falls in, per factor."""
    return visible(user, TransmissionStat.objects.filter(
        device__point__site=site, span=Span.MONTH, start=month.replace(day=1),
    )).select_related("factor").order_by("device_id", "factor__code")


@dataclass(frozen=True)
class LatestValue:
    factor: Factor
    value: float | None
    time: datetime
    unit: str


def latest_values(sites: list[Site], *, candidates: int = 3) -> dict[int, LatestValue]:
    """The newest hourly value of the first factor, among those its standard judges, that each site reports.

    For one page of a list: a few index seeks per site on the measurements' natural key."""
    factors = {f.code: f for f in Factor.objects.all()}
    found: dict[int, LatestValue] = {}
    for site in sites:
        for code in [c for c in limits.judged_codes(site) if c in factors][:candidates]:
            row = (Measurement.objects.filter(point__site=site, factor=factors[code], period=Period.HOUR)
                   .order_by("-time").values_list("value", "time").first())
            if row is not None:
                found[site.id] = LatestValue(factors[code], row[0], row[1], factors[code].unit_at(site.kind))
                break
    return found
