"""Deadlines in working days (China's arrangement plus the bureau's corrections), reminders and escalation.
Time is passed in as `now`, never patched."""

from datetime import date, datetime, timedelta

from lanqing.cases import workdays
from lanqing.cases.clock import cases_deadlines_check
from lanqing.cases.models import (
    AccountabilityOutcome,
    AccountabilityRecord,
    Case,
    DeadlineRule,
    EscalationLevel,
    HolidayCorrection,
)
from lanqing.cases.transitions import (
    case_accept,
    case_close,
    case_open,
    case_start,
    case_submit,
)
from lanqing.notifications.models import Notification
from tests.cases.conftest import SHANGHAI, TUESDAY


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


def test_the_national_day_holiday_and_its_weekend_workday_are_respected(db):
    calendar = workdays.Calendar(date(2025, 9, 1), date(2025, 10, 31))
    assert calendar.is_working_day(date(2025, 9, 28))  # a Sunday made a workday (调休)
    assert not calendar.is_working_day(date(2025, 10, 3))
    assert calendar.is_working_day(date(2025, 10, 11))  # a Saturday made a workday
    # Friday 26 Sep + 5 working days: 28 Sep, 29, 30, then 9 and 10 Oct after the holiday.
    assert calendar.add(date(2025, 9, 26), 5) == date(2025, 10, 10)


def test_the_bureaus_correction_overrides_the_library(db):
    HolidayCorrection.objects.create(date=date(2025, 9, 29), is_working_day=False, note="本县临时调整")
    calendar = workdays.Calendar(date(2025, 9, 1), date(2025, 10, 31))
    assert calendar.add(date(2025, 9, 26), 5) == date(2025, 10, 11)  # the Saturday workday is now needed
    HolidayCorrection.objects.create(date=date(2025, 10, 4), is_working_day=True, note="补班")
    calendar = workdays.Calendar(date(2025, 9, 1), date(2025, 10, 31))
    assert calendar.add(date(2025, 9, 26), 5) == date(2025, 10, 10)


def test_a_year_the_library_does_not_know_uses_weekends_and_the_table(db):
    calendar = workdays.Calendar(date(2031, 1, 1), date(2031, 1, 31))
    assert not calendar.is_working_day(date(2031, 1, 4))  # Saturday
    HolidayCorrection.objects.create(date=date(2031, 1, 6), is_working_day=False, note="假期")
    assert not workdays.Calendar(date(2031, 1, 1), date(2031, 1, 31)).is_working_day(date(2031, 1, 6))


def test_a_deadline_lasts_to_the_end_of_its_day_in_beijing_time():
    deadline = workdays.end_of_day(date(2025, 6, 17))
    assert deadline.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") == "2025-06-17 23:59:59"


def test_the_deadline_follows_the_rule_for_category_and_severity(supervision):
    DeadlineRule.objects.create(category="inspection", severity="high", working_days=2, basis="紧急")
    case = case_open(title="t", category="inspection", severity="high", source="inspection",
                     site=supervision.outlet_a, now=TUESDAY)
    assert case.deadline_at.astimezone(SHANGHAI).date() == date(2025, 6, 12)
    assert case.deadline_basis == "紧急"


def test_reminder_then_urge_then_unit_leader_then_leadership_each_once(supervision, inspection_case):
    case = inspection_case  # dispatched Tue 10 Jun 2025, due Tue 17 Jun; escalate after 2 and 5 working days
    assert cases_deadlines_check(now=at("2025-06-13")) == {}
    assert cases_deadlines_check(now=at("2025-06-16")) == {"reminded": 1}
    assert cases_deadlines_check(now=at("2025-06-16", 15)) == {}
    assert cases_deadlines_check(now=at("2025-06-18")) == {"escalated_1": 1}
    record = AccountabilityRecord.objects.get(case=case)
    assert record.unit == supervision.department
    assert record.township == supervision.yueyang
    assert record.outcome == AccountabilityOutcome.OPEN
    assert cases_deadlines_check(now=at("2025-06-19")) == {"escalated_2": 1}
    assert cases_deadlines_check(now=at("2025-06-20")) == {}
    # 24 Jun is the 5th working day after the deadline (weekend 21–22 Jun skipped).
    assert cases_deadlines_check(now=at("2025-06-23")) == {}
    assert cases_deadlines_check(now=at("2025-06-24")) == {"escalated_3": 1}
    assert Case.objects.get(id=case.id).escalation_level == EscalationLevel.LEADERSHIP
    assert Notification.objects.filter(user=supervision.users["leader"], title__contains=case.number).count() == 1
    assert AccountabilityRecord.objects.get(case=case).working_days_late == 5


def test_a_worker_that_was_down_escalates_straight_to_the_right_level(supervision, inspection_case):
    assert cases_deadlines_check(now=at("2025-07-01")) == {"escalated_1": 1, "escalated_2": 1, "escalated_3": 1}


def test_closing_an_overdue_case_records_how_late_it_was(supervision, inspection_case):
    users = supervision.users
    cases_deadlines_check(now=at("2025-06-18"))
    case_accept(case=inspection_case, by=users["department"], now=at("2025-06-18", 11))
    case_start(case=inspection_case, by=users["department"], now=at("2025-06-18", 12))
    case_submit(case=inspection_case, by=users["enterprise_a"], text="done", now=at("2025-06-19"))
    case_close(case=inspection_case, by=users["bureau"], now=at("2025-06-20"))
    record = AccountabilityRecord.objects.get(case=inspection_case)
    assert record.outcome == AccountabilityOutcome.CLOSED_LATE
    assert record.working_days_late == 3
    assert record.resolved_at == at("2025-06-20")


def test_a_closed_case_is_never_escalated(supervision, inspection_case):
    users = supervision.users
    case_accept(case=inspection_case, by=users["department"], now=TUESDAY)
    case_submit(case=inspection_case, by=users["department"], text="done", now=TUESDAY + timedelta(hours=1))
    # Waiting for the bureau's verification does not count against the unit.
    assert cases_deadlines_check(now=at("2025-07-30")) == {}
    assert not AccountabilityRecord.objects.exists()


def test_the_unit_leader_escalation_reaches_the_leaders_own_account(supervision, inspection_case):
    from django.contrib.auth import get_user_model

    leader = get_user_model().objects.create_user("zhujian_juzhang", password="x" * 12)
    supervision.department.leader = leader
    supervision.department.save()
    cases_deadlines_check(now=at("2025-06-19"))
    titles = list(Notification.objects.filter(user=leader).values_list("title", flat=True))
    assert len(titles) == 1
    assert inspection_case.number in titles[0]
    # The ordinary member of the unit hears of the overdue case, not of the leader's escalation.
    member_titles = Notification.objects.filter(user=supervision.users["department"]).values_list("title",
                                                                                                  flat=True)
    assert not any("leader" in title for title in member_titles)
