"""The same case, opened from an alert by the system, routed and escalated, and its notifications read wholly in
the reader's language: no Chinese outside proper names in English, no English words outside codes in Chinese;
measured values without exponents. Rows written before stored texts are migrated."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from lanqing import texts
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


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_stored_texts_are_migrated_to_them(cast):
    """Old rows hold a rendering in whatever language was active; the migration recognises the system's."""
    from lanqing.monitoring.models import Factor

    so2 = Factor.objects.get(code="a21026")
    with translation.override("zh-hans"):
        old_message = translation.gettext(
            "%(site)s %(factor)s %(value)s above the limit %(limit)s (%(time)s)") % {
            "site": "甲公司焦炉烟囱", "factor": so2.name_zh, "value": "6.25e+04", "limit": "100",
            "time": "06-10 08:00"}
    rule = AlertRule.objects.create(name="小时均值超标", kind="exceedance", severity="high")
    alert = Alert.objects.create(rule=rule, source_key="x", site=cast.outlet_a, factor=so2, severity="high",
                                 message=old_message, first_seen_at=TUESDAY, last_seen_at=TUESDAY)
    case = Case.objects.create(number="DB2025000001", title=old_message, source="alert", alert=alert,
                               category="exceedance", jurisdiction=cast.yueyang, created_at=TUESDAY,
                               updated_at=TUESDAY, deadline_basis="5 working days (default)")
    typed = Case.objects.create(number="DB2025000002", title="焦炉烟囱冒黄烟", source="inspection",
                                category="inspection", jurisdiction=cast.yueyang, created_at=TUESDAY,
                                updated_at=TUESDAY)
    demo = Case.objects.create(number="DB2025000003", title="示例焦化有限公司露天堆场未苫盖", source="inspection",
                               category="inspection", jurisdiction=cast.yueyang, created_at=TUESDAY,
                               updated_at=TUESDAY, is_demo=True)
    routed = CaseEvent.objects.create(case=case, at=TUESDAY, action="dispatched",
                                      note="Routed by the responsibility matrix.")
    told = Notification.objects.create(user=cast.users["bureau"], created_at=TUESDAY, body="请尽快整改",
                                       title="Escalated to county leadership: case DB2025000001")

    call_command("migrate", "alerts", "0002", verbosity=0)  # back to before the conversion
    call_command("migrate", verbosity=0)

    for row in (alert, case, typed, demo, routed, told):
        row.refresh_from_db()
    with translation.override("en"):
        assert alert.display_message == "甲公司焦炉烟囱 SO2 62,500 above the limit 100 (06-10 08:00)"
        assert case.display_title == alert.display_message
        assert case.display_deadline_basis == "5 working days (default)"
        assert routed.display_note == "Routed by the responsibility matrix."
        assert told.display_title == "Escalated to county leadership: case DB2025000001"
        assert typed.display_title == "焦炉烟囱冒黄烟"
        assert typed.title_text is None
        assert told.display_body == "请尽快整改"
        assert told.body_text is None
        assert demo.display_title == "示例焦化有限公司: open-air stockpile not covered"
    with translation.override("zh-hans"):
        assert "Routed" not in routed.display_note
        assert "Escalated" not in told.display_title
        assert case.display_deadline_basis == texts.render(texts.message("%(days)d working days (default)", days=5))
