"""The page and the API take every case action through one mapping; the API answers 400 for input an action
needs but was not given, and the case is unchanged."""

import json

from lanqing.cases.actions import CASE_ACTIONS
from lanqing.cases.models import Case, CaseState, ExtensionRequest
from lanqing.cases.transitions import ACTIONS, case_open
from tests.cases.conftest import TUESDAY


def _post(client, case, action, body):
    return client.post(f"/api/v1/cases/{case.id}/actions/{action}", data=json.dumps(body),
                       content_type="application/json")


def test_every_workflow_action_can_be_taken_from_the_page_and_the_api():
    assert set(CASE_ACTIONS) == set(ACTIONS)


def test_an_extension_request_without_a_deadline_is_refused_with_400(supervision, inspection_case, client_for):
    response = _post(client_for(supervision.users["department"]), inspection_case, "request_extension",
                     {"reason": "设备到货需两周"})
    assert response.status_code == 400
    assert response.json()["detail"] == "deadline is required"
    assert not ExtensionRequest.objects.filter(case=inspection_case).exists()


def test_an_extension_decision_without_its_inputs_is_refused_with_400(supervision, inspection_case, client_for):
    response = _post(client_for(supervision.users["bureau"]), inspection_case, "decide_extension", {"approve": True})
    assert response.status_code == 400
    assert response.json()["detail"] == "extension_id and approve are required"


def test_a_dispatch_to_a_unit_the_caller_cannot_see_is_refused_with_400(supervision, client_for):
    case = case_open(title="河道漂浮物", category="inspection", source="inspection", by=supervision.users["bureau"],
                     site=supervision.outlet_a, auto_dispatch=False, now=TUESDAY)
    response = _post(client_for(supervision.users["bureau"]), case, "dispatch", {"unit_id": 999_999})
    assert response.status_code == 400
    assert response.json()["detail"] == "unknown unit_id"
    assert Case.objects.get(id=case.id).state == CaseState.DRAFT
