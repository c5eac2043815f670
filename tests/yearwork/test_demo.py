"""The demo's year of work: the 2020 meeting's work items as tasks of the county's departments and townships,
letters for each township, a fictional ledger, and scorecards with a township behind."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

END = datetime(2026, 6, 10, 0, tzinfo=UTC)


@pytest.fixture
def demo(db):
    from lanqing.demo import demo_load

    return demo_load(days=2, end=END)


def test_the_demo_carries_the_2020_plan_and_the_current_year(demo):
    from lanqing.cases.models import Case
    from lanqing.yearwork.models import Household, Letter, Plan, Task

    seed = Plan.objects.get(year=2020)
    assert seed.meeting == "全县2020年生态环境保护工作会议"
    assert "演示" in seed.document_number
    assert Task.objects.filter(plan=seed, lead_unit__name="古县自然资源局", title__contains="矿山").exists()
    assert Task.objects.filter(plan=seed, status="done").count() == Task.objects.filter(plan=seed).count()
    assert Letter.objects.filter(year=2026).count() == 6
    assert Household.objects.exists()
    assert not Household.objects.exclude(head_name__startswith="演示户主").exists()
    # 古阳镇's mine milestone of May was not reached: an overdue-task case for 自然资源局.
    assert Case.objects.filter(category="overdue_task", lead_unit__name="古县自然资源局").exists()


def test_the_demo_scorecards_put_a_township_behind(demo):
    from lanqing.org.models import Jurisdiction
    from lanqing.yearwork.scorecard import Period, scorecards

    townships = list(Jurisdiction.objects.filter(name__in=["岳阳镇", "北平镇", "古阳镇"]))
    cards = {card.party.name: card for card in scorecards(townships=townships, units=[], period=Period(2026),
                                                            now=END)}
    share = {name: {line.indicator: line.share for line in card.lines} for name, card in cards.items()}
    # 古阳镇 lags on its key tasks and its households; 岳阳镇 loses points to the demo's overdue cases instead.
    for indicator in ("task_completion", "heating_progress"):
        assert share["古阳镇"][indicator] < min(share["岳阳镇"][indicator], share["北平镇"][indicator])
    assert cards["古阳镇"].score < cards["北平镇"].score
    assert cards["岳阳镇"].overdue_days > 0
