"""The checks behind each rule kind: measurements in, findings out. Each check also says which sources it
looked at, so that an alert of a source it did not look at is not cleared by mistake.

Only hourly values flagged N are a basis for an exceedance (a mark of invalid data is no basis, HJ 212 flags);
the flag rule looks at the other flags on purpose.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np
from django.db.models import Count, Max, Q
from django.utils import timezone

from lanqing import texts
from lanqing.alerts.models import AlertRule, Exceedance, RuleKind
from lanqing.monitoring import quality
from lanqing.monitoring.models import (
    Device,
    Factor,
    FactorKind,
    Measurement,
    OutletMedium,
    Period,
    Point,
    RawPacket,
    Site,
    SiteKind,
    Source,
    Verdict,
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
    message: texts.Stored
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
            factor_ids: Iterable[int] | None = None, site_kinds: Iterable[str] | None = None,
            automatic_only: bool = False) -> dict[tuple[int, int], list[tuple[datetime, float | None, str]]]:
    """Values per (point, factor), oldest first; `automatic_only`: without the enterprises' lab results."""
    rows = Measurement.objects.filter(period=period, time__gte=since, time__lte=until,
                                      point__site__is_active=True)
    if automatic_only:
        rows = rows.exclude(source=Source.MANUAL)
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


def _factor_name(factor: Factor) -> texts.Stored:
    return texts.names(zh=factor.name_zh, en=factor.name_en)


# --- exceedance -------------------------------------------------------------------------------------------------

# Which stored values are judged against an outlet's limit: hourly flue gas, daily wastewater.
JUDGED_PERIOD: dict[str, str] = {OutletMedium.GAS: Period.HOUR, OutletMedium.WATER: Period.DAY}


def outlet_limit_sets() -> dict[int, tuple[Site, emission.LimitSet]]:
    """Active outlets with a limit set from the catalogue, by site id."""
    found = {}
    for site in Site.objects.filter(kind=SiteKind.OUTLET, is_active=True).exclude(limit_set=""):
        if site.limit_set not in catalogue() or site.outlet_medium not in JUDGED_PERIOD:
            continue
        limit_set = catalogue()[site.limit_set]
        if site.reference_o2 is not None:
            # The permit's reference oxygen, where given, overrides the standard's.
            limit_set = dataclasses.replace(limit_set, reference_o2=float(site.reference_o2))
        found[site.id] = (site, limit_set)
    return found


def check_exceedance(rule: AlertRule, *, now: datetime, points: set[int] | None) -> Result:
    """Findings from the exceedances recorded when the values were stored and judged (alerts.exceedances): a
    source with a value recorded in this pass (judged_at == now), however old its data time — a late hour
    or a backfilled one opens or joins the alert — and a source whose newest valid value in the lookback
    window was recorded above the limit, which keeps its alert active. Any other source looked at clears:
    a late exceedance whose series has newer values within the limit keeps its alert until the next pass
    that looks at that point."""
    hours = float(rule.param("lookback_hours"))
    outlets = outlet_limit_sets()
    factors = _factors()
    fresh = Exceedance.objects.filter(judged_at=now, point__site__in=list(outlets))
    if points is not None:
        fresh = fresh.filter(point_id__in=points)
    if rule.factor_id:
        fresh = fresh.filter(factor_id=rule.factor_id)
    chosen: dict[tuple[int, int], Exceedance] = {}
    for record in fresh.order_by("time"):
        chosen[(record.point_id, record.factor_id)] = record  # the newest data time of the pass
    looked: set[int] = set()
    newest: dict[tuple[int, int], tuple[str, datetime]] = {}
    for medium, period in JUDGED_PERIOD.items():
        window = hours if medium == OutletMedium.GAS else max(hours, 48.0)
        series = _series(since=now - timedelta(hours=window), until=now, points=points, period=period,
                         site_kinds=[SiteKind.OUTLET])
        sites = _site_of_points({p for p, _f in series})
        for (point_id, factor_id), values in series.items():
            outlet = outlets.get(sites[point_id].id) if point_id in sites else None
            if outlet is None or outlet[0].outlet_medium != medium:
                continue
            looked.add(point_id)
            if rule.factor_id and rule.factor_id != factor_id:
                continue
            valid = [t for t, v, flag in values if flag == VALID_FLAG and v is not None]
            if valid and LIMIT_NAMES.get(factors[factor_id].code) in outlet[1].limits:
                newest[(point_id, factor_id)] = (period, valid[-1])
    if newest:
        still = Exceedance.objects.filter(point_id__in={p for p, _f in newest},
                                          time__gte=min(t for _p, t in newest.values()))
        for record in still:
            source = (record.point_id, record.factor_id)
            if newest.get(source) == (record.period, record.time) and source not in chosen:
                chosen[source] = record
    site_of = {p.id: outlets[p.site_id][0] for p in Point.objects.filter(id__in={p for p, _f in chosen})}
    findings = []
    for (point_id, factor_id), record in chosen.items():
        outlet_site = site_of[point_id]
        findings.append(Finding(
            f"point:{point_id}/factor:{factor_id}", outlet_site.id,
            texts.message(texts.gettext_noop("%(site)s %(factor)s %(value)s above the limit %(limit)s (%(time)s)"),
                          site=outlet_site.name, factor=_factor_name(factors[factor_id]), value=record.value,
                          limit=record.limit if record.limit is not None else "", time=texts.moment(record.time)),
            point_id=point_id, factor_id=factor_id, value=record.value, limit=record.limit))
    return Result(findings, None if points is None else looked | set(points))


# --- offline and gaps -------------------------------------------------------------------------------------------

def check_device_offline(rule: AlertRule, *, now: datetime, points: set[int] | None) -> Result:
    cutoff = now - timedelta(minutes=float(rule.param("minutes")))
    devices = Device.objects.filter(is_active=True, point__site__is_active=True).filter(
        Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=cutoff)).select_related("point__site")
    findings = [Finding(
        f"device:{d.id}", d.point.site_id,
        texts.message(texts.gettext_noop("%(site)s device %(mn)s sent nothing since %(time)s"),
                      site=d.point.site.name, mn=d.mn,
                      time=texts.moment(d.last_seen_at) if d.last_seen_at else texts.message(
                          texts.gettext_noop("never"))),
        point_id=d.point_id, device_id=d.id) for d in devices]
    return Result(findings)


def check_password(rule: AlertRule, *, now: datetime, points: set[int] | None) -> Result:
    """Devices whose MN got ``attempts`` wrong passwords or more within ``minutes``: someone may be guessing
    (the receiver slows such tries down; the bureau hears of them here). Counted from the stored rejected
    raw packets, which the receiver keeps within each address's audit budget."""
    minutes = float(rule.param("minutes"))
    counts = (RawPacket.objects.filter(received_at__gte=now - timedelta(minutes=minutes), verdict=Verdict.REJECTED,
                                       reason__startswith="wrong-pw", device__isnull=False)
              .values("device_id").annotate(tries=Count("id"), last=Max("received_at")))
    guessed = {row["device_id"]: row for row in counts if row["tries"] >= float(rule.param("attempts"))}
    devices = Device.objects.filter(id__in=list(guessed)).select_related("point__site")
    findings = [Finding(
        f"device:{d.id}/password", d.point.site_id,
        texts.message(texts.gettext_noop(
            "%(site)s device %(mn)s: %(count)s wrong passwords in the last %(minutes)s minutes, the latest at "
            "%(time)s; someone may be guessing its password"),
            site=d.point.site.name, mn=d.mn, count=guessed[d.id]["tries"], minutes=int(minutes),
            time=texts.moment(guessed[d.id]["last"])),
        point_id=d.point_id, device_id=d.id, value=float(guessed[d.id]["tries"])) for d in devices]
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
    missing: dict[int, list[tuple[str, texts.Stored, datetime]]] = defaultdict(list)
    for (point_id, factor_id), values in series.items():
        last = max(t for t, v, _flag in values if v is not None) if any(v is not None for _t, v, _f in values) \
            else None
        # An hourly value is complete at the end of its hour: a device that sent the hour before and then went
        # silent is not missing factors (if anything it is offline) until two hours after that hour ended.
        if last is None or last + timedelta(hours=1) >= now - gap:
            continue
        missing[point_id].append((factors[factor_id].code, _factor_name(factors[factor_id]), last))
    findings = []
    for point_id, silent in missing.items():
        site = sites[point_id]
        silent.sort()
        findings.append(Finding(
            f"device:{device_of[point_id]}", site.id,
            texts.message(texts.gettext_noop("%(site)s has sent no values of %(factors)s since %(time)s"),
                          site=site.name, factors=texts.items([name for _code, name, _last in silent]),
                          time=texts.moment(max(last for _code, _name, last in silent))),
            point_id=point_id, device_id=device_of[point_id], value=float(len(silent))))
    return Result(findings)


# --- anomalies --------------------------------------------------------------------------------------------------

def _anomaly(rule: AlertRule, *, now: datetime, points: set[int] | None, hours: float,
             test: Callable[[list[tuple[datetime, float | None, str]]], tuple[bool, float | None]],
             message: str, valid_only: bool = True, extra: dict | None = None) -> Result:
    # The checks describe an automatic monitor's behaviour (stuck, zero, jumping, fault flags): a lab result is
    # a sample taken by hand, often reported as 0 below the detection limit, and beside the monitor's hours a
    # jump between two methods, not a fault.
    series = _series(since=now - timedelta(hours=hours), until=now, points=points,
                     factor_ids=_pollutant_factor_ids(rule), automatic_only=True)
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
                texts.message(message, site=site.name, factor=_factor_name(factors[factor_id]),
                              value=None if value is None else float(value), **(extra or {})),
                point_id=point_id, factor_id=factor_id, value=value))
    return Result(findings, None if points is None else set(points))


def check_constant(rule: AlertRule, *, now: datetime, points: set[int] | None) -> Result:
    hours = int(rule.param("hours"))

    def test(rows):
        recent = rows[-hours:]
        values = [v for _t, v, _f in recent]
        return len(recent) >= hours and max(values) == min(values), values[-1]

    return _anomaly(rule, now=now, points=points, hours=hours + 1, test=test,
                    message=texts.gettext_noop("%(site)s %(factor)s has stayed at %(value)s for %(hours)d hours"),
                    extra={"hours": hours})


def check_non_positive(rule: AlertRule, *, now: datetime, points: set[int] | None) -> Result:
    def test(rows):
        value = rows[-1][1]
        return value <= 0, value

    return _anomaly(rule, now=now, points=points, hours=float(rule.param("hours")) + 1, test=test,
                    message=texts.gettext_noop("%(site)s %(factor)s reads %(value)s (zero or negative)"))


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
                    message=texts.gettext_noop("%(site)s %(factor)s jumped suddenly to %(value)s"))


def check_flag(rule: AlertRule, *, now: datetime, points: set[int] | None) -> Result:
    hours = int(rule.param("hours"))
    flags = {str(f)[:1].upper() for f in rule.param("flags")}

    def test(rows):
        recent = rows[-hours:]
        return len(recent) >= hours and all(flag[:1].upper() in flags for _t, _v, flag in recent), recent[-1][1]

    return _anomaly(rule, now=now, points=points, hours=hours + 1, test=test, valid_only=False,
                    message=texts.gettext_noop("%(site)s %(factor)s flagged as fault, calibration or over range for %(hours)d hours"),
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
        findings.append(Finding(f"point:{point_id}/aqi", site.id, texts.message(
                                    texts.gettext_noop("%(site)s hourly AQI %(aqi)d above %(level)d"),
                                    site=site.name, aqi=index, level=int(level)),
                                point_id=point_id, value=float(index), limit=level))
    return Result(findings, None if points is None else set(points))


def water_class_message(site: Site, row: quality.WaterRow) -> texts.Stored:
    """The finding as stored text: the section, its class on the day judged, the target and the deciding
    factors with their day means."""
    if row.water_class == water.WORSE_THAN_V:
        actual = texts.message(texts.gettext_noop("worse than class Ⅴ"))
    else:
        actual = texts.message(texts.gettext_noop("class %(name)s"), name=row.class_name)
    deciding = [
        texts.message(texts.gettext_noop("%(factor)s %(value)s"), factor=name, value=row.sample[name])
        if name == "pH"
        else texts.message(texts.gettext_noop("%(factor)s %(value)s mg/L"), factor=name, value=row.sample[name])
        for name in row.worst_factors]
    midnight = datetime(row.day.year, row.day.month, row.day.day, tzinfo=timezone.get_default_timezone())
    return texts.message(
        texts.gettext_noop(
            "%(site)s was %(actual)s on %(day)s (daily mean), worse than its target class %(target)s: %(factors)s"),
        site=site.name, actual=actual, target=water.CLASS_NAMES[site.target_class or 0],
        day=texts.moment(midnight, precision="date"), factors=texts.items(deciding))


def check_water_class(rule: AlertRule, *, now: datetime, points: set[int] | None) -> Result:
    # The class the site page shows for the same day (quality.daily_water_class), judged on the latest
    # complete local day in the lookback, so that a case never contradicts the page.
    days = max(1, math.ceil(float(rule.param("lookback_hours")) / 24))
    sections = Site.objects.filter(kind=SiteKind.WATER, is_active=True, target_class__isnull=False)
    if points is not None:
        sections = sections.filter(points__id__in=points).distinct()
    findings = []
    looked: set[int] = set()
    for site in sections.prefetch_related("points"):
        site_points = sorted(p.id for p in site.points.all())
        if not site_points or site.target_class is None:
            continue
        looked.update(site_points)
        row = quality.latest_complete_water_day(site, now=now, days=days)
        if row is None or row.meets_target is not False:
            continue
        # Keyed by the section's first point, as alerts of this rule always were, so open ones continue.
        point_id = site_points[0]
        findings.append(Finding(
            f"point:{point_id}/water_class", site.id, water_class_message(site, row),
            point_id=point_id, value=float(row.water_class), limit=float(site.target_class)))
    return Result(findings, None if points is None else looked | set(points))


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
    RuleKind.PASSWORD: check_password,
}


def register_check(kind: str, check: Callable[..., Result]) -> None:
    """An app above alerts supplies the check of a kind it judges (from its AppConfig.ready)."""
    CHECKS[kind] = check
