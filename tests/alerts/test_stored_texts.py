"""The same case, opened from an alert by the system, routed and escalated, and its notifications read wholly in
the reader's language: no Chinese outside proper names in English, no English words outside codes in Chinese;
measured values without exponents."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from lanqing.alerts.models import Alert, AlertRule
from lanqing.cases.clock import cases_deadlines_check
from lanqing.cases.models import Case, CaseEvent, DeadlineRule, ResponsibilityRule
from lanqing.notifications.models import Notification
from tests.alerts.conftest import TUESDAY

H = timedelta(hours=1)
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
WORD = re.compile(r"[A-Za-z]{2,}")


@pytest.fixture
def escalated(cast, hourly):
    """An exceedance of 62 500 mg/m³ SO2 opens a case by itself; it is routed, dispatched and, three weeks on,
    escalated to county leadership."""
    cast.outlet_a.limit_set = "GB13223-2011:coal"
    cast.outlet_a.save()
    ResponsibilityRule.objects.create(category="exceedance", lead_unit=cast.bureau_unit)
    DeadlineRule.objects.create(working_days=5, remind_before_days=1, unit_leader_after_days=2,
                                leadership_after_days=5)
    AlertRule.objects.create(name="小时均值超标", kind="exceedance", severity="high", creates_case=True)
    hourly(cast.outlet_a, "a21026", [(TUESDAY - H, 62500.0, "N")])
    hourly(cast.outlet_a, "a19001", [(TUESDAY - H, 6.0, "N")])
    from lanqing.alerts.services import alerts_evaluate

    alerts_evaluate(now=TUESDAY)
    case = Case.objects.get()
    cases_deadlines_check(now=TUESDAY + timedelta(days=2))  # the reminder
    cases_deadlines_check(now=TUESDAY + timedelta(days=21))  # overdue, unit leader, county leadership
    return case


def _shown(case) -> list[str]:
    """Everything the system wrote about the case, as the active language shows it."""
    case.refresh_from_db()
    shown = [case.display_title, case.display_description, case.display_deadline_basis,
             Alert.objects.get().display_message]
    shown += [event.display_note for event in CaseEvent.objects.filter(case=case)]
    for notification in Notification.objects.all():
        shown += [notification.display_title, notification.display_body]
    return [text for text in shown if text]


def _without_names(text: str, cast) -> str:
    # Proper names stay as the county wrote them: sites, enterprises, units, rules.
    for name in ("甲公司焦炉烟囱", "甲焦化有限公司", cast.bureau_unit.name, "小时均值超标"):
        text = text.replace(name, "")
    return text


def test_the_case_and_its_notifications_read_in_english_without_chinese(cast, escalated):
    with translation.override("en"):
        shown = _shown(escalated)
    assert any("Routed by the responsibility matrix." == text for text in shown)
    assert any(text.startswith("Escalated to county leadership") for text in shown)
    assert any("62,500" in text for text in shown)
    assert all("e+" not in text for text in shown)
    assert [text for text in shown if CJK.search(_without_names(text, cast))] == []


def test_the_same_case_and_notifications_read_in_chinese_without_english_words(cast, escalated):
    with translation.override("zh-hans"):
        shown = _shown(escalated)
    assert any("62500" in text for text in shown)
    assert all("e+" not in text for text in shown)
    # Left are codes (the case number DB…), nothing else in Latin letters.
    leftovers = [WORD.findall(_without_names(text, cast).replace(escalated.number, "")) for text in shown]
    assert [words for words in leftovers if words] == []


@pytest.mark.parametrize(("language", "routed"), [("en", "Routed by the responsibility matrix."),
                                                  ("zh-hans", "按一岗双责责任清单分派。")])
def test_pages_and_the_api_render_the_case_in_the_readers_language(cast, escalated, client_for, settings,
                                                                    language, routed):
    client = client_for(cast.users["bureau"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with translation.override(language):
        title = escalated.display_title
    detail = client.get(reverse("cases:detail", args=[escalated.id])).content.decode()
    assert title in detail
    assert routed in detail
    notifications = client.get(reverse("notifications:list")).content.decode()
    assert escalated.number in notifications
    alerts = client.get(reverse("alerts:list")).content.decode()
    assert ("62,500" if language == "en" else "62500") in alerts
    api = client.get(f"/api/v1/cases/{escalated.id}").json()
    assert api["title"] == title
    assert routed in [step["note"] for step in api["timeline"]]
