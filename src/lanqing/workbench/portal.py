"""The enterprise's file (一企一档) and portal: what its page shows, read through the user's scope, so the
enterprise and the staff who see it read the same page and no one reads another enterprise's rows."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from lanqing.alerts.models import Alert, AlertStatus
from lanqing.alerts.services import alerts_visible_to
from lanqing.cases import transitions
from lanqing.cases.models import OPEN_STATES, Case
from lanqing.cases.selectors import cases_visible_to
from lanqing.monitoring import limits
from lanqing.monitoring.models import (
    Factor,
    LabResult,
    LabUpload,
    Measurement,
    Period,
    Site,
    Source,
    Span,
    TransmissionStat,
)
from lanqing.monitoring.selectors import devices_visible_to, sites_visible_to
from lanqing.monitoring.transmission import Rates, rates_by_device
from lanqing.org import access
from lanqing.org.models import DischargePermit, Enterprise
from lanqing.standards import factor_codes

SHOWN = 10  # alerts, cases and lab results on the file page; their own pages list the rest
# Pollutants a limit set names that no monitored factor measures (no online monitor reports them), by the
# standards engine's name: shown by name, never by the engine's key.
OTHER_POLLUTANTS = {
    "Hg": gettext_lazy("Mercury and its compounds"),
    "petroleum": gettext_lazy("Petroleum"),
    "oil_animal_veg": gettext_lazy("Animal and vegetable oils"),
    "LAS": gettext_lazy("Anionic surfactants (LAS)"),
}
# Values of the factor the limit is about: flow, temperature, O2 and such are shown on the site's page.
CODE_OF = {name: code for code, name in factor_codes.EMISSION.items()}


@dataclass(frozen=True)
class FactorLimit:
    factor: Factor | None
    name: str  # the pollutant by name, where no factor measures it
    limit: str  # "≤ 50", "6–9"
    value: float | None = None
    time: datetime | None = None
    source: str = ""
    exceeds: bool = False


@dataclass
class Outlet:
    site: Site
    standard: limits.StandardLabel | None
    limit_set_title: str
    reference_o2: float | None
    factors: list[FactorLimit] = field(default_factory=list)

    @property
    def exceeding(self) -> int:
        return sum(1 for f in self.factors if f.exceeds)


def _bound_text(bound: float | tuple[float, float]) -> str:
    if isinstance(bound, tuple):
        return f"{bound[0]:g}–{bound[1]:g}"
    return f"≤ {bound:g}"


def _newest(user: User, site: Site, factor: Factor) -> Measurement | None:
    return (access.visible(user, Measurement.objects.filter(point__site=site, factor=factor, period=Period.HOUR))
            .order_by("-time").first())


def _judge(user: User, site: Site, factor: Factor, row: Measurement, o2_factor: Factor | None) -> bool:
    """Whether the newest hourly value breaks the limit, as the site's chart and the alerts judge it."""
    o2 = None
    limit_set = limits.limit_set_of(site)
    if limit_set is not None and limit_set.reference_o2 is not None and o2_factor is not None:
        at = access.visible(user, Measurement.objects.filter(point_id=row.point_id, factor=o2_factor,
                                                             period=Period.HOUR, time=row.time)).first()
        o2 = [at.value if at is not None and at.flag == limits.VALID_FLAG else None]
    found = limits.chart_limit(site, factor, [row.value], [row.flag], o2=o2)
    return bool(found and found.exceeds)


def outlets_of(user: User, enterprise: Enterprise) -> list[Outlet]:
    """Each outlet with its limit set, reference oxygen, and per limited factor its limit and newest value."""
    factors = {f.code: f for f in Factor.objects.all()}
    o2_factor = factors.get(factor_codes.O2)
    outlets = []
    for site in sites_visible_to(user).filter(enterprise=enterprise).order_by("code"):
        limit_set = limits.limit_set_of(site)
        outlet = Outlet(site, limits.standard_label(site), limit_set.title if limit_set else "",
                        (limit_set.reference_o2 if limit_set and limit_set.reference_o2 is not None
                         else (float(site.reference_o2) if site.reference_o2 is not None else None)))
        for name, bound in (limit_set.limits.items() if limit_set else ()):
            factor = factors.get(CODE_OF.get(name, ""))
            row = _newest(user, site, factor) if factor is not None else None
            outlet.factors.append(FactorLimit(
                factor, str(OTHER_POLLUTANTS.get(name, name)), _bound_text(bound), row.value if row else None, row.time if row else None,
                row.get_source_display() if row else "",
                bool(row and factor and _judge(user, site, factor, row, o2_factor))))
        outlets.append(outlet)
    return outlets


def permits_of(user: User, enterprise: Enterprise) -> QuerySet[DischargePermit]:
    return access.visible(user, DischargePermit.objects.filter(enterprise=enterprise))


def transmission_of(user: User, enterprise: Enterprise, *, month: date) -> list[tuple]:
    """(device, month's rates over its factors, rates per factor) for each of the enterprise's devices."""
    devices = list(devices_visible_to(user).filter(point__site__enterprise=enterprise).order_by("mn"))
    stats = access.visible(user, TransmissionStat.objects.filter(
        device__in=devices, span=Span.MONTH, start=month.replace(day=1))).select_related("factor")
    rates: dict[int, tuple[Rates, list[Rates]]] = rates_by_device(stats)
    return [(device, *rates.get(device.id, (None, []))) for device in devices]


def alerts_of(user: User, enterprise: Enterprise) -> QuerySet[Alert]:
    return alerts_visible_to(user).filter(site__enterprise=enterprise).order_by("-last_seen_at")


def cases_of(user: User, enterprise: Enterprise) -> QuerySet[Case]:
    return cases_visible_to(user).filter(enterprise=enterprise).order_by("-created_at")


def awaiting_report(user: User, enterprise: Enterprise) -> list[Case]:
    """The enterprise's open cases on which this user may submit the rectification now."""
    open_cases = list(cases_of(user, enterprise).filter(state__in=OPEN_STATES).order_by("deadline_at"))
    return [case for case in open_cases if "submit" in transitions.allowed_actions(user, case)]


def lab_results_of(user: User, enterprise: Enterprise) -> QuerySet[LabResult]:
    return access.visible(user, LabResult.objects.filter(point__site__enterprise=enterprise)).select_related(
        "point__site", "factor", "upload")


def lab_uploads_of(user: User, enterprise: Enterprise) -> QuerySet[LabUpload]:
    return access.visible(user, LabUpload.objects.filter(enterprise=enterprise)).defer("content").select_related(
        "uploaded_by")


def enterprise_file(user: User, enterprise: Enterprise, *, now: datetime | None = None) -> dict:
    """Everything the file page shows."""
    now = now or timezone.now()
    month = timezone.localtime(now, zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()
    alerts = alerts_of(user, enterprise)
    cases = cases_of(user, enterprise)
    return {
        "permits": list(permits_of(user, enterprise)),
        "today": month,
        "outlets": outlets_of(user, enterprise),
        "devices": transmission_of(user, enterprise, month=month),
        "month": month,
        "alerts": list(alerts[:SHOWN]),
        "active_alerts": alerts.filter(status=AlertStatus.ACTIVE).count(),
        "cases": list(cases[:SHOWN]),
        "open_cases": cases.filter(state__in=OPEN_STATES).count(),
        "awaiting": awaiting_report(user, enterprise),
        "lab_results": list(lab_results_of(user, enterprise)[:SHOWN]),
        "stale_after": now - timedelta(hours=3),
    }


@dataclass(frozen=True)
class Cell:
    value: float | None
    flag: str
    manual: bool  # a lab result, not a value the online monitor sent
    exceeds: bool


@dataclass
class HourlyTable:
    factors: list[Factor]  # the columns: the factors the outlet's limits name, then O2 where values convert
    limits: dict[int, str]  # factor id → the limit text shown in the column head
    hours: list[datetime] = field(default_factory=list)
    rows: list[tuple[datetime, list[Cell | None]]] = field(default_factory=list)


def hourly_columns(user: User, site: Site) -> HourlyTable:
    """The columns of an outlet's hourly table: its limited factors that it reports, and O2 for conversion."""
    limit_set = limits.limit_set_of(site)
    reported = set(access.visible(user, Measurement.objects.filter(point__site=site, period=Period.HOUR))
                   .values_list("factor_id", flat=True).distinct())
    codes = list(limits.judged_codes(site))
    if limit_set is not None and limit_set.reference_o2 is not None:
        codes.append(factor_codes.O2)
    by_code = {f.code: f for f in Factor.objects.filter(code__in=codes, id__in=reported)}
    factors = [by_code[c] for c in codes if c in by_code]
    bounds = {}
    for f in factors:
        name = factor_codes.EMISSION.get(f.code)
        if limit_set is not None and name in limit_set.limits:
            bounds[f.id] = _bound_text(limit_set.limits[name])
    return HourlyTable(factors, bounds)


def hourly_times(user: User, site: Site, table: HourlyTable, *, since: datetime) -> QuerySet:
    """The hours with a value of one of the table's factors since `since`, newest first (for paging)."""
    return (access.visible(user, Measurement.objects.filter(
        point__site=site, period=Period.HOUR, factor__in=table.factors, time__gte=since))
        .values_list("time", flat=True).distinct().order_by("-time"))


def hourly_fill(user: User, site: Site, table: HourlyTable, hours: list[datetime]) -> HourlyTable:
    """The table's rows for the given hours: each factor's value, flag and source, and whether it breaks the
    limit as the chart and the alerts judge it (valid values only; gas converted with the same hour's O2)."""
    values: dict[tuple[int, datetime], tuple[float | None, str, str]] = {}
    rows = access.visible(user, Measurement.objects.filter(
        point__site=site, period=Period.HOUR, factor__in=table.factors, time__in=hours))
    for factor_id, time, value, flag, source in rows.values_list("factor_id", "time", "value", "flag", "source"):
        values[(factor_id, time)] = (value, flag, source)
    o2_factor = next((f for f in table.factors if f.code == factor_codes.O2), None)
    o2 = None
    if o2_factor is not None:
        o2 = [v[0] if (v := values.get((o2_factor.id, t))) and v[1] == limits.VALID_FLAG else None for t in hours]
    exceeding: dict[int, set[int]] = {}
    for f in table.factors:
        shown = [values.get((f.id, t)) for t in hours]
        found = limits.chart_limit(site, f, [v[0] if v else None for v in shown], [v[1] if v else "" for v in shown],
                                   o2=o2)
        exceeding[f.id] = set(found.exceeds) if found else set()
    table.hours = hours
    table.rows = [(t, [Cell(v[0], v[1], v[2] == Source.MANUAL, i in exceeding[f.id])
                       if (v := values.get((f.id, t))) else None for f in table.factors])
                  for i, t in enumerate(hours)]
    return table
