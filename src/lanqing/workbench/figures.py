"""The figures on each role's first page (工作台).

Every figure is counted from the very query its list shows, through the access authority, and carries the
address of that list with the same filter: a clerk who clicks a number sees the rows that make it up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lanqing.alerts.models import AlertStatus, RuleKind
from lanqing.alerts.services import alerts_visible_to
from lanqing.cases.models import OPEN_STATES, Case, CaseState
from lanqing.cases.selectors import NO_CASE, OPEN, box_counts, box_filter, cases_in_box
from lanqing.monitoring import quality
from lanqing.monitoring.models import ImportStatus, MeasurementImport, Site, SiteKind
from lanqing.monitoring.selectors import devices_visible_to, sites_visible_to
from lanqing.org import access
from lanqing.org.models import Role
from lanqing.workbench.kept import kept

# Rows a list on the workbench shows; its figure links to the whole list.
LIST_ROWS = 8
# Stations whose AQI the workbench computes; more are reached through the site list.
STATION_ROWS = 12
# What the workbench shows of a site (its link and name) and what its AQI is computed from.
SITE_SHOWN = ("id", "code", "name", "kind")


@dataclass(frozen=True)
class Figure:
    key: str
    label: str | Promise
    count: int
    url: str
    alarm: bool = False  # a non-zero count asks for action (shown in the warning colour)


@dataclass(frozen=True)
class CaseLine:
    case: Case
    days_left: int | None  # whole days to the deadline; negative once overdue

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0


@dataclass(frozen=True)
class StationAqi:
    site: Site
    row: quality.AqiRow | None  # the newest hour with data, None when the station has none


@dataclass(frozen=True)
class OutletStatus:
    site: Site
    devices: int
    devices_offline: int
    exceeding: int  # active exceedance alerts


def _link(name: str, **query: str) -> str:
    return reverse(name) + ("?" + urlencode(query) if query else "")


@dataclass(frozen=True)
class CaseCount:
    """A figure counting the user's cases in a box of the inbox, optionally of one state (OPEN: any open one),
    linking to that box with that filter."""

    key: str
    label: str | Promise
    box: str
    state: str = ""
    alarm: bool = False


def _case_figures(user, wanted: list[CaseCount], *, now: datetime) -> list[Figure]:
    """The figures counted by one query: each the box's filter (the one its list uses) and the state's."""
    filters: dict[str, Q | None] = {}
    for figure in wanted:
        found = box_filter(user, figure.box, now=now)
        if found is not NO_CASE and figure.state:
            found &= Q(state__in=OPEN_STATES) if figure.state == OPEN else Q(state=figure.state)
        filters[figure.key] = found
    counts = box_counts(user, filters, now=now)
    return [Figure(figure.key, figure.label, counts[figure.key],
                   _link("cases:inbox", box=figure.box, **({"state": figure.state} if figure.state else {})),
                   figure.alarm) for figure in wanted]


def _alert_figures(user, wanted: list[tuple[str, str | Promise, str]]) -> list[Figure]:
    """Active alerts of each (key, label, rule kind), by one query; each links to the alert list so filtered."""
    counts = alerts_visible_to(user).filter(status=AlertStatus.ACTIVE).order_by().aggregate(
        **{key: Count("id", filter=Q(rule__kind=kind)) for key, _label, kind in wanted})
    return [Figure(key, label, counts[key], _link("alerts:list", status=AlertStatus.ACTIVE, kind=kind), True)
            for key, label, kind in wanted]


def case_lines(cases: QuerySet[Case], *, now: datetime, rows: int = LIST_ROWS) -> list[CaseLine]:
    """The cases with the nearest deadline first (cases without one last), with days left."""
    lines = []
    # Only what a line shows: a case with all its relations costs more to read than its line to render.
    shown = cases.filter(state__in=OPEN_STATES).select_related(None).select_related("township").only(
        "number", "title", "title_text", "state", "deadline_at", "township__name")
    for case in shown.order_by("deadline_at", "id")[:rows]:
        left = None if case.deadline_at is None else (case.deadline_at - now) // timedelta(days=1)
        lines.append(CaseLine(case, left))
    return lines


def station_aqi(user, *, limit: int = STATION_ROWS) -> list[StationAqi]:
    """Each air station's AQI in its newest hour with data (a station's own newest hour, as published)."""
    stations = sites_visible_to(user).filter(kind=SiteKind.AIR, is_active=True).select_related(None).only(
        *SITE_SHOWN).order_by("code")[:limit]
    return [StationAqi(site, kept(("station-aqi", site.id), partial(_newest_aqi, site))) for site in stations]


def _newest_aqi(site: Site) -> quality.AqiRow | None:
    """The station's AQI in its newest hour with data (kept for every workbench: lanqing.workbench.kept)."""
    hour = quality.newest_hour(site)
    return quality.hourly_aqi(site, last_hour=hour, hours=1)[0] if hour else None


def outlet_status(user) -> list[OutletStatus]:
    """The outlets the user sees, those above a limit now first (most factors first), then those with a device
    offline, then the others by code; at most STATION_ROWS of them. Kept for the user, their role and scope
    like the stations' AQI (lanqing.workbench.kept: at most a minute behind the alerts and devices)."""
    membership = access.membership_of(user)
    scope = ((membership.pk, membership.jurisdiction_id, membership.unit_id, membership.enterprise_id)
             if membership else None)
    return kept(("outlet-status", user.pk, access.role_of(user), scope), partial(_outlet_status, user))


def _outlet_status(user) -> list[OutletStatus]:
    visible = sites_visible_to(user).filter(kind=SiteKind.OUTLET).select_related(None).only(*SITE_SHOWN)
    exceeding = Counter(alerts_visible_to(user).filter(
        status=AlertStatus.ACTIVE, rule__kind=RuleKind.EXCEEDANCE, site__kind=SiteKind.OUTLET).values_list(
        "site_id", flat=True))
    devices: dict[int, list[bool]] = {}
    for site_id, online in devices_visible_to(user).filter(point__site__kind=SiteKind.OUTLET).values_list(
            "point__site_id", "is_online"):
        devices.setdefault(site_id, []).append(online)
    offline = {site_id for site_id, states in devices.items() if not all(states)}
    # The flagged outlets and the first by code, in one statement; ordered and cut here.
    first_by_code = visible.order_by("code").values("id")[:STATION_ROWS]
    candidates = visible.filter(Q(id__in=set(exceeding) | offline) | Q(id__in=first_by_code))
    outlets = sorted(candidates, key=lambda site: (-exceeding[site.id], site.id not in offline, site.code))
    return [OutletStatus(site, len(devices.get(site.id, [])), devices.get(site.id, []).count(False),
                         exceeding[site.id]) for site in outlets[:STATION_ROWS]]


def bureau_figures(user, *, now: datetime) -> list[Figure]:
    failed = MeasurementImport.objects.filter(uploaded_by=user, status=ImportStatus.FAILED).count()
    return [
        *_case_figures(user, [
            CaseCount("overdue-cases", _("Overdue cases"), "overdue", alarm=True),
            CaseCount("due-cases", _("Due within three days"), "due"),
            CaseCount("open-cases", _("Open cases"), "all", OPEN),
            CaseCount("dispatch-cases", _("Awaiting dispatch"), "all", CaseState.DRAFT),
            CaseCount("verify-cases", _("Awaiting verification"), "all", CaseState.SUBMITTED),
        ], now=now),
        *_alert_figures(user, [("offline-alerts", _("Devices offline"), RuleKind.DEVICE_OFFLINE),
                               ("gap-alerts", _("Factors without values"), RuleKind.FACTOR_GAP),
                               ("exceeding-alerts", _("Outlets exceeding now"), RuleKind.EXCEEDANCE)]),
        Figure("failed-imports", _("Your imports that failed"), failed,
               _link("monitoring:imports", status=ImportStatus.FAILED), True),
    ]


def leadership_figures(user, *, now: datetime) -> list[Figure]:
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    figures = _case_figures(user, [
        CaseCount("escalated-cases", _("Escalated, awaiting your instruction"), "mine", alarm=True),
        CaseCount("overdue-cases", _("Overdue cases"), "overdue", alarm=True),
        CaseCount("open-cases", _("Open cases"), "all", OPEN),
    ], now=now)
    closed = cases_in_box(user, "all", now=now).filter(state=CaseState.CLOSED, closed_at__gte=month_start)
    return [*figures, Figure("closed-month-cases", _("Closed this month"), closed.count(), _link(
        "cases:inbox", box="all", state=CaseState.CLOSED, closed_since=month_start.date().isoformat()))]


def township_figures(user, *, now: datetime) -> list[Figure]:
    return [
        *_case_figures(user, [
            CaseCount("overdue-cases", _("Overdue cases"), "overdue", alarm=True),
            CaseCount("due-cases", _("Due within three days"), "due"),
            CaseCount("open-cases", _("Open cases of the township"), "township", OPEN),
        ], now=now),
        *_alert_figures(user, [("exceeding-alerts", _("Outlets exceeding now"), RuleKind.EXCEEDANCE)]),
    ]


def department_figures(user, *, now: datetime) -> list[Figure]:
    return _case_figures(user, [
        CaseCount("lead-cases", _("Open cases you lead"), "mine"),
        CaseCount("open-cases", _("Open cases you lead or support"), "unit", OPEN),
        CaseCount("overdue-cases", _("Overdue cases"), "overdue", alarm=True),
        CaseCount("due-cases", _("Due within three days"), "due"),
    ], now=now)


def enterprise_figures(user, *, now: datetime) -> list[Figure]:
    return [
        *_case_figures(user, [
            CaseCount("open-cases", _("Open cases"), "mine"),
            CaseCount("overdue-cases", _("Overdue cases"), "overdue", alarm=True),
        ], now=now),
        *_alert_figures(user, [("exceeding-alerts", _("Outlets exceeding now"), RuleKind.EXCEEDANCE),
                               ("offline-alerts", _("Devices offline"), RuleKind.DEVICE_OFFLINE)]),
    ]


FIGURES: dict[str, Callable[..., list[Figure]]] = {
    Role.BUREAU: bureau_figures,
    Role.LEADERSHIP: leadership_figures,
    Role.TOWNSHIP: township_figures,
    Role.GRID_OFFICER: township_figures,
    Role.UNIT: department_figures,
    Role.ENTERPRISE: enterprise_figures,
}

# The cases each role's first page lists, by the box of the inbox they come from.
CASE_BOX: dict[str, str] = {
    Role.BUREAU: "overdue",
    Role.LEADERSHIP: "mine",
    Role.TOWNSHIP: "township",
    Role.GRID_OFFICER: "township",
    Role.UNIT: "unit",
    Role.ENTERPRISE: "mine",
}


def workbench_for(user, *, now: datetime | None = None) -> dict:
    """What the first page shows the user: figures, the nearest deadlines, stations' AQI, outlets' status."""
    now = now or timezone.now()
    role = access.role_of(user)
    if role not in FIGURES:
        return {"role": role}
    box = CASE_BOX[role]
    shows_outlets = role in (Role.ENTERPRISE, Role.TOWNSHIP, Role.GRID_OFFICER, Role.BUREAU)
    return {
        "role": role,
        "figures": FIGURES[role](user, now=now),
        "case_box": box,
        "case_box_url": _link("cases:inbox", box=box),
        "cases": case_lines(cases_in_box(user, box, now=now), now=now),
        "due_soon": case_lines(cases_in_box(user, "due", now=now), now=now) if role == Role.BUREAU else [],
        "stations": station_aqi(user) if role != Role.ENTERPRISE else [],
        "outlets": outlet_status(user) if shows_outlets else [],
    }
