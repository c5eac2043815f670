"""Each actor's duty in the county's mechanism: leadership instructs, the lead accepts, supporting units add their
part, the enterprise reports as soon as the case reaches it, and only the bureau changes the matrix, on record."""

import pytest
from django.http import Http404
from django.urls import reverse

from lanqing.cases.matrix import (
    MatrixError,
    responsibility_rule_create,
    responsibility_rule_delete,
    responsibility_rule_update,
)
from lanqing.cases.models import Case, CaseEvent, CaseState, ResponsibilityChange, ResponsibilityRule
from lanqing.cases.transitions import (
    CaseError,
    case_accept,
    case_contribute,
    case_instruct,
    case_open,
    case_submit,
)
from lanqing.notifications.models import Notification
from lanqing.org import access
from tests.cases.conftest import TUESDAY


def test_leadership_instructs_a_case_the_instruction_goes_on_the_timeline_as_typed_and_the_lead_is_told(
        supervision, inspection_case):
    users = supervision.users
    event = case_instruct(case=inspection_case, by=users["leader"], text="  请住建局三日内查明原因并报县政府  ",
                          now=TUESDAY)
    assert event.action == "instructed"
    assert event.actor == users["leader"]
    assert event.note == "请住建局三日内查明原因并报县政府"
    told = Notification.objects.filter(title__contains=inspection_case.number, body=event.note)
    assert set(told.values_list("user__username", flat=True)) == {"department"}


@pytest.mark.parametrize("who", ["bureau", "department", "township_a", "enterprise_a"])
def test_only_leadership_instructs(supervision, inspection_case, who):
    with pytest.raises(CaseError):
        case_instruct(case=inspection_case, by=supervision.users[who], text="x", now=TUESDAY)
    assert not CaseEvent.objects.filter(action="instructed").exists()


def test_an_empty_instruction_is_refused(supervision, inspection_case):
    with pytest.raises(CaseError, match="Write the instruction"):
        case_instruct(case=inspection_case, by=supervision.users["leader"], text="   ", now=TUESDAY)


def test_leadership_instructs_from_the_case_page(supervision, inspection_case, client_for):
    client = client_for(supervision.users["leader"])
    page = client.get(reverse("cases:detail", args=[inspection_case.id])).content.decode()
    assert 'data-testid="instruct-form"' in page
    response = client.post(reverse("cases:act", args=[inspection_case.id, "instruct"]), {"text": "限期整改到位"})
    assert response.status_code == 302
    assert inspection_case.events.get(action="instructed").note == "限期整改到位"
    page = client_for(supervision.users["bureau"]).get(reverse("cases:detail", args=[inspection_case.id]))
    assert 'data-testid="instruct-form"' not in page.content.decode()


def test_leadership_instructs_through_the_api(supervision, inspection_case, client_for):
    import json

    response = client_for(supervision.users["leader"]).post(
        f"/api/v1/cases/{inspection_case.id}/actions/instruct", data=json.dumps({"text": "加快办理"}),
        content_type="application/json")
    assert response.status_code == 200
    assert response.json()["timeline"][-1]["note"] == "加快办理"


def test_a_supporting_unit_adds_its_part_but_does_not_accept(supervision, inspection_case):
    # The inspection row names 住建局 as lead and the bureau as supporting unit.
    users = supervision.users
    with pytest.raises(CaseError):
        case_accept(case=inspection_case, by=users["bureau"], now=TUESDAY)
    event = case_contribute(case=inspection_case, by=users["bureau"], text="已调取在线监测数据", now=TUESDAY)
    assert event.action == "contributed"
    assert Notification.objects.filter(user=users["department"], body="已调取在线监测数据").exists()
    with pytest.raises(CaseError):
        case_contribute(case=inspection_case, by=users["department"], text="lead is not a supporter", now=TUESDAY)


def test_the_enterprise_reports_as_soon_as_the_case_reaches_it_and_the_lead_only_after_accepting(
        supervision, inspection_case):
    users = supervision.users
    assert inspection_case.state == CaseState.DISPATCHED
    with pytest.raises(CaseError):
        case_submit(case=inspection_case, by=users["department"], text="too early", now=TUESDAY)
    case_submit(case=inspection_case, by=users["enterprise_a"], text="已停产整改", now=TUESDAY)
    assert Case.objects.get(id=inspection_case.id).state == CaseState.SUBMITTED


def test_the_township_accepts_only_a_case_the_township_leads(supervision):
    from lanqing.org.models import Unit

    users = supervision.users
    township_government = Unit.objects.create(name="岳阳镇人民政府", kind="department",
                                              jurisdiction=supervision.yueyang)
    ResponsibilityRule.objects.create(category="complaint", lead_unit=township_government)
    led = case_open(title="餐饮油烟扰民", category="complaint", source="complaint", by=users["bureau"],
                    jurisdiction=supervision.yueyang, now=TUESDAY)
    assert access.may(users["township_a"], "case.accept", led)
    assert not access.may(users["township_b"], "case.accept", led)
    not_led = case_open(title="焦炉冒烟", category="inspection", source="inspection", by=users["bureau"],
                        jurisdiction=supervision.yueyang, now=TUESDAY)
    assert not access.may(users["township_a"], "case.accept", not_led)
    case_accept(case=led, by=users["township_a"], now=TUESDAY)


def test_opening_a_case_is_for_the_bureau_and_the_township_not_for_a_department(supervision):
    with pytest.raises(CaseError):
        case_open(title="x", category="inspection", source="inspection", by=supervision.users["department"],
                  jurisdiction=supervision.yueyang, now=TUESDAY)
    assert not Case.objects.exists()


# --- the matrix ------------------------------------------------------------------------------------------------------

def test_every_matrix_change_is_recorded_with_who_when_before_and_after(supervision):
    bureau = supervision.users["bureau"]
    row = responsibility_rule_create(by=bureau, category="complaint", lead_unit=supervision.department,
                                     support_units=[supervision.other_department], now=TUESDAY)
    responsibility_rule_update(row=row, by=bureau, category="complaint", lead_unit=supervision.other_department,
                               note="改由自然资源局牵头", now=TUESDAY)
    responsibility_rule_delete(row=row, by=bureau, now=TUESDAY)
    created, updated, deleted = ResponsibilityChange.objects.order_by("id")
    assert (created.kind, created.before, created.by) == ("created", None, bureau)
    assert created.after["lead_unit"] == supervision.department.name
    assert created.after["support_units"] == [supervision.other_department.name]
    assert updated.before == created.after
    assert updated.after["lead_unit"] == supervision.other_department.name
    assert updated.after["support_units"] == []
    assert (deleted.kind, deleted.after, deleted.before) == ("deleted", None, updated.after)
    assert deleted.at == TUESDAY
    assert not ResponsibilityRule.objects.filter(id=row.id).exists()


@pytest.mark.parametrize("who", ["leader", "department", "township_a", "enterprise_a"])
def test_only_the_bureau_changes_the_matrix(supervision, who):
    row = ResponsibilityRule.objects.get(category="inspection")
    with pytest.raises(MatrixError):
        responsibility_rule_create(by=supervision.users[who], category="complaint", lead_unit=supervision.department)
    with pytest.raises((MatrixError, Http404)):  # outside what the role sees, the row does not exist
        responsibility_rule_delete(row=row, by=supervision.users[who])
    assert ResponsibilityRule.objects.count() == 2
    assert not ResponsibilityChange.objects.exists()


def test_a_duplicate_matrix_row_is_refused_with_a_reason(supervision):
    with pytest.raises(MatrixError, match="exists"):
        responsibility_rule_create(by=supervision.users["bureau"], category="inspection",
                                   lead_unit=supervision.other_department)
    assert not ResponsibilityChange.objects.exists()


def test_the_matrix_page_shows_the_history_and_a_department_sees_only_rows_naming_it(supervision, client_for):
    client = client_for(supervision.users["bureau"])
    client.post(reverse("cases:matrix"), {"category": "complaint", "lead_unit": supervision.other_department.id,
                                          "is_active": "on"})
    page = client.get(reverse("cases:matrix")).content.decode()
    assert 'data-testid="matrix-changes"' in page
    assert "bureau" in page
    assert "信访投诉" in page.split('data-testid="matrix-changes"')[1]  # the category as a reader names it
    rows = access.visible(supervision.users["department"], ResponsibilityRule.objects.all())
    assert list(rows.values_list("category", flat=True)) == ["inspection"]


# --- alerts ----------------------------------------------------------------------------------------------------------

def test_a_department_acknowledges_only_alerts_routed_to_it(supervision, client_for):
    from lanqing.alerts.models import Alert, AlertRule
    from lanqing.alerts.services import AlertForbidden, alert_acknowledge

    users = supervision.users
    # The matrix routes exceedances to the bureau; this one names 住建局 for the enterprise's industry.
    ResponsibilityRule.objects.create(category="data_anomaly", industry=supervision.enterprise_a.industry,
                                      lead_unit=supervision.department)
    rule = AlertRule.objects.create(name="负值", kind="non_positive")
    alert = Alert.objects.create(rule=rule, source_key="a", site=supervision.outlet_a, severity="medium",
                                 message="负值", first_seen_at=TUESDAY, last_seen_at=TUESDAY)
    button = reverse("alerts:acknowledge", args=[alert.id])
    assert button in client_for(users["department"]).get(reverse("alerts:list")).content.decode()
    # 自然资源局 sees the alert (the blank-industry complaint row names it for every enterprise) but is not its lead.
    ResponsibilityRule.objects.create(category="complaint", lead_unit=supervision.other_department)
    assert button not in client_for(users["other_department"]).get(reverse("alerts:list")).content.decode()
    with pytest.raises(AlertForbidden):
        alert_acknowledge(alert=alert, by=users["other_department"], now=TUESDAY)
    alert_acknowledge(alert=alert, by=users["department"], now=TUESDAY)
    assert Alert.objects.get(id=alert.id).acknowledged_by == users["department"]
