"""Supervision demo: rules, responsibility matrix and deadlines as a county bureau would set them, then alerts
from the simulated data turning into cases, and a few older inspection cases that are overdue and escalated."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction

from lanqing import texts
from lanqing.alerts.models import Alert, AlertRule, RuleKind, Severity
from lanqing.alerts.services import EvaluationCount, alerts_evaluate
from lanqing.cases.clock import cases_deadlines_check
from lanqing.cases.models import Case, Category, DeadlineRule, ResponsibilityRule
from lanqing.cases.transitions import CaseError, case_accept, case_open, case_start
from lanqing.monitoring.measurements import new_values_from_history
from lanqing.org.models import Enterprise, Industry, Membership, Role, Unit, UnitKind

# (category, industry code or "", site kind or "", lead unit key, supporting unit keys); keys match a unit's
# name. Rows left out on purpose ("other") show the dispatch queue.
MATRIX: list[tuple[str, str, str, str, list[str]]] = [
    (Category.EXCEEDANCE, "", "", "生态环境", ["工业和信息化"]),
    (Category.OFFLINE, "", "", "生态环境", []),
    (Category.DATA_ANOMALY, "", "", "生态环境", []),
    (Category.AIR_QUALITY, "", "", "住房和城乡建设", ["交通运输", "生态环境"]),
    (Category.WATER_QUALITY, "", "", "水利", ["农业农村", "生态环境"]),
    (Category.INSPECTION, "", "", "生态环境", []),
    (Category.INSPECTION, "0610", "", "自然资源", ["生态环境"]),
    (Category.COMPLAINT, "", "", "住房和城乡建设", []),
]
DEADLINES: list[tuple[str, str, int, str]] = [
    ("", "", 10, "县生态环境保护督办工作办法（演示）"),
    (Category.EXCEEDANCE, Severity.HIGH, 5, "超标排放限期整改（演示）"),
    (Category.EXCEEDANCE, Severity.CRITICAL, 3, "严重超标立即整改（演示）"),
    (Category.OFFLINE, "", 5, "自动监控设施故障5个工作日内修复"),
    (Category.COMPLAINT, "", 42, "信访工作条例第34条：60日内办结"),
]
RULES = [
    ("小时均值超标", RuleKind.EXCEEDANCE, Severity.HIGH, {}, True),
    ("数采仪离线", RuleKind.DEVICE_OFFLINE, Severity.MEDIUM, {"minutes": 60}, True),
    ("因子缺数", RuleKind.FACTOR_GAP, Severity.LOW, {}, False),
    ("恒值", RuleKind.CONSTANT, Severity.LOW, {"hours": 6}, False),
    ("零值或负值", RuleKind.NON_POSITIVE, Severity.LOW, {}, False),
    ("突变", RuleKind.JUMP, Severity.LOW, {}, False),
    ("故障/校准/超量程标记持续", RuleKind.FLAG, Severity.MEDIUM, {"hours": 4}, False),
    ("空气质量重度污染", RuleKind.AQI, Severity.HIGH, {"level": 200}, False),
    ("断面水质未达目标", RuleKind.WATER_CLASS, Severity.MEDIUM, {}, True),
]
AGES_DAYS = [35, 20, 12, 3]
REPLAY_HOURS = 5 * 24
REPLAY_STEP_HOURS = 6
# Inspection findings are written as a system text would be, so that the demo reads in either language.
INSPECTIONS = [
    texts.gettext_noop("%(enterprise)s: open-air stockpile not covered"),
    texts.gettext_noop("%(enterprise)s: no attendance record at the online monitoring station"),
    texts.gettext_noop("%(enterprise)s: rainwater and sewage not fully separated"),
    texts.gettext_noop("%(enterprise)s: hazardous waste store without signs"),
]


def _unit(key: str) -> Unit | None:
    if key == "生态环境":
        return Unit.objects.filter(kind=UnitKind.BUREAU).order_by("id").first()
    return Unit.objects.filter(name__contains=key).order_by("id").first()


@transaction.atomic
def demo_supervision_load(*, seed: int, now: datetime) -> dict:
    rng = random.Random(seed)
    for category, industry_code, site_kind, lead_key, support_keys in MATRIX:
        lead = _unit(lead_key)
        industry = Industry.objects.filter(code=industry_code).first() if industry_code else None
        if lead is None or (industry_code and industry is None):
            continue
        row, _created = ResponsibilityRule.objects.update_or_create(
            category=category, industry=industry, site_kind=site_kind, defaults={"lead_unit": lead})
        row.support_units.set([u for u in (_unit(k) for k in support_keys) if u is not None and u != lead])
    for category, severity, days, basis in DEADLINES:
        DeadlineRule.objects.update_or_create(category=category, severity=severity,
                                              defaults={"working_days": days, "basis": basis})
    for name, kind, severity, params, creates_case in RULES:
        AlertRule.objects.update_or_create(name=name, defaults={
            "kind": kind, "severity": severity, "params": params, "creates_case": creates_case, "is_demo": True})

    # Replay the last days as the worker would have seen it, every few hours, so that alerts open and clear
    # with the data and the ones that make cases have cases of different ages.
    evaluation = EvaluationCount()
    first_new_case = (Case.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    first_new_alert = (Alert.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    moment = now - timedelta(hours=REPLAY_HOURS)
    # The history was loaded without the receiver: its values wait for judgement as if just received, and
    # each pass below judges those of the hours before it.
    new_values_from_history(since=moment, until=now)
    while moment <= now:
        step = alerts_evaluate(now=moment)
        evaluation.opened += step.opened
        evaluation.cases += step.cases
        moment += timedelta(hours=REPLAY_STEP_HOURS)
    # Alerts and the cases the rules opened are demo objects too, like everything else this loader makes.
    Alert.objects.filter(id__gte=first_new_alert).update(is_demo=True)
    Case.objects.filter(id__gte=first_new_case).update(is_demo=True)

    # Older inspection findings, some handled and some left to run over their deadline.
    opened = 0
    enterprises = list(Enterprise.objects.filter(status="active").order_by("id"))
    handlers = {m.unit_id: m.user for m in Membership.objects.filter(role=Role.UNIT).select_related("user")}
    for index in range(min(len(enterprises), 6)):
        enterprise = rng.choice(enterprises)
        # Ages from oldest to newest, so that even a small demo has cases past their deadline.
        started = now - timedelta(days=AGES_DAYS[index % len(AGES_DAYS)])
        try:
            case = case_open(title=texts.message(rng.choice(INSPECTIONS), enterprise=enterprise.name),
                             category=Category.INSPECTION,
                             source="inspection", severity=rng.choice([Severity.MEDIUM, Severity.HIGH]),
                             enterprise=enterprise, now=started, is_demo=True)
        except CaseError:
            continue
        opened += 1
        handler = handlers.get(case.lead_unit_id) if case.lead_unit_id else None
        if handler is not None and index % 2 == 0:
            case_accept(case=case, by=handler, now=started + timedelta(hours=3))
            case_start(case=case, by=handler, now=started + timedelta(days=1))
    if enterprises:
        # No matrix row covers "other": this one waits in the bureau's dispatch queue.
        case_open(title="河道边倾倒建筑垃圾", category=Category.OTHER, source="manual",
                  jurisdiction=enterprises[0].township, now=now - timedelta(hours=5), is_demo=True)
    clock = cases_deadlines_check(now=now)
    return {
        "matrix_rows": ResponsibilityRule.objects.count(), "alert_rules": AlertRule.objects.count(),
        "alerts_opened": evaluation.opened, "cases_from_alerts": evaluation.cases, "inspection_cases": opened,
        "escalations": {k: v for k, v in clock.items() if k.startswith("escalated")},
        "cases": Case.objects.count(), "overdue": Case.objects.filter(escalation_level__gte=1).count(),
    }
