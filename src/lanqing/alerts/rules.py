"""The checks behind each rule kind: measurements in, findings out. Each check also says which sources it
looked at, so that an alert of a source it did not look at is not cleared by mistake.

Only hourly values flagged N are a basis for an exceedance (a mark of invalid data is no basis, HJ 212 flags);
the flag rule looks at the other flags on purpose.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lanqing.alerts.models import AlertRule, RuleKind
from lanqing.monitoring.models import (
    Device,
    Factor,
    FactorKind,
    Measurement,
    OutletMedium,
    Period,
    Site,
    SiteKind,
)
from lanqing.standards import aqi as aqi_engine
from lanqing.standards import emission, water

VALID_FLAG = "N"
O2_CODE = "a19001"
# HJ 212 factor codes → names in the standards engine's emission limit catalogue.
LIMIT_NAMES = {"a21026": "SO2", "a21002": "NOx", "a34013": "PM", "w01018": "COD", "w21003": "NH3-N",
               "w21011": "TP", "w21001": "TN", "w01001": "pH", "w01012": "SS", "w01017": "BOD5"}
# Ambient codes → AQI indicators (CO in mg/m³, the rest in µg/m³, as ambient stations report them).
AQI_CODES = {"a21026": "SO2", "a21004": "NO2", "a21005": "CO", "a05024": "O3", "a34002": "PM10", "a34004": "PM2.5"}
POLLUTANT_KINDS = (FactorKind.AIR, FactorKind.WATER, FactorKind.FLUE_GAS)


@dataclass(frozen=True)
class Finding:
    source_key: str
    site_id: int
    message: str
    point_id: int | None = None
    device_id: int | None = None
    factor_id: int | None = None
    value: float | None = None
    limit: float | None = None


@dataclass
class Result:
    findings: list[Finding]
    # Points looked at (None: every source of the rule was looked at).
    points: set[int] | None = None


@lru_cache(maxsize=1)
def catalogue() -> emission.LimitCatalogue:
    return emission.load_catalogue()


def _factors() -> dict[int, Factor]:
    return {f.id: f for f in Factor.objects.all()}


def _series(*, since: datetime, until: datetime, points: set[int] | None, period: str = Period.HOUR,
            factor_ids: Iterable[int] | None = None, site_kinds: Iterable[str] | None = None
            ) -> dict[tuple[int, int], list[tuple[datetime, float | None, str]]]:
    """Values per (point, factor), oldest first."""
    rows = Measurement.objects.filter(period=period, time__gte=since, time__lte=until,
                                      point__site__is_active=True)
    if points is not None:
        rows = rows.filter(point_id__in=points)
    if factor_ids is not None:
        rows = rows.filter(factor_id__in=list(factor_ids))
    if site_kinds is not None:
        rows = rows.filter(point__site__kind__in=list(site_kinds))
    series: dict[tuple[int, int], list] = defaultdict(list)
    for point_id, factor_id, time, value, flag in rows.order_by("time").values_list(
            "point_id", "factor_id", "time", "value", "flag"):
        series[(point_id, factor_id)].append((time, value, flag))
    return series


def _site_of_points(point_ids: Iterable[int]) -> dict[int, Site]:
    sites = Site.objects.filter(points__id__in=list(point_ids)).prefetch_related("points")
    return {p.id: s for s in sites for p in s.points.all()}


def _pollutant_factor_ids(rule: AlertRule) -> list[int]:
    if rule.factor_id:
        return [rule.factor_id]
    return list(Factor.objects.filter(kind__in=POLLUTANT_KINDS).values_list("id", flat=True))


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


# --- exceedance -------------------------------------------------------------------------------------------------

def check_exceedance(rule: AlertRule, *, now: datetime, points: set[int] | None) -> Result:
    hours = float(rule.param("lookback_hours"))
    outlets = Site.objects.filter(kind=SiteKind.OUTLET, is_active=True).exclude(limit_set="")
    limit_sets: dict[int, emission.LimitSet] = {}
    for site in outlets:
        if site.limit_set not in catalogue():
            continue
        limit_set = catalogue()[site.limit_set]
        if site.reference_o2 is not None:
            # The permit's reference oxygen, where given, overrides the standard's.
            limit_set = dataclasses.replace(limit_set, reference_o2=float(site.reference_o2))
        limit_sets[site.id] = limit_set
    factors = _factors()
    findings: list[Finding] = []
    looked: set[int] = set()
    for medium, period, window in ((OutletMedium.GAS, Period.HOUR, hours), (OutletMedium.WATER, Period.DAY,
                                                                           max(hours, 48.0))):
        site_ids = [s.id for s in outlets if s.id in limit_sets and s.outlet_medium == medium]
        if not site_ids:
            continue
        series = _series(since=now - timedelta(hours=window), until=now, points=points, period=period,
                         site_kinds=[SiteKind.OUTLET])
        sites = _site_of_points({p for p, _f in series})
        o2_id = next((f.id for f in factors.values() if f.code == O2_CODE), None)
        for (point_id, factor_id), values in series.items():
            outlet = sites.get(point_id)
            if outlet is None or outlet.id not in site_ids:
                continue
            looked.add(point_id)
            factor = factors[factor_id]
            name = LIMIT_NAMES.get(factor.code)
            if (rule.factor_id and rule.factor_id != factor_id) or name not in limit_sets[outlet.id].limits:
                continue
            valid = [(t, v) for t, v, flag in values if flag == VALID_FLAG and v is not None]
            if not valid:
                continue
            time, value = valid[-1]
            o2 = None
            if medium == OutletMedium.GAS and o2_id is not None:
                o2_values = {t: v for t, v, flag in series.get((point_id, o2_id), []) if flag == VALID_FLAG}
                o2 = o2_values.get(time)
                if o2 is None and limit_sets[outlet.id].reference_o2 is not None:
                    # Without a valid O2 reading the converted concentration cannot be computed: no judgement.
                    continue
            verdict = emission.check([value], name, limit_sets[outlet.id], o2=None if o2 is None else [o2])
            if not bool(verdict.exceeds[0]):
                continue
            judged = float(verdict.value[0])
            limit = verdict.limit if isinstance(verdict.limit, float) else None
            findings.append(Finding(
                f"point:{point_id}/factor:{factor_id}", outlet.id,
                _("%(site)s %(factor)s %(value)s above the limit %(limit)s (%(time)s)") % {
                    "site": outlet.name, "factor": factor.display_name, "value": _fmt(judged),
                    "limit": _fmt(limit) if limit is not None else "", "time": f"{timezone.localtime(time):%m-%d %H:%M}"},
                point_id=point_id, factor_id=factor_id, value=judged, limit=limit))
    return Result(findings, None if points is None else looked | set(points))


# --- offline and gaps -------------------------------------------------------------------------------------------

def check_device_offline(rule: AlertRule, *, now: datetime, points: set[int] | None) -> Result:
    cutoff = now - timedelta(minutes=float(rule.param("minutes")))
    devices = Device.objects.filter(is_active=True, point__site__is_active=True).filter(
        Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=cutoff)).select_related("point__site")
    findings = [Finding(
        f"device:{d.id}", d.point.site_id,
        _("%(site)s device %(mn)s sent nothing since %(time)s") % {
            "site": d.point.site.name, "mn": d.mn,
            "time": f"{timezone.localtime(d.last_seen_at):%m-%d %H:%M}" if d.last_seen_at else _("never")},
        point_id=d.point_id, device_id=d.id) for d in devices]
    return Result(findings)


def check_factor_gap(rule: AlertRule, *, now: datetime, points: set[int] | None) -> Result:
    """One finding per talking device that stopped sending some of its factors, listing them all, so that a
    device with four silent analysers is one alert (and one problem), not four."""
    gap = timedelta(hours=float(rule.param("hours")))
    lookback = timedelta(hours=float(rule.param("lookback_hours")))
    # A device that is silent altogether is the offline rule's business; this one finds a device that
    # keeps talking but stopped sending one factor.
    device_of: dict[int, int] = {}
    for device_id, point_id in (Device.objects.filter(is_active=True, last_seen_at__gte=now - gap)
                                .order_by("last_seen_at", "id").values_list("id", "point_id")):
        device_of[point_id] = device_id  # of two devices at one point, the one heard last
    factor_ids = [rule.factor_id] if rule.factor_id else None
    series = _series(since=now - lookback, until=now, points=set(device_of), factor_ids=factor_ids)
    sites = _site_of_points({p for p, _f in series})
    factors = _factors()
    missing: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for (point_id, factor_id), values in series.items():
        last = max(t for t, v, _flag in values if v is not None) if any(v is not None for _t, v, _f in values) \
            else None
        # An hourly value is complete at the end of its hour: a device that sent the hour before and then went
        # silent is not missing factors (if anything it is offline) until two hours after that hour ended.
        if last is None or last + timedelta(hours=1) >= now - gap:
            continue
        missing[point_id].append((factors[factor_id].display_name, last))
    findings = []
    for point_id, silent in missing.items():
        site = sites[point_id]
        silent.sort()
        findings.append(Finding(
            f"device:{device_of[point_id]}", site.id,
            _("%(site)s has sent no values of %(factors)s since %(time)s") % {
                "site": site.name, "factors": ", ".join(name for name, _last in silent),
                "time": f"{timezone.localtime(max(last for _name, last in silent)):%m-%d %H:%M}"},
            point_id=point_id, device_id=device_of[point_id], value=float(len(silent))))
    return Result(findings)


# --- anomalies --------------------------------------------------------------------------------------------------

def _anomaly(rule: AlertRule, *, now: datetime, points: set[int] | None, hours: float,
             test: Callable[[list[tuple[datetime, float | None, str]]], tuple[bool, float | None]],
             message: str, valid_only: bool = True, extra: dict | None = None) -> Result:
    series = _series(since=now - timedelta(hours=hours), until=now, points=points,
                     factor_ids=_pollutant_factor_ids(rule))
    sites = _site_of_points({p for p, _f in series})
    factors = _factors()
    findings = []
    for (point_id, factor_id), values in series.items():
        chosen = [row for row in values if row[2] == VALID_FLAG and row[1] is not None] if valid_only else values
        if not chosen:
            continue
        hit, value = test(chosen)
        if hit:
            site = sites[point_id]
            findings.append(Finding(
                f"point:{point_id}/factor:{factor_id}", site.id,
                message % {"site": site.name, "factor": factors[factor_id].display_name, "value": _fmt(value),
                           **(extra or {})},
                point_id=point_id, factor_id=factor_id, value=value))
    return Result(findings, None if points is None else set(points))


def check_constant(rule: AlertRule, *, now: datetime, points: set[int] | None) -> Result:
    hours = int(rule.param("hours"))

    def test(rows):
        recent = rows[-hours:]
        values = [v for _t, v, _f in recent]
        return len(recent) >= hours and max(values) == min(values), values[-1]

    return _anomaly(rule, now=now, points=points, hours=hours + 1, test=test,
                    message=_("%(site)s %(factor)s has stayed at %(value)s for %(hours)d hours"),
                    extra={"hours": hours})


def check_non_positive(rule: AlertRule, *, now: datetime, points: set[int] | None) -> Result:
    def test(rows):
        value = rows[-1][1]
        return value <= 0, value

    return _anomaly(rule, now=now, points=points, hours=float(rule.param("hours")) + 1, test=test,
                    message=_("%(site)s %(factor)s reads %(value)s (zero or negative)"))


def check_jump(rule: AlertRule, *, now: datetime, points: set[int] | None) -> Result:
    ratio, min_delta = float(rule.param("ratio")), float(rule.param("min_delta"))

    def test(rows):
        if len(rows) < 2:
            return False, None
        (t0, before, _f0), (t1, after, _f1) = rows[-2], rows[-1]
        if t1 - t0 > timedelta(hours=1):
            return False, after
        low, high = sorted((abs(before), abs(after)))
        return high - low >= min_delta and high > ratio * max(low, 1e-9), after

    return _anomaly(rule, now=now, points=points, hours=3, test=test,
                    message=_("%(site)s %(factor)s jumped suddenly to %(value)s"))


def check_flag(rule: AlertRule, *, now: datetime, points: set[int] | None) -> Result:
    hours = int(rule.param("hours"))
    flags = {str(f)[:1].upper() for f in rule.param("flags")}

    def test(rows):
        recent = rows[-hours:]
        return len(recent) >= hours and all(flag[:1].upper() in flags for _t, _v, flag in recent), recent[-1][1]

    return _anomaly(rule, now=now, points=points, hours=hours + 1, test=test, valid_only=False,
                    message=_("%(site)s %(factor)s flagged as fault, calibration or over range for %(hours)d hours"),
                    extra={"hours": hours})


# --- ambient quality --------------------------------------------------------------------------------------------

def check_aqi(rule: AlertRule, *, now: datetime, points: set[int] | None) -> Result:
    level = float(rule.param("level"))
    codes = {f.id: AQI_CODES[f.code] for f in Factor.objects.filter(code__in=AQI_CODES)}
    series = _series(since=now - timedelta(hours=3), until=now, points=points, factor_ids=codes,
                     site_kinds=[SiteKind.AIR])
    by_point: dict[int, dict[datetime, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for (point_id, factor_id), values in series.items():
        for time, value, flag in values:
            if flag == VALID_FLAG and value is not None:
                by_point[point_id][time][codes[factor_id]] = value
    sites = _site_of_points(by_point)
    findings = []
    for point_id, by_time in by_point.items():
        complete = [t for t, v in by_time.items() if len(v) == len(AQI_CODES)]
        if not complete:
            continue
        time = max(complete)
        sample = by_time[time]
        result = aqi_engine.compute_aqi({name: np.array([v]) for name, v in sample.items()}, period="hour",
                                        times=[timezone.localtime(time).replace(tzinfo=None)])
        index = int(result.aqi[0])
        if index < 0 or index <= level:
            continue
        site = sites[point_id]
        findings.append(Finding(f"point:{point_id}/aqi", site.id, _("%(site)s hourly AQI %(aqi)d above %(level)d")
                                % {"site": site.name, "aqi": index, "level": int(level)},
                                point_id=point_id, value=float(index), limit=level))
    return Result(findings, None if points is None else set(points))


def check_water_class(rule: AlertRule, *, now: datetime, points: set[int] | None) -> Result:
    lookback = timedelta(hours=float(rule.param("lookback_hours")))
    sections = {s.id: s for s in Site.objects.filter(kind=SiteKind.WATER, is_active=True,
                                                     target_class__isnull=False)}
    factors = _factors()
    latest: dict[int, dict[str, float]] = defaultdict(dict)
    point_site: dict[int, int] = {}
    for period in (Period.DAY, Period.HOUR):
        series = _series(since=now - lookback, until=now, points=points, period=period,
                         site_kinds=[SiteKind.WATER])
        sites = _site_of_points({p for p, _f in series})
        for (point_id, factor_id), values in series.items():
            valid = [v for _t, v, flag in values if flag == VALID_FLAG and v is not None]
            name = water.factor_name(factors[factor_id].name_zh)
            if valid and name not in latest[point_id]:
                latest[point_id][name] = valid[-1]
                point_site[point_id] = sites[point_id].id
    findings = []
    for point_id, sample in latest.items():
        site = sections.get(point_site.get(point_id, 0))
        if site is None or site.target_class is None:
            continue
        verdict = water.section_class(sample, target=site.target_class)
        if verdict.water_class and verdict.water_class > site.target_class:
            findings.append(Finding(
                f"point:{point_id}/water_class", site.id,
                _("%(site)s is class %(actual)s, worse than its target %(target)s (%(factors)s)") % {
                    "site": site.name, "actual": verdict.class_name,
                    "target": water.CLASS_NAMES[site.target_class], "factors": ", ".join(verdict.worst_factors)},
                point_id=point_id, value=float(verdict.water_class), limit=float(site.target_class)))
    return Result(findings, None if points is None else set(points))


CHECKS: dict[str, Callable[..., Result]] = {
    RuleKind.EXCEEDANCE: check_exceedance,
    RuleKind.DEVICE_OFFLINE: check_device_offline,
    RuleKind.FACTOR_GAP: check_factor_gap,
    RuleKind.CONSTANT: check_constant,
    RuleKind.NON_POSITIVE: check_non_positive,
    RuleKind.JUMP: check_jump,
    RuleKind.FLAG: check_flag,
    RuleKind.AQI: check_aqi,
    RuleKind.WATER_CLASS: check_water_class,
}
