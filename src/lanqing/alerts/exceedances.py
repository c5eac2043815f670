"""Each stored hourly (flue gas) and daily (wastewater) value judged once against its outlet's limit.

The writers queue every (point, period, time) they store as a ``NewValue``; :func:`values_judge` takes them,
judges every limited factor of that hour or day with its own data time (the flue gas converted to the
reference oxygen with the O2 of the same hour), and records a value above the limit as an ``Exceedance``,
once. A value under an enterprise's valid data mark (monitoring.marks) is judged within, like one the device
flagged invalid; a mark made, reverted or revoked queues its values to be judged again. A value stored again is
judged again: the same value finds its record and adds nothing, a corrected one within the limit removes the
record. The exceedance rule raises alerts from these records, and reports count exceedance hours from them, so
both rest on the same judgement.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction

from lanqing.alerts.models import Exceedance
from lanqing.alerts.rules import JUDGED_PERIOD, LIMIT_NAMES, O2_CODE, VALID_FLAG, outlet_limit_sets
from lanqing.monitoring.marks import marked_keys
from lanqing.monitoring.models import Factor, Measurement, NewValue, Point
from lanqing.standards import emission

# New values taken per transaction (also below SQLite's oldest limit of 999 variables per statement).
BATCH = 500


@dataclass
class Judged:
    points: set[int] = field(default_factory=set)  # the points of every value taken, judged or not
    recorded: int = 0  # exceedances recorded for the first time


def values_judge(*, now: datetime) -> Judged:
    """Judges the values stored since the last call whose data time is not after ``now``, recording new
    exceedances with ``judged_at=now``. Safe beside another worker doing the same: the record is unique per
    value, and only the worker that creates it counts it as new."""
    judged = Judged()
    after = 0
    while True:
        taken = list(NewValue.objects.filter(id__gt=after, time__lte=now).order_by("id")
                     .values_list("id", "point_id", "period", "time")[:BATCH])
        if not taken:
            return judged
        after = taken[-1][0]
        keys = {(point_id, period, time) for _id, point_id, period, time in taken}
        with transaction.atomic():
            judged.recorded += _judge(keys, now)
            NewValue.objects.filter(id__in=[row[0] for row in taken]).delete()
        judged.points |= {point_id for point_id, _period, _time in keys}


def _judge(keys: set[tuple[int, str, datetime]], now: datetime) -> int:
    outlets = outlet_limit_sets()
    outlet_of = {point_id: outlets[site_id] for point_id, site_id in Point.objects.filter(
        id__in={k[0] for k in keys}, site_id__in=list(outlets)).values_list("id", "site_id")}
    keys = {k for k in keys if k[0] in outlet_of and JUDGED_PERIOD[outlet_of[k[0]][0].outlet_medium] == k[1]}
    if not keys:
        return 0
    codes = dict(Factor.objects.values_list("id", "code"))
    marked = marked_keys(keys)
    stored: dict[tuple, dict[int, tuple[float | None, str]]] = defaultdict(dict)
    for point_id, factor_id, period, time, value, flag in Measurement.objects.filter(
            point_id__in={k[0] for k in keys}, period__in={k[1] for k in keys},
            time__in={k[2] for k in keys}).values_list("point_id", "factor_id", "period", "time", "value", "flag"):
        if (point_id, period, time) in keys:
            stored[(point_id, period, time)][factor_id] = (value, flag)
    above: dict[tuple, tuple[float, float | None]] = {}
    within: set[tuple] = set()
    for (point_id, period, time), values in stored.items():
        site, limit_set = outlet_of[point_id]
        o2 = next((v for f, (v, flag) in values.items() if codes[f] == O2_CODE and flag == VALID_FLAG), None)
        for factor_id, (value, flag) in values.items():
            name = LIMIT_NAMES.get(codes[factor_id])
            if name not in limit_set.limits:
                continue
            key = (point_id, factor_id, period, time)
            if flag != VALID_FLAG or value is None or (point_id, period, time) in marked:
                # Invalid data is no basis for an exceedance: flagged so by the device (HJ 212 flags) or marked
                # so by the enterprise (monitoring.marks), while the mark is valid.
                within.add(key)
                continue
            if site.outlet_medium == "gas" and limit_set.reference_o2 is not None and o2 is None:
                continue  # without a valid O2 of the same hour the converted value cannot be computed
            verdict = emission.check([value], name, limit_set, o2=None if o2 is None else [o2])
            if bool(verdict.exceeds[0]):
                above[key] = (float(verdict.value[0]), verdict.limit if isinstance(verdict.limit, float) else None)
            else:
                within.add(key)
    return _record(above, within, now)


def _record(above: dict[tuple, tuple[float, float | None]], within: set[tuple], now: datetime) -> int:
    touched = above.keys() | within
    if not touched:
        return 0
    existing = {(r.point_id, r.factor_id, r.period, r.time): r for r in Exceedance.objects.filter(
        point_id__in={k[0] for k in touched}, time__in={k[3] for k in touched})}
    gone = [existing[key].id for key in within if key in existing]
    if gone:
        Exceedance.objects.filter(id__in=gone).delete()
    new = 0
    for key, (value, limit) in above.items():
        record = existing.get(key)
        if record is not None:
            if (record.value, record.limit) != (value, limit):
                Exceedance.objects.filter(id=record.id).update(value=value, limit=limit)
            continue
        point_id, factor_id, period, time = key
        try:
            with transaction.atomic():
                Exceedance.objects.create(point_id=point_id, factor_id=factor_id, period=period, time=time,
                                          value=value, limit=limit, judged_at=now)
        except IntegrityError:
            continue  # another worker judged the same value a moment ago and recorded it
        new += 1
    return new


def exceedances_count(*, point_ids: set[int], begin: datetime, end: datetime) -> dict[tuple[int, int], int]:
    """Exceedance hours (flue gas) or days (wastewater) per (point, factor) with data time in [begin, end)."""
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for point_id, factor_id in Exceedance.objects.filter(point_id__in=point_ids, time__gte=begin,
                                                         time__lt=end).values_list("point_id", "factor_id"):
        counts[(point_id, factor_id)] += 1
    return dict(counts)
