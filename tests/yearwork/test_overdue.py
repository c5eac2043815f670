"""An overdue milestone opens one case routed to the task's lead unit; the case clock urges and escalates."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.yearwork.conftest import SHANGHAI

# Monday 2020-06-01: the first milestone (due 2020-05-31) is one day late.
JUNE_1 = datetime(2020, 6, 1, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def rules(year):
    from lanqing.cases.models import DeadlineRule

    DeadlineRule.objects.create(category="overdue_task", working_days=5, remind_before_days=1,
                                unit_leader_after_days=2, leadership_after_days=5, basis="县督办办法 第5条")
    return year


def test_an_overdue_milestone_opens_a_case_for_the_lead_unit(rules):
    from lanqing.cases.models import Case
    from lanqing.notifications.models import Notification
    from lanqing.yearwork.models import Milestone, Task
    from lanqing.yearwork.overdue import milestones_overdue_check

    assert milestones_overdue_check(now=JUNE_1) == 1
    case = Case.objects.get()
    assert (case.category, case.source, case.state) == ("overdue_task", "overdue_task", "dispatched")
    assert case.lead_unit == rules.lead
    assert list(case.support_units.all()) == [rules.support]
    assert case.township == rules.beiping
    assert "完成修复方案" in case.display_title
    assert "北平镇历史遗留矿山生态修复" in case.display_title
    assert Milestone.objects.get(title="完成修复方案").case == case
    assert Task.objects.get(id=rules.mine.id).status == "overdue"
    # The lead unit's staff and the township are told, in the case's own words.
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert {"other_department", "township_b"} <= told
    # A second pass opens nothing more.
    assert milestones_overdue_check(now=JUNE_1) == 0
    assert Case.objects.count() == 1


def test_the_case_urges_and_escalates_like_any_case(rules):
    from datetime import timedelta

    from lanqing.cases.clock import cases_deadlines_check
    from lanqing.cases.models import AccountabilityRecord, Case
    from lanqing.yearwork.overdue import milestones_overdue_check

    milestones_overdue_check(now=JUNE_1)
    case = Case.objects.get()
    counts = cases_deadlines_check(now=case.deadline_at + timedelta(days=10))
    assert counts.get("escalated_1") == 1
    assert counts.get("escalated_3") == 1
    record = AccountabilityRecord.objects.get(case=case)
    assert record.unit == rules.lead


def test_a_reached_milestone_opens_no_case(rules):
    from lanqing.cases.models import Case
    from lanqing.yearwork.models import Milestone
    from lanqing.yearwork.overdue import milestones_overdue_check

    Milestone.objects.filter(title="完成修复方案").update(done_at=JUNE_1)
    assert milestones_overdue_check(now=JUNE_1) == 0
    assert not Case.objects.exists()
