"""A 2020 plan on top of the shared cast: a task of 北平镇 led by 自然资源局, a county-wide one led by 住建局."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import _user

SHANGHAI = ZoneInfo("Asia/Shanghai")
MEETING_DAY = datetime(2020, 3, 2, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def year(cast):
    from lanqing.org.models import Unit
    from lanqing.yearwork.models import Milestone, Plan, Target, Task

    lead = Unit.objects.create(name="古县自然资源局", short_name="自然资源局", kind="department",
                               jurisdiction=cast.county)
    support = Unit.objects.create(name="古县水利局", kind="department", jurisdiction=cast.county)
    cast.users["other_department"] = _user("other_department", "unit", scope=lead.name)
    cast.users["supporter"] = _user("supporter", "unit", scope=support.name)
    plan = Plan.objects.create(jurisdiction=cast.county, year=2020, title="2020年生态环境保护重点工作",
                               meeting="全县2020年环境保护工作会议", meeting_date=date(2020, 3, 2),
                               document_number="古环发〔2020〕1号", created_at=MEETING_DAY)
    mine = Task.objects.create(plan=plan, number=1, title="北平镇历史遗留矿山生态修复", lead_unit=lead,
                               deadline=date(2020, 11, 30))
    mine.support_units.set([support])
    mine.townships.set([cast.beiping])
    Target.objects.create(task=mine, description="修复面积", planned=Decimal("120"), unit="亩")
    Target.objects.create(task=mine, description="验收报告")
    Milestone.objects.create(task=mine, title="完成修复方案", due_date=date(2020, 5, 31))
    Milestone.objects.create(task=mine, title="完成工程验收", due_date=date(2020, 11, 30))
    dust = Task.objects.create(plan=plan, number=2, title="全县建筑工地扬尘治理", lead_unit=cast.department,
                               deadline=date(2020, 12, 31))
    dust.townships.set([cast.yueyang, cast.beiping])
    cast.plan, cast.mine, cast.dust, cast.lead, cast.support = plan, mine, dust, lead, support
    return cast


@pytest.fixture(autouse=True)
def _english_messages():
    from django.utils import translation

    with translation.override("en"):
        yield


def id_number(body17: str) -> str:
    """A resident ID number with its GB 11643 check character."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body17 + "10X98765432"[sum(int(d) * w for d, w in zip(body17, weights, strict=True)) % 11]


# Fictional households (demo-style test data, no real person).
WANG = id_number("14102519650312001")
LI = id_number("14102519720701002")
ZHAO = id_number("14102519801105003")


@pytest.fixture
def ledger(year):
    from lanqing.org.models import Jurisdiction
    from lanqing.yearwork.models import Household, VillageHeating

    yueyang_village = Jurisdiction.objects.get(code="141025100005")
    beiping_village = Jurisdiction.objects.filter(parent=year.beiping, level="village").order_by("code").first()
    VillageHeating.objects.create(village=yueyang_village, year=2020, households_target=4, coal_free_zone=True)
    VillageHeating.objects.create(village=beiping_village, year=2020, households_target=2)
    Household.objects.create(township=year.yueyang, village=yueyang_village, head_name="王大山", id_number=WANG,
                             heating_after="gas", converted_on=date(2020, 10, 20), subsidy_granted=Decimal("3000"),
                             subsidy_paid=Decimal("1500.50"))
    Household.objects.create(township=year.yueyang, village=yueyang_village, head_name="李小梅", id_number=LI)
    Household.objects.create(township=year.beiping, village=beiping_village, head_name="赵铁柱", id_number=ZHAO,
                             heating_after="electric", converted_on=date(2020, 11, 2))
    year.yueyang_village, year.beiping_village = yueyang_village, beiping_village
    return year
