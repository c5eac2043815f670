"""Heavy-pollution demo (冬防): a January episode under an orange warning.

The bureau keeps an emission-reduction list for the heating season, issues an orange warning and lifts it
2½ days later, all through winter's services. The simulated enterprises respond: most cut their listed outlets
as the list requires, 示例金鼎焦化 cuts only half of what it must, and 示例隆昌焦化's outlet stops sending data. The
compliance checks then run as the worker would have run them during the episode, so the alerts and the cases
they open are the product's own; an officer's spot check finds 金鼎 in breach and opens a case too.

The outlets' and stations' hourly values of the episode and of the 17 days before it come from the demo's
generator (lanqing.demo.series), whatever the demo's own span; during the warning the listed outlets' values
are those of their response, and the county's air is heavily polluted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction

from lanqing.alerts.models import Alert, AlertRule, RuleKind, Severity
from lanqing.alerts.rules import CHECKS
from lanqing.alerts.services import alerts_apply
from lanqing.cases.models import Case, CaseState
from lanqing.cases.transitions import case_dispatch
from lanqing.demo import series
from lanqing.demo.catalogue import AIR_STATIONS
from lanqing.monitoring.models import Factor, Measurement, Period, Point, Site
from lanqing.org.models import Enterprise, Unit, UnitKind
from lanqing.winter.inspections import spot_check_record
from lanqing.winter.lists import EntryData, entry_save, reduction_list_create, season_of
from lanqing.winter.models import Level, PollutionWarning
from lanqing.winter.warnings import Document, warning_issue, warning_lift

ZONE = ZoneInfo("Asia/Shanghai")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FLOW = "a00000"
BASELINE_DAYS = 17  # the 14 baseline days and a margin
EVALUATE_EVERY = timedelta(hours=6)
COMPLIANT_MARGIN = 0.85  # a complying outlet keeps a little under its allowed share


@dataclass(frozen=True)
class Listed:
    outlet: str  # demo site code
    factor: str  # proving factor (HJ 212 code)
    allowed: int  # per cent of normal emission
    response: str  # "comply", "half" (cuts half the required share), "silent" (sends nothing)
    measure: str


LISTED = [
    Listed("DEMO-OUT-07", "a21026", 50, "comply", "1#焦炉延长结焦时间至36小时，限产50%"),
    Listed("DEMO-OUT-08", "a21026", 50, "comply", "2#焦炉延长结焦时间至36小时，限产50%"),
    Listed("DEMO-OUT-01", "a21002", 70, "comply", "1#机组降负荷运行，排放量降至七成"),
    Listed("DEMO-OUT-02", "a21002", 70, "comply", "2#机组降负荷运行，排放量降至七成"),
    Listed("DEMO-OUT-03", "a21026", 80, "comply", "保障民生供热，燃用低硫煤，排放量降至八成"),
    Listed("DEMO-OUT-15", "a21026", 70, "comply", "锅炉限负荷运行"),
    Listed("DEMO-OUT-09", "a21026", 50, "half", "焦炉延长结焦时间，限产50%"),
    Listed("DEMO-OUT-10", "a21026", 50, "silent", "焦炉延长结焦时间，限产50%"),
]
# A process checked on site, not by an outlet's data: the cement plant's raw-material yard.
YARD = ("示例古峰水泥有限公司", "原料堆场", "停止物料装卸和运输作业")
AIR_BOOST = 2.6  # PM2.5 and PM10 during the episode, against the generator's January
RULES = [("重污染天气预警期间减排不到位", RuleKind.REDUCTION_SHORT), ("重污染天气预警期间数据缺失", RuleKind.REDUCTION_GAP)]


def _episode_times(end: datetime) -> tuple[datetime, datetime]:
    """The last January whose episode (8 January 20:00 to 11 January 12:00, Beijing time) and a day after it
    lie before `end`."""
    local_end = end.astimezone(ZONE)
    year = local_end.year if local_end >= datetime(local_end.year, 1, 12, 12, tzinfo=ZONE) else local_end.year - 1
    return datetime(year, 1, 8, 20, tzinfo=ZONE), datetime(year, 1, 11, 12, tzinfo=ZONE)


def _hour(index: int) -> datetime:
    return EPOCH + timedelta(hours=int(index))


def _generated(site: Site, first: datetime, last: datetime, seed: int) -> list[series.Series]:
    start = series.hour_of(np.datetime64(first.astimezone(UTC).replace(tzinfo=None), "h"))
    n = int((last - first).total_seconds() // 3600)
    kind = "air" if any(s.code == site.code for s in AIR_STATIONS) else "outlet"
    return series.site_series(kind, site.code, seed=seed, start=start, n=n)


def _typical(generated: series.Series) -> dict[int, float]:
    """The mean valid value of each local clock hour over the generated span (for hours the device lost)."""
    by_clock: dict[int, list[float]] = {}
    for index, value, flag in zip(generated.hours.tolist(), generated.values.tolist(), generated.flags.tolist(),
                                  strict=True):
        if flag == "N":
            by_clock.setdefault(_hour(index).astimezone(ZONE).hour, []).append(value)
    return {clock: sum(v) / len(v) for clock, v in by_clock.items()}


def _outlet_rows(listed: Listed, point: Point, factors: dict[str, Factor], *, first: datetime, last: datetime,
                 start: datetime, lift: datetime, seed: int) -> list[Measurement]:
    rows = []
    for generated in _generated(point.site, first, last, seed):
        factor = factors[generated.factor]
        typical = _typical(generated)
        kept = dict(zip(generated.hours.tolist(), zip(generated.values.tolist(), generated.flags.tolist(),
                                                      strict=True), strict=True))
        hours = sorted(set(kept) | {int((start - EPOCH).total_seconds() // 3600) + h
                                    for h in range(int((lift - start).total_seconds() // 3600))})
        for index in hours:
            moment = _hour(index)
            during = start <= moment < lift
            if during and listed.response == "silent":
                continue
            value, flag = kept.get(index, (None, ""))
            if during and factor.code in (listed.factor, FLOW):
                # The response, every hour, from the outlet's usual level at that hour (its own exceedance
                # episodes and device faults are not what the demo shows here).
                value, flag = typical.get(moment.astimezone(ZONE).hour), "N"
                if value is not None and factor.code == listed.factor:
                    cut = (100 - listed.allowed) / 100
                    value *= (listed.allowed / 100 * COMPLIANT_MARGIN if listed.response == "comply"
                              else 1 - cut / 2)
            if value is None:
                continue
            rows.append(Measurement(point=point, factor=factor, period=Period.HOUR, time=moment,
                                    value=round(value, factor.decimals), flag=flag, source="device"))
    return rows


def _air_rows(point: Point, factors: dict[str, Factor], *, first: datetime, last: datetime, start: datetime,
              lift: datetime, seed: int) -> list[Measurement]:
    rows = []
    smog_from, smog_to = start - timedelta(hours=12), lift  # the air was bad before the warning was issued
    for generated in _generated(point.site, first, last, seed):
        factor = factors[generated.factor]
        for index, value, flag in zip(generated.hours.tolist(), generated.values.tolist(), generated.flags.tolist(),
                                      strict=True):
            moment = _hour(index)
            if factor.code in ("a34004", "a34002") and smog_from <= moment < smog_to:
                value *= AIR_BOOST
            rows.append(Measurement(point=point, factor=factor, period=Period.HOUR, time=moment,
                                    value=round(value, factor.decimals), flag=flag, source="device"))
    return rows


def _store(rows: list[Measurement]) -> None:
    # The demo writes its history directly (demo.load does the same); a span the demo already holds is replaced.
    Measurement.objects.bulk_create(rows, batch_size=2000, update_conflicts=True,
                                    unique_fields=["point", "factor", "period", "time"],
                                    update_fields=["value", "flag", "source"])


def _data(*, start: datetime, lift: datetime, seed: int) -> None:
    first = datetime.combine(start.astimezone(ZONE).date() - timedelta(days=BASELINE_DAYS), time(), ZONE)
    last = lift + timedelta(days=1)
    factors = {f.code: f for f in Factor.objects.all()}
    for listed in LISTED:
        point = Point.objects.select_related("site").filter(site__code=listed.outlet).first()
        if point is None:
            continue
        if listed.response == "silent":
            Measurement.objects.filter(point=point, time__gte=start, time__lt=lift).delete()
        _store(_outlet_rows(listed, point, factors, first=first, last=last, start=start, lift=lift, seed=seed))
    for point in Point.objects.select_related("site").filter(site__code__in=[s.code for s in AIR_STATIONS]):
        _store(_air_rows(point, factors, first=first, last=last, start=start, lift=lift, seed=seed))


def _reduction_list(bureau, day: date, now: datetime) -> None:
    reduction_list = reduction_list_create(by=bureau, season=season_of(day), note="演示：重污染天气应急减排清单",
                                           now=now)
    for listed in LISTED:
        site = Site.objects.select_related("enterprise").filter(code=listed.outlet).first()
        if site is None or site.enterprise is None:
            continue
        entry_save(by=bureau, reduction_list=reduction_list, data=EntryData(
            enterprise=site.enterprise, level=Level.ORANGE, grade="b", site=site, process="",
            allowed_share=Decimal(listed.allowed), factor=Factor.objects.get(code=listed.factor),
            measure=listed.measure))
    yard = Enterprise.objects.filter(name=YARD[0]).first()
    if yard is not None:
        entry_save(by=bureau, reduction_list=reduction_list, data=EntryData(
            enterprise=yard, level=Level.ORANGE, grade="c", site=None, process=YARD[1],
            allowed_share=Decimal(0), factor=None, measure=YARD[2]))


def _rules() -> list[AlertRule]:
    rules = []
    for name, kind in RULES:
        rule, _created = AlertRule.objects.update_or_create(name=name, defaults={
            "kind": kind, "severity": Severity.HIGH, "creates_case": True, "is_demo": True})
        rules.append(rule)
    return rules


def _evaluate(rules: list[AlertRule], moments: list[datetime]) -> None:
    """The compliance checks as the worker's scheduled pass ran them at each moment."""
    for moment in moments:
        for rule in rules:
            alerts_apply(rule=rule, result=CHECKS[rule.kind](rule, now=moment, points=None), now=moment)


def _spot_checks(warning: PollutionWarning, bureau) -> None:
    at = warning.starts_at + timedelta(hours=16)
    for notice in warning.notices.select_related("enterprise"):
        name = notice.enterprise.name
        if "金鼎" in name:
            spot_check_record(by=bureau, notice=notice, checked_at=at, compliant=False, now=at + timedelta(hours=1),
                              description="现场检查：焦炉仍按正常周期出焦，未延长结焦时间，与减排清单要求不符。")
        elif "鸿泰" in name:
            spot_check_record(by=bureau, notice=notice, checked_at=at - timedelta(hours=2), compliant=True,
                              now=at, description="1#、2#焦炉已延长结焦时间，台账记录完整。")


def _dispatch(bureau, drafts, *, at: datetime) -> None:
    """January lies before the county's matrix (the supervision demo sets it up for the last days): the bureau
    sent the episode's cases to its own unit by hand, the morning after the lift."""
    unit = Unit.objects.filter(kind=UnitKind.BUREAU).order_by("id").first()
    if unit is None:
        return
    for case in drafts:
        case_dispatch(case=case, by=bureau, unit=unit, now=at)


@transaction.atomic
def demo_winter_load(*, now: datetime, seed: int) -> int:
    """The January episode; returns how many measurement rows it added to the demo's (its span may lie before
    the demo's own)."""
    bureau = get_user_model().objects.filter(username="bureau").first()
    if bureau is None:
        return 0
    rows_before = Measurement.objects.count()
    start, lift = _episode_times(now)
    first_alert = (Alert.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    first_case = (Case.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    _data(start=start, lift=lift, seed=seed)
    _reduction_list(bureau, start.date(), start - timedelta(days=60))
    document = Document(number=f"临重污染应急〔{start.year}〕3号", issuer="临汾市重污染天气应急指挥部办公室",
                        text="预计我市将出现持续重污染天气过程，自即日起启动橙色（Ⅱ级）预警，各列入清单企业按橙色级别落实减排措施。")
    warning = warning_issue(by=bureau, level=Level.ORANGE, starts_at=start, ends_at=None, document=document,
                            now=start - timedelta(hours=4))
    _spot_checks(warning, bureau)
    rules = _rules()
    hours = int((lift - start) / EVALUATE_EVERY)
    _evaluate(rules, [start + EVALUATE_EVERY * step for step in range(1, hours + 1)])
    warning_lift(by=bureau, warning=warning, at=lift, now=lift, document=Document(
        number=f"临重污染应急〔{start.year}〕4号", issuer="临汾市重污染天气应急指挥部办公室"))
    _evaluate(rules, [lift + timedelta(hours=1)])  # the whole episode judged once it is over
    Alert.objects.filter(id__gte=first_alert).update(is_demo=True)
    Case.objects.filter(id__gte=first_case).update(is_demo=True)
    _dispatch(bureau, Case.objects.filter(id__gte=first_case, state=CaseState.DRAFT), at=lift + timedelta(hours=2))
    return Measurement.objects.count() - rows_before
