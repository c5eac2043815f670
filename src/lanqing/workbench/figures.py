"""The figures on each role's first page (工作台).

Every figure is counted from the very query its list shows, through the access authority, and carries the
address of that list with the same filter: a clerk who clicks a number sees the rows that make it up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lanqing.alerts.models import AlertStatus, RuleKind
from lanqing.alerts.services import alerts_visible_to
from lanqing.cases.models import OPEN_STATES, Case, CaseState
from lanqing.cases.selectors import OPEN, cases_in_box
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


def _case_figure(user, key: str, label, box: str, *, now: datetime, alarm: bool = False, **query: str) -> Figure:
    cases = cases_in_box(user, box, now=now)
    state = query.get("state")
    if state == OPEN:
        cases = cases.filter(state__in=OPEN_STATES)
    elif state:
        cases = cases.filter(state=state)
    return Figure(key, label, cases.count(), _link("cases:inbox", box=box, **query), alarm)


def _alert_figure(user, key: str, label, kind: str) -> Figure:
    alerts = alerts_visible_to(user).filter(status=AlertStatus.ACTIVE, rule__kind=kind)
    return Figure(key, label, alerts.count(), _link("alerts:list", status=AlertStatus.ACTIVE, kind=kind), True)


def case_lines(cases: QuerySet[Case], *, now: datetime, rows: int = LIST_ROWS) -> list[CaseLine]:
    """The cases with the nearest deadline first (cases without one last), with days left."""
    lines = []
    for case in cases.filter(state__in=OPEN_STATES).order_by("deadline_at", "id")[:rows]:
        left = None if case.deadline_at is None else (case.deadline_at - now) // timedelta(days=1)
        lines.append(CaseLine(case, left))
    return lines


def station_aqi(user, *, limit: int = STATION_ROWS) -> list[StationAqi]:
    """Each air station's AQI in its newest hour with data (a station's own newest hour, as published)."""
    stations = sites_visible_to(user).filter(kind=SiteKind.AIR, is_active=True).order_by("code")[:limit]
    return [StationAqi(site, kept(("station-aqi", site.id), partial(_newest_aqi, site))) for site in stations]


def _newest_aqi(site: Site) -> quality.AqiRow | None:
    """The station's AQI in its newest hour with data (kept for every workbench: lanqing.workbench.kept)."""
    hour = quality.newest_hour(site)
    return quality.hourly_aqi(site, last_hour=hour, hours=1)[0] if hour else None


def outlet_status(user) -> list[OutletStatus]:
    outlets = list(sites_visible_to(user).filter(kind=SiteKind.OUTLET).order_by("code")[:STATION_ROWS])
    exceeding: dict[int, int] = {}
    for site_id in alerts_visible_to(user).filter(status=AlertStatus.ACTIVE, rule__kind=RuleKind.EXCEEDANCE,
                                                  site__in=outlets).values_list("site_id", flat=True):
        exceeding[site_id] = exceeding.get(site_id, 0) + 1
    devices: dict[int, list[bool]] = {}
    for site_id, online in devices_visible_to(user).filter(point__site__in=outlets).values_list(
            "point__site_id", "is_online"):
        devices.setdefault(site_id, []).append(online)
    return [OutletStatus(site, len(devices.get(site.id, [])), devices.get(site.id, []).count(False),
                         exceeding.get(site.id, 0)) for site in outlets]


def bureau_figures(user, *, now: datetime) -> list[Figure]:
    failed = MeasurementImport.objects.filter(uploaded_by=user, status=ImportStatus.FAILED).count()
    return [
        _case_figure(user, "overdue-cases", _("Overdue cases"), "overdue", now=now, alarm=True),
        _case_figure(user, "due-cases", _("Due within three days"), "due", now=now),
        _case_figure(user, "open-cases", _("Open cases"), "all", now=now, state=OPEN),
        _case_figure(user, "dispatch-cases", _("Awaiting dispatch"), "all", now=now, state=CaseState.DRAFT),
        _case_figure(user, "verify-cases", _("Awaiting verification"), "all", now=now, state=CaseState.SUBMITTED),
        _alert_figure(user, "offline-alerts", _("Devices offline"), RuleKind.DEVICE_OFFLINE),
        _alert_figure(user, "gap-alerts", _("Factors without values"), RuleKind.FACTOR_GAP),
        _alert_figure(user, "exceeding-alerts", _("Outlets exceeding now"), RuleKind.EXCEEDANCE),
        Figure("failed-imports", _("Your imports that failed"), failed,
               _link("monitoring:imports", status=ImportStatus.FAILED), True),
    ]


def leadership_figures(user, *, now: datetime) -> list[Figure]:
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    closed = cases_in_box(user, "all", now=now).filter(state=CaseState.CLOSED, closed_at__gte=month_start)
    return [
        _case_figure(user, "escalated-cases", _("Escalated, awaiting your instruction"), "mine", now=now, alarm=True),
        _case_figure(user, "overdue-cases", _("Overdue cases"), "overdue", now=now, alarm=True),
        _case_figure(user, "open-cases", _("Open cases"), "all", now=now, state=OPEN),
        Figure("closed-month-cases", _("Closed this month"), closed.count(),
               _link("cases:inbox", box="all", state=CaseState.CLOSED, closed_since=month_start.date().isoformat())),
    ]


def township_figures(user, *, now: datetime) -> list[Figure]:
    return [
        _case_figure(user, "overdue-cases", _("Overdue cases"), "overdue", now=now, alarm=True),
        _case_figure(user, "due-cases", _("Due within three days"), "due", now=now),
        _case_figure(user, "open-cases", _("Open cases of the township"), "township", now=now, state=OPEN),
        _alert_figure(user, "exceeding-alerts", _("Outlets exceeding now"), RuleKind.EXCEEDANCE),
    ]


def department_figures(user, *, now: datetime) -> list[Figure]:
    return [
        _case_figure(user, "lead-cases", _("Open cases you lead"), "mine", now=now),
        _case_figure(user, "open-cases", _("Open cases you lead or support"), "unit", now=now, state=OPEN),
        _case_figure(user, "overdue-cases", _("Overdue cases"), "overdue", now=now, alarm=True),
        _case_figure(user, "due-cases", _("Due within three days"), "due", now=now),
    ]


def enterprise_figures(user, *, now: datetime) -> list[Figure]:
    return [
        _case_figure(user, "open-cases", _("Open cases"), "mine", now=now),
        _case_figure(user, "overdue-cases", _("Overdue cases"), "overdue", now=now, alarm=True),
        _alert_figure(user, "exceeding-alerts", _("Outlets exceeding now"), RuleKind.EXCEEDANCE),
        _alert_figure(user, "offline-alerts", _("Devices offline"), RuleKind.DEVICE_OFFLINE),
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
