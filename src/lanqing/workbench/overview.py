"""The county on one page (一张图): what the map draws and the figures beside it, all within the user's scope.

Air figures are the standards engine's: HJ 663 daily values per station, the area's day as the mean of its
stations' valid daily values, the period's PM2.5 mean and good-days ratio from `evaluate_daily`, and
"insufficient data" where the standard says the period does not have enough valid days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from django.contrib.staticfiles import finders
from django.db.models import Count, Q, Sum
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from lanqing import standards
from lanqing.alerts.models import AlertStatus, RuleKind
from lanqing.alerts.services import alerts_visible_to
from lanqing.cases.models import OPEN_STATES, CaseState
from lanqing.cases.selectors import box_counts, box_filter, cases_in_box
from lanqing.monitoring import daily, quality
from lanqing.monitoring.models import Site, SiteKind, Span, TransmissionStat
from lanqing.monitoring.selectors import devices_visible_to, sites_visible_to
from lanqing.org import access
from lanqing.org.models import Jurisdiction
from lanqing.workbench.air import area_days, period_version, same_day_a_year_earlier
from lanqing.workbench.figures import StationAqi, station_aqi
from lanqing.workbench.kept import kept

# Boundaries the package ships, by the 6-digit code of a county or city: public DataV.GeoAtlas outlines, copied
# unchanged from shared/data/boundaries (141025 Gu County; 141000 Linfen with its 17 counties). Their datum is
# not stated (DataV data are commonly GCJ-02), so a station's WGS-84 position may sit a few hundred metres off.
BOUNDARY_DIR = "lanqing/geo"
# How many air stations the year-to-date figures read; a county has a handful.
MAX_STATIONS = 50
# Map marker colours by meaning; one colour, one meaning (the AQI colours come from HJ 633).
COLOURS = {"normal": "#2e7d32", "exceeding": "#c62828", "offline": "#9e9e9e", "meets": "#1565c0",
           "fails": "#c62828", "nodata": "#9e9e9e", "open": "#ef6c00", "overdue": "#c62828"}


@dataclass(frozen=True)
class PeriodAir:
    first_day: date
    last_day: date
    pm25: float | None  # µg/m³, rounded as HJ 663 publishes; None when the period has too few valid days
    good_ratio: float | None  # per cent, 1 dp
    valid_days: int


@dataclass(frozen=True)
class Overview:
    boundary_url: str | None  # the outline the map draws; None when the package ships none for the area
    area_name: str
    stations: list[StationAqi]
    this_year: PeriodAir | None  # None on 1 January (no complete day yet)
    last_year: PeriodAir | None
    sections_meeting: int
    sections_with_data: int
    sections: int
    devices_online: int
    devices: int
    transmission_validity: float | None  # per cent, this month, valid / expected hourly values
    cases_open: int
    cases_overdue: int
    cases_closed_month: int
    unplaced: list[Site]  # sites in scope without coordinates: not on the map, named beside it


def boundary_for(root: Jurisdiction | None) -> tuple[str | None, str]:
    """The outline of the user's root area, or of the nearest area above it the package ships."""
    area = root
    while area is not None:
        code = area.code[:6]
        if finders.find(f"{BOUNDARY_DIR}/{code}.json"):
            return static(f"{BOUNDARY_DIR}/{code}.json"), area.name
        area = area.parent
    return None, root.name if root else ""


def period_air(sites: list[Site], *, first_day: date, last_day: date) -> PeriodAir | None:
    """The period's PM2.5 mean, good-days ratio and valid days of the stations' area, as kept (``daily``)."""
    if not sites or last_day < first_day:
        return None
    figures = daily.area_read("air-period", sites, kind=SiteKind.AIR, first_day=first_day, last_day=last_day)
    return PeriodAir(first_day, last_day, figures["pm25"], figures["good_ratio"], figures["valid_days"])


@daily.area_computer("air-period")
def period_air_figures(sites: list[Site], first_day: date, last_day: date, _today: date) -> daily.Figures:
    days_of_area = area_days(sites, first_day=first_day, days=(last_day - first_day).days + 1)
    result = standards.evaluate_daily(days_of_area[period_version(first_day)], first_day=first_day, by="to_date")
    mean = float(result.statistics["PM2.5_mean"].rounded[0][0])
    ratio = float(result.good_ratio[0][0])
    return {"pm25": None if math.isnan(mean) else mean, "good_ratio": None if math.isnan(ratio) else ratio,
            "valid_days": int(result.valid_aqi_days[0][0])}


def _water_state(site: Site, *, now: datetime) -> tuple[str, dict]:
    """The section's class on its newest complete day of the last week against its target (kept for every page
    that shows it, per hour of `now`: lanqing.workbench.kept)."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    return kept(("water-state", site.id, hour), partial(_water_state_computed, site, now=now))


def _water_state_computed(site: Site, *, now: datetime) -> tuple[str, dict]:
    row = quality.latest_complete_water_day(site, now=now, days=7)
    if row is None:
        return "nodata", {}
    state = "nodata" if row.meets_target is None else ("meets" if row.meets_target else "fails")
    return state, {"class": row.class_name, "day": row.day.isoformat()}


def _position(longitude, latitude) -> list[float]:
    return [float(longitude), float(latitude)]


def map_points(user, *, now: datetime | None = None) -> dict:
    """Markers for the map: sites by kind and state, open cases by place; each with the page it opens."""
    now = now or timezone.now()
    sites = list(sites_visible_to(user).filter(is_active=True, longitude__isnull=False, latitude__isnull=False)
                 .order_by("kind", "code")[:2000])
    aqi = {entry.site.id: entry.row for entry in station_aqi(user, limit=MAX_STATIONS)}
    exceeding = set(alerts_visible_to(user).filter(status=AlertStatus.ACTIVE, rule__kind=RuleKind.EXCEEDANCE)
                    .values_list("site_id", flat=True))
    offline = set(devices_visible_to(user).filter(is_active=True, is_online=False).values_list("point__site_id",
                                                                                                 flat=True))
    markers = []
    for site in sites:
        marker = {"kind": site.kind, "name": site.name, "url": reverse("monitoring:site", args=[site.id]),
                  "value": _position(site.longitude, site.latitude)}
        if site.kind == SiteKind.AIR:
            row = aqi.get(site.id)
            marker.update(state="aqi" if row and row.aqi is not None else "nodata",
                          colour=row.colour if row and row.aqi is not None else COLOURS["nodata"],
                          label=row.display if row else "NA")
        elif site.kind == SiteKind.WATER:
            state, facts = _water_state(site, now=now)
            marker.update(state=state, colour=COLOURS[state], label=facts.get("class", ""))
        else:
            state = "exceeding" if site.id in exceeding else "offline" if site.id in offline else "normal"
            marker.update(state=state, colour=COLOURS[state], label="")
        markers.append(marker)
    cases = []
    for case in (cases_in_box(user, "all", now=now).filter(state__in=OPEN_STATES)
                 .filter(Q(longitude__isnull=False) | Q(site__longitude__isnull=False))
                 .select_related("site").order_by("deadline_at")[:500]):
        place = case if case.longitude is not None and case.latitude is not None else case.site
        if place is None:
            continue
        overdue = case.deadline_at is not None and case.deadline_at < now
        cases.append({"kind": "case", "name": f"{case.number} {case.display_title}",
                      "url": reverse("cases:detail", args=[case.id]), "state": "overdue" if overdue else "open",
                      "colour": COLOURS["overdue" if overdue else "open"],
                      "value": _position(place.longitude, place.latitude)})
    return {"sites": markers, "cases": cases}


def overview_for(user, *, now: datetime | None = None) -> Overview:
    now = now or timezone.now()
    today = timezone.localdate(now)
    yesterday = today - timedelta(days=1)
    first = date(today.year, 1, 1)
    boundary_url, area_name = boundary_for(access.root_jurisdiction(user))
    visible_sites = sites_visible_to(user).filter(is_active=True)
    stations = list(visible_sites.filter(kind=SiteKind.AIR).order_by("code")[:MAX_STATIONS])
    this_year = period_air(stations, first_day=first, last_day=yesterday)
    last_year = period_air(stations, first_day=date(today.year - 1, 1, 1),
                           last_day=same_day_a_year_earlier(yesterday)) if this_year else None

    sections = list(visible_sites.filter(kind=SiteKind.WATER).order_by("code")[:500])
    states = [_water_state(site, now=now)[0] for site in sections]
    devices = devices_visible_to(user).filter(is_active=True)
    month = today.replace(day=1)
    totals = TransmissionStat.objects.filter(device__in=devices, span=Span.MONTH, start=month).aggregate(
        expected=Sum("expected"), valid=Sum("valid"))
    month_start = timezone.make_aware(datetime.combine(month, datetime.min.time()))
    # One query each for the devices' and the cases' counts, each count with the filter of the list it links to.
    online = devices.order_by().aggregate(online=Count("id", filter=Q(is_online=True)), all=Count("id"))
    cases = box_counts(user, {
        "open": Q(state__in=OPEN_STATES), "overdue": box_filter(user, "overdue", now=now),
        "closed": Q(state=CaseState.CLOSED, closed_at__gte=month_start)}, now=now)
    return Overview(
        boundary_url=boundary_url, area_name=area_name,
        stations=station_aqi(user, limit=MAX_STATIONS), this_year=this_year, last_year=last_year,
        sections_meeting=states.count("meets"), sections_with_data=sum(s != "nodata" for s in states),
        sections=len(sections),
        devices_online=online["online"], devices=online["all"],
        transmission_validity=(100 * totals["valid"] / totals["expected"]) if totals["expected"] else None,
        cases_open=cases["open"], cases_overdue=cases["overdue"], cases_closed_month=cases["closed"],
        unplaced=list(visible_sites.filter(Q(longitude__isnull=True) | Q(latitude__isnull=True))
                      .order_by("kind", "code")[:50]),
    )
