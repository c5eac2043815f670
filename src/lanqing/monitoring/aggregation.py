"""Hourly means from minute values and daily means from hourly ones, with the minimum counts of Annex D.

HJ 212-2017 Annex D (after HJ/T 75-2007, HJ/T 76-2007) and HJ 663 for ambient air:
* flue gas and ambient air: an hour needs ≥ 75 % valid minute values — 45 of 60 one-minute means; a day
  needs ≥ 20 valid hours. Short of that the aggregate is flagged ``D`` (Annex D notes to C.16–C.18: "≥75 %
  normal values → N, otherwise instrument fault").
* wastewater and surface water: an hour needs one valid minute value (1 ≤ m ≤ 6), a day one valid hour;
  one abnormal value makes the aggregate abnormal (it takes that value's flag).
* wastewater outlets: Annex D allows the concentration mean to be flow-weighted (C = G / D, i.e.
  Σ Cᵢ·Qᵢ / Σ Qᵢ) or arithmetic. Where the outlet's flow (w00000) is known for the valid values, the mean of
  each concentration (mg/L, µg/L) is flow-weighted, since that is the concentration of the water actually
  discharged; without flow it is arithmetic. ``Aggregate.flow_weighted`` says which.
Only flag N counts as valid; the mean is over valid values only. Results go to ``Aggregate``, apart from
hourly and daily values devices send themselves (DESIGN.md, Storage), which stay as sent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import chain, repeat

from django.utils import timezone

from lanqing.hj212 import CHINA
from lanqing.hj212.codes import VALID_FLAG
from lanqing.jobs.registry import periodic
from lanqing.monitoring.models import Aggregate, Factor, Measurement, Period, Point

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
FAULT_FLAG = "D"


@dataclass(frozen=True)
class Rule:
    # Valid share of the expected sub-values an hour needs, and valid hours a day needs.
    hour_share: float
    hour_minimum: int
    day_minimum: int
    # True: any abnormal value makes the aggregate abnormal (wastewater, Annex D C.16 note).
    any_abnormal_taints: bool


GAS_RULE = Rule(hour_share=0.75, hour_minimum=1, day_minimum=20, any_abnormal_taints=False)
WATER_RULE = Rule(hour_share=0.0, hour_minimum=1, day_minimum=1, any_abnormal_taints=True)


def rule_for(site_kind: str, outlet_medium: str) -> Rule:
    if site_kind == "water" or (site_kind == "outlet" and outlet_medium == "water"):
        return WATER_RULE
    return GAS_RULE


@dataclass(frozen=True)
class Result:
    value: float | None
    flag: str
    valid: int
    total: int
    flow_weighted: bool = False


FLOW_CODE = "w00000"
# Units of the concentrations whose wastewater means are flow-weighted (not pH, conductivity, temperature).
CONCENTRATION_UNITS = frozenset({"mg/L", "µg/L", "ug/L", "ng/L"})


def aggregate(
    values: Iterable[tuple[float | None, str]],
    *,
    needed: int,
    rule: Rule,
    flows: Iterable[float | None] | None = None,
) -> Result:
    """Mean of the valid values with the flag the rule gives; ``needed`` is the minimum valid count.

    ``flows``, one per value (None where unknown or not valid), makes the mean flow-weighted.
    """
    valid: list[float] = []
    weights: list[float] = []  # the known flows of the valid values
    total = 0
    abnormal: str | None = None
    # A value without a flow of its own (no flows given, or fewer) has an unknown flow.
    for (value, flag), flow in zip(values, chain(flows or (), repeat(None)), strict=False):
        total += 1
        if flag == VALID_FLAG and value is not None:
            valid.append(value)
            if flow is not None and flow >= 0:
                weights.append(flow)
        elif abnormal is None:
            abnormal = flag if flag != VALID_FLAG else FAULT_FLAG
    mean = sum(valid) / len(valid) if valid else None
    # Weighted only when every valid value has its flow (a value without one would count for nothing) and
    # some water flowed; a minute without discharge rightly weighs nothing.
    weighted = flows is not None and bool(valid) and len(weights) == len(valid) and sum(weights) > 0
    if weighted:
        mean = sum(v * w for v, w in zip(valid, weights, strict=True)) / sum(weights)
    if len(valid) < needed:
        flag = abnormal if rule.any_abnormal_taints and abnormal else FAULT_FLAG
        return Result(mean, flag, len(valid), total, weighted)
    if rule.any_abnormal_taints and abnormal:
        return Result(mean, abnormal, len(valid), total, weighted)
    return Result(mean, VALID_FLAG, len(valid), total, weighted)


def minute_interval(times: list[datetime]) -> timedelta:
    """The sending interval of minute data, from the smallest gap seen; one minute when unknown."""
    ordered = sorted(set(times))
    gaps = [b - a for a, b in zip(ordered, ordered[1:], strict=False) if b > a]
    return min(gaps) if gaps else timedelta(minutes=1)


def hours_needed(interval: timedelta, rule: Rule) -> int:
    expected = max(1, round(HOUR / interval))
    return max(rule.hour_minimum, -int(-expected * rule.hour_share // 1))


def aggregates_compute(*, begin: datetime, end: datetime, points: Iterable[Point] | None = None) -> int:
    """(Re)computes hourly aggregates for hours in [begin, end) and daily ones for the Beijing days they
    touch. Idempotent. Returns the number of aggregates written."""
    begin = _floor_hour(begin)
    now = timezone.now()
    point_list = (
        list(points)
        if points is not None
        else list(Point.objects.select_related("site").filter(site__is_active=True))
    )
    written = 0
    weighting = _Weighting.load()
    for point in point_list:
        rule = rule_for(point.site.kind, point.site.outlet_medium)
        weighted = weighting.factors if _is_wastewater_outlet(point) else frozenset()
        written += _hourly(point, rule, begin, end, now, weighted, weighting.flow_id)
        day_begin = _beijing_day_start(begin)
        day = day_begin
        while day < end:
            written += _daily(point, rule, day, now, weighted, weighting.flow_id)
            day += DAY
    return written


@dataclass(frozen=True)
class _Weighting:
    flow_id: int | None
    factors: frozenset[int]  # concentration factors whose wastewater means are flow-weighted

    @classmethod
    def load(cls) -> _Weighting:
        flow_id = Factor.objects.filter(code=FLOW_CODE).values_list("id", flat=True).first()
        factors = Factor.objects.filter(unit__in=CONCENTRATION_UNITS).values_list("id", flat=True)
        return cls(flow_id, frozenset(factors))


def _is_wastewater_outlet(point: Point) -> bool:
    return point.site.kind == "outlet" and point.site.outlet_medium == "water"


def _valid_flows(series: Iterable[tuple[datetime, float | None, str]]) -> dict[datetime, float]:
    return {time: value for time, value, flag in series if flag == VALID_FLAG and value is not None}


def _hourly(
    point: Point,
    rule: Rule,
    begin: datetime,
    end: datetime,
    now: datetime,
    weighted: frozenset[int],
    flow_id: int | None,
) -> int:
    by_factor: dict[int, list[tuple[datetime, float | None, str]]] = defaultdict(list)
    # A day of context before `begin` lets the interval be inferred for the first hour too.
    for factor_id, time, value, flag in Measurement.objects.filter(
        point=point, period=Period.MIN, time__gte=begin - DAY, time__lt=end
    ).values_list("factor_id", "time", "value", "flag"):
        by_factor[factor_id].append((time, value, flag))
    flows = _valid_flows(by_factor.get(flow_id, [])) if weighted and flow_id is not None else {}
    rows = []
    for factor_id, series in by_factor.items():
        needed = hours_needed(minute_interval([t for t, _, _ in series]), rule)
        hours: dict[datetime, list[tuple[datetime, float | None, str]]] = defaultdict(list)
        for time, value, flag in series:
            if time >= begin:
                hours[_floor_hour(time)].append((time, value, flag))
        for hour, values in hours.items():
            result = aggregate(
                [(value, flag) for _, value, flag in values],
                needed=needed,
                rule=rule,
                flows=[flows.get(time) for time, _, _ in values] if flows and factor_id in weighted else None,
            )
            rows.append(_row(point, factor_id, Period.HOUR, hour, result, now))
    _upsert(rows)
    return len(rows)


def _daily(
    point: Point, rule: Rule, day: datetime, now: datetime, weighted: frozenset[int], flow_id: int | None
) -> int:
    # Our hourly aggregates first; an hour we could not compute (no minute data) takes the device's value.
    hours: dict[int, dict[datetime, tuple[float | None, str]]] = defaultdict(dict)
    for factor_id, time, value, flag in Measurement.objects.filter(
        point=point, period=Period.HOUR, time__gte=day, time__lt=day + DAY
    ).values_list("factor_id", "time", "value", "flag"):
        hours[factor_id][time] = (value, flag)
    for factor_id, time, value, flag in Aggregate.objects.filter(
        point=point, period=Period.HOUR, time__gte=day, time__lt=day + DAY
    ).values_list("factor_id", "time", "value", "flag"):
        hours[factor_id][time] = (value, flag)
    flow_hours = hours.get(flow_id, {}) if weighted and flow_id is not None else {}
    flows = _valid_flows((time, value, flag) for time, (value, flag) in flow_hours.items())
    rows = []
    for factor_id, values in hours.items():
        result = aggregate(
            values.values(),
            needed=rule.day_minimum,
            rule=rule,
            flows=[flows.get(time) for time in values] if flows and factor_id in weighted else None,
        )
        rows.append(_row(point, factor_id, Period.DAY, day, result, now))
    _upsert(rows)
    return len(rows)


def _row(point: Point, factor_id: int, period: str, time: datetime, result: Result, now: datetime) -> Aggregate:
    return Aggregate(
        point=point,
        factor_id=factor_id,
        period=period,
        time=time,
        value=result.value,
        flag=result.flag,
        valid_count=result.valid,
        total_count=result.total,
        flow_weighted=result.flow_weighted,
        computed_at=now,
    )


def _upsert(rows: list[Aggregate]) -> None:
    if rows:
        Aggregate.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["point", "factor", "period", "time"],
            update_fields=["value", "flag", "valid_count", "total_count", "flow_weighted", "computed_at"],
        )


def _floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _beijing_day_start(moment: datetime) -> datetime:
    # A day is the natural day in Beijing time (DESIGN.md, Storage).
    local = moment.astimezone(CHINA)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


@periodic("monitoring.aggregate_recent", every=timedelta(minutes=10))
def aggregate_recent() -> None:
    # Minute data of the last hours may still arrive late; recompute a short window often.
    now = timezone.now()
    aggregates_compute(begin=now - timedelta(hours=3), end=now)


@periodic("monitoring.aggregate_days", every=timedelta(hours=1))
def aggregate_days() -> None:
    # History a device resends after a gap (2061, up to 48 h back) changes earlier days' daily values.
    now = timezone.now()
    aggregates_compute(begin=now - timedelta(days=3), end=now)
