"""The year's work of an area in figures, each checked against a count of the stored rows made here in the test."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.yearwork.conftest import SHANGHAI

NOW = datetime(2020, 12, 1, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def worked(ledger):
    from lanqing.yearwork.models import Letter, LetterTarget, Plan, Task

    Task.objects.filter(id=ledger.mine.id).update(status="overdue", completion=Decimal("0.2500"), computed_at=NOW)
    Task.objects.filter(id=ledger.dust.id).update(status="done", completion=Decimal("1"), computed_at=NOW)
    # A task of another year counts in neither figure of 2020.
    later = Plan.objects.create(jurisdiction=ledger.county, year=2021, title="2021年重点工作", created_at=NOW)
    Task.objects.create(plan=later, number=1, title="2021年任务", lead_unit=ledger.lead, deadline=date(2021, 6, 30),
                        status="overdue")
    # 岳阳镇: one target met, one not; 自然资源局: both met; 北平镇: a target without a figure yet.
    yueyang = Letter.objects.create(jurisdiction=ledger.county, year=2020, township=ledger.yueyang, created_at=NOW)
    LetterTarget.objects.create(letter=yueyang, measure="other", description="PM2.5", target_value=45, at_most=True,
                                measured=40)
    LetterTarget.objects.create(letter=yueyang, measure="other", description="优良天数", target_value=80, measured=70)
    unit = Letter.objects.create(jurisdiction=ledger.county, year=2020, unit=ledger.lead, created_at=NOW)
    LetterTarget.objects.create(letter=unit, measure="other", description="修复面积", target_value=100, measured=120)
    LetterTarget.objects.create(letter=unit, measure="other", description="验收", target_value=1, measured=1)
    beiping = Letter.objects.create(jurisdiction=ledger.county, year=2020, township=ledger.beiping, created_at=NOW)
    LetterTarget.objects.create(letter=beiping, measure="other", description="散煤清零", target_value=1)
    return ledger


def _tasks_of_2020(area):
    from lanqing.yearwork.models import Task

    return [task for task in Task.objects.select_related("plan__jurisdiction").prefetch_related("townships")
            if task.plan.year == 2020 and (task.plan.jurisdiction.code.startswith(area.prefix)
                                           or any(t.code.startswith(area.prefix) for t in task.townships.all()))]


def test_key_task_figures_are_the_stored_tasks_of_the_year(worked):
    from lanqing.yearwork.summary import task_summary

    tasks = _tasks_of_2020(worked.county)
    summary = task_summary(area=worked.county, year=2020)
    assert summary.count == len(tasks) == 2
    assert summary.completed == sum(1 for t in tasks if t.status == "done")
    assert summary.behind == sum(1 for t in tasks if t.status == "overdue")
    assert summary.mean_completion == sum((t.completion for t in tasks), Decimal(0)) / len(tasks)
    assert [(t.title, t.lead_unit.name) for t in summary.behind_tasks] == [
        (t.title, t.lead_unit.name) for t in tasks if t.status == "overdue"]
    assert summary.computed_at == NOW


def test_a_township_area_counts_only_the_tasks_naming_it(worked):
    from lanqing.yearwork.summary import task_summary

    summary = task_summary(area=worked.yueyang, year=2020)
    assert summary.count == len(_tasks_of_2020(worked.yueyang)) == 1
    assert summary.behind_tasks == []


def test_a_letter_is_met_only_when_every_target_has_a_figure_and_meets_it(worked):
    from lanqing.yearwork.models import LetterTarget
    from lanqing.yearwork.summary import letter_summary

    verdicts: dict[str, list[bool | None]] = {}
    for target in LetterTarget.objects.select_related("letter__township", "letter__unit"):
        met = None if target.measured is None else (
            target.measured <= target.target_value if target.at_most else target.measured >= target.target_value)
        verdicts.setdefault(target.letter.party_name, []).append(met)
    summary = letter_summary(area=worked.county, year=2020)
    by_party = {line.letter.party_name: line.verdict for line in summary.lines}
    assert by_party == {party: (False if False in found else (None if None in found else True))
                        for party, found in verdicts.items()}
    assert (summary.met, summary.not_met, summary.undecided) == (1, 1, 1)
    assert summary.targets_met == sum(found.count(True) for found in verdicts.values())
    assert summary.targets_not_met == sum(found.count(False) for found in verdicts.values())


def test_heating_counts_conversions_up_to_the_day_against_the_year_target(worked):
    from lanqing.yearwork.models import Household, VillageHeating
    from lanqing.yearwork.summary import heating_summary

    until = date(2020, 10, 31)
    targets: dict[int, int] = {}
    for row in VillageHeating.objects.select_related("village").filter(year=2020):
        targets[row.village.parent_id] = targets.get(row.village.parent_id, 0) + row.households_target
    converted: dict[int, int] = {}
    for household in Household.objects.select_related("village"):
        if household.converted_on and date(2020, 1, 1) <= household.converted_on <= until:
            converted[household.village.parent_id] = converted.get(household.village.parent_id, 0) + 1
    summary = heating_summary(area=worked.county, year=2020, until=until)
    assert {line.township.id: (line.target, line.converted) for line in summary.lines} == {
        township: (targets.get(township, 0), converted.get(township, 0)) for township in set(targets) | set(converted)}
    assert (summary.converted, summary.target) == (sum(converted.values()), sum(targets.values()))
    assert summary.share == (Decimal(sum(converted.values())) / sum(targets.values())).quantize(Decimal("0.0001"))
    # November's conversion in 北平镇 counts once the day is past it.
    assert heating_summary(area=worked.county, year=2020, until=date(2020, 12, 31)).converted == 2


def test_the_area_ranking_compares_the_parties_its_bureau_sees(worked, client_for):
    from lanqing.yearwork.scorecard import Period
    from lanqing.yearwork.summary import area_ranking

    cards = area_ranking(area=worked.county, period=Period(2020), now=NOW)
    page = client_for(worked.users["bureau"]).get("/yearwork/scorecards/", {"year": 2020, "export": "xlsx"})
    assert page.status_code == 200
    exported = [row for row in load_workbook(BytesIO(page.content)).active.iter_rows(values_only=True)][1:]
    assert sorted(card.party.name for card in cards) == sorted(row[1] for row in exported)
