"""The year's work in the demo: key tasks written from the work items of the county's 2020 environmental work
meeting (the seed), assigned to the county's departments and townships; the same items carried into the
current year with progress, one milestone overdue (it opens a case); a target responsibility letter per
township; a clean-heating ledger of fictional households (plainly marked 演示); scorecards then follow from
these and the demo's cases, with 古阳镇 behind.

Meeting date and document numbers are not public [U]: they are marked 演示 (demo) and must not be read as real.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction

from lanqing.cases.models import Category, DeadlineRule
from lanqing.cases.workdays import local_date
from lanqing.monitoring.models import Site, SiteKind
from lanqing.org.models import Jurisdiction, Level, Unit
from lanqing.yearwork.completion import task_progress_compute
from lanqing.yearwork.heating import ID_CHECK, ID_WEIGHTS, heating_tally_refresh
from lanqing.yearwork.measured import letter_targets_compute
from lanqing.yearwork.models import (
    Household,
    Letter,
    LetterTarget,
    Measure,
    Milestone,
    Plan,
    ProgressReport,
    Target,
    Task,
    VillageHeating,
)
from lanqing.yearwork.overdue import milestones_overdue_check

# (task, lead unit short name, supporting, townships, deadline (month, day), targets, milestones ((m, d), text))
# The work items are those the 2020 meeting named (issue 17's seed); the figures are the demo's own.
WORK_ITEMS: list[tuple[str, str, list[str], list[str], tuple[int, int], list[tuple[str, Decimal | None, str]],
                       list[tuple[tuple[int, int], str]]]] = [
    ("工业污染深度治理：焦化、电力企业超低排放改造", "工信局", ["生态环境分局"], ["岳阳镇", "北平镇"], (10, 31),
     [("完成超低排放改造企业", Decimal(3), "家")], [((5, 31), "制定改造方案"), ((10, 31), "完成改造并验收")]),
    ("散煤治理和清洁取暖改造", "住建局", ["发改局", "财政局"], ["岳阳镇", "北平镇", "古阳镇"], (10, 31),
     [("完成清洁取暖改造", Decimal(60), "户")], [((6, 30), "完成入户摸底"), ((10, 31), "完成改造")]),
    ("洪安涧河水污染防治", "水利局", ["生态环境分局", "农业农村局"], ["岳阳镇", "旧县镇"], (12, 31),
     [("洪安涧河出境断面达到Ⅲ类", None, "")], [((6, 30), "完成入河排污口排查"), ((12, 31), "完成整治")]),
    ("天然气替代", "发改局", ["住建局"], ["岳阳镇"], (11, 30),
     [("新增天然气用户", Decimal(500), "户")], [((9, 30), "完成管网铺设")]),
    ("历史遗留矿山生态修复", "自然资源局", ["生态环境分局"], ["古阳镇", "三合镇"], (11, 30),
     [("修复面积", Decimal(300), "亩"), ("修复工程验收报告", None, "")], [((5, 31), "完成修复方案"),
                                                                 ((11, 30), "完成工程验收")]),
    ("农村人居环境整治：垃圾和污水", "农业农村局", ["住建局"], ["北平镇", "古阳镇", "南垣乡"], (12, 31),
     [("生活垃圾收运处置体系覆盖行政村", Decimal(40), "个")], [((8, 31), "建成收运体系")]),
    ("县城生活垃圾和污水处理", "住建局", [], ["岳阳镇"], (12, 31),
     [("县城污水处理率", Decimal(95), "%")], [((7, 31), "完成管网改造")]),
    ("加大生态环保财政投入", "财政局", ["发改局"], [], (12, 31),
     [("落实生态环保资金", None, "")], [((4, 30), "下达年度资金计划")]),
    ("环境信息化建设", "生态环境分局", [], [], (12, 31),
     [("建成县级生态环境监管平台", None, "")], [((6, 30), "完成平台部署")]),
]
# Share of each task's work the demo marks done in the current year, by township's diligence: 古阳镇 lags.
BEHIND = "古阳镇"


def _units() -> dict[str, Unit]:
    return {unit.short_name: unit for unit in Unit.objects.filter(is_demo=True)}


def _townships(county: Jurisdiction) -> dict[str, Jurisdiction]:
    return {j.name: j for j in Jurisdiction.objects.filter(level=Level.TOWNSHIP, code__startswith=county.prefix)}


def _plan(county: Jurisdiction, year: int, *, title: str, meeting: str, number: str, now: datetime) -> Plan:
    return Plan.objects.create(jurisdiction=county, year=year, title=title, meeting=meeting,
                               meeting_date=date(year, 3, 2), document_number=number, created_at=now, is_demo=True)


def _tasks(plan: Plan, *, units: dict[str, Unit], townships: dict[str, Jurisdiction], rng: random.Random,
           done_before: date, lag: bool, now: datetime) -> list[Task]:
    """The work items as tasks; `lag`: the tasks naming BEHIND fall behind (the current year only)."""
    tasks = []
    for number, (title, lead, support, places, (month, day), targets, milestones) in enumerate(WORK_ITEMS, 1):
        task = Task.objects.create(plan=plan, number=number, title=title, lead_unit=units[lead],
                                   deadline=date(plan.year, month, day), is_demo=True)
        task.support_units.set([units[name] for name in support])
        task.townships.set([townships[name] for name in places if name in townships])
        lagging = lag and BEHIND in places
        finished = done_before > task.deadline
        for description, planned, unit in targets:
            share = Decimal("0.3") if lagging else (Decimal(1) if finished else Decimal(rng.choice(["0.5", "0.7"])))
            Target.objects.create(task=task, description=description, planned=planned, unit=unit,
                                  achieved=(planned * share).quantize(Decimal(1)) if planned is not None else None,
                                  delivered=planned is None and finished and not lagging)
        for (m, d), text in milestones:
            due = date(plan.year, m, d)
            # Milestones due before `done_before` were reached, except a lagging township's: those stay open.
            reached = due < done_before and not (lagging and due >= date(plan.year, 5, 1))
            done_at = datetime.combine(due - timedelta(days=rng.randint(0, 5)), datetime.min.time(),
                                       tzinfo=now.tzinfo) if reached else None
            milestone = Milestone.objects.create(task=task, title=text, due_date=due, done_at=done_at)
            if reached and done_at is not None:
                ProgressReport.objects.create(task=task, text=f"{text}（演示）", milestone=milestone,
                                              unit=units[lead], reported_at=done_at)
        task_progress_compute(task=task, now=now, today=local_date(now))
        tasks.append(task)
    return tasks


def _id_number(serial: int) -> str:
    body = f"141025{1950 + serial % 50}{serial % 12 + 1:02d}{serial % 28 + 1:02d}{serial % 1000:03d}"
    return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def _ledger(county: Jurisdiction, today: date, rng: random.Random) -> int:
    """Fictional households of nine villages, converted between New Year and yesterday."""
    year, elapsed = today.year, max((today - date(today.year, 1, 1)).days, 1)
    villages = list(Jurisdiction.objects.filter(level=Level.VILLAGE, code__startswith=county.prefix)
                    .select_related("parent").order_by("code"))
    chosen = [v for v in villages if v.parent and v.parent.name in ("岳阳镇", "北平镇", BEHIND)][::6][:9]
    households, serial = [], 0
    for village in chosen:
        target = 8
        VillageHeating.objects.create(village=village, year=year, households_target=target,
                                      coal_free_zone=village.parent is not None and village.parent.name == "岳阳镇")
        converted = 2 if village.parent is not None and village.parent.name == BEHIND else rng.randint(5, 8)
        for index in range(target):
            serial += 1
            done = index < converted
            households.append(Household(
                township=village.parent, village=village, head_name=f"演示户主{serial:03d}",
                id_number=_id_number(serial), address=f"{village.name}（演示地址）",
                heating_after=rng.choice(["gas", "electric"]) if done else "",
                converted_on=date(year, 1, 1) + timedelta(days=rng.randrange(elapsed)) if done else None,
                subsidy_granted=Decimal(3000) if done else Decimal(0),
                subsidy_paid=Decimal(rng.choice([1500, 3000])) if done else Decimal(0), is_demo=True))
    Household.objects.bulk_create(households)
    heating_tally_refresh(village_ids={h.village_id for h in households})
    return len(households)


def _letters(county: Jurisdiction, year: int, townships: dict[str, Jurisdiction], now: datetime) -> int:
    air = Site.objects.filter(kind=SiteKind.AIR, is_demo=True).order_by("code").first()
    for name in ("岳阳镇", "北平镇", BEHIND, "旧县镇", "三合镇", "南垣乡"):
        township = townships.get(name)
        if township is None:
            continue
        letter = Letter.objects.create(jurisdiction=county, year=year, township=township,
                                       signed_on=date(year, 3, 2), created_at=now, is_demo=True)
        LetterTarget.objects.create(letter=letter, measure=Measure.CASES_ON_TIME, description="督办案件按期办结率",
                                    target_value=Decimal(90))
        LetterTarget.objects.create(letter=letter, measure=Measure.HOUSEHOLDS_CONVERTED,
                                    description="清洁取暖改造户数", target_value=Decimal(12))
        if air is not None:
            LetterTarget.objects.create(letter=letter, measure=Measure.PM25_ANNUAL_MEAN, description="PM2.5年均浓度",
                                        target_value=Decimal(45), at_most=True, site=air)
        letter_targets_compute(letter=letter, now=now)
    return Letter.objects.filter(year=year, is_demo=True).count()


@transaction.atomic
def demo_yearwork_load(*, now: datetime, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    county = Jurisdiction.objects.get(code="141025000000")
    units, townships = _units(), _townships(county)
    DeadlineRule.objects.get_or_create(category=Category.OVERDUE_TASK, severity="", defaults={
        "working_days": 10, "basis": "重点任务节点逾期督办（演示）"})
    seed_plan = _plan(county, 2020, title="2020年生态环境保护重点工作", meeting="全县2020年生态环境保护工作会议",
                      number="古环委发〔2020〕1号（演示）", now=now)
    _tasks(seed_plan, units=units, townships=townships, rng=rng, done_before=date(2021, 1, 1), lag=False, now=now)
    year = local_date(now).year
    current = _plan(county, year, title=f"{year}年生态环境保护重点工作（演示）",
                    meeting=f"全县{year}年生态环境保护工作会议（演示）", number=f"古环委发〔{year}〕1号（演示）", now=now)
    tasks = _tasks(current, units=units, townships=townships, rng=rng, done_before=local_date(now), lag=True,
                   now=now)
    households = _ledger(county, local_date(now), rng)
    letters = _letters(county, year, townships, now)
    cases = milestones_overdue_check(now=now)
    return {"tasks": len(tasks) * 2, "households": households, "letters": letters, "milestone_cases": cases}
