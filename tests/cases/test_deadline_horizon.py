"""A deadline more than a year ahead is refused wherever a user sets one, with the reason, and the case is
unchanged."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lanqing.cases.models import Case, CaseState, ExtensionRequest
from lanqing.cases.transitions import CaseError, case_dispatch, case_extension_request, case_open
from tests.cases.conftest import TUESDAY


def test_a_dispatch_with_a_deadline_more_than_a_year_ahead_is_refused(supervision):
    case = case_open(title="无人认领", category="other", source="manual", by=supervision.users["bureau"],
                     jurisdiction=supervision.beiping, now=TUESDAY)
    with pytest.raises(CaseError, match="366 days"):
        case_dispatch(case=case, by=supervision.users["bureau"], unit=supervision.department,
                      deadline=TUESDAY + timedelta(days=367), now=TUESDAY)
    assert Case.objects.get(id=case.id).state == CaseState.DRAFT
    case_dispatch(case=case, by=supervision.users["bureau"], unit=supervision.department,
                  deadline=TUESDAY + timedelta(days=366), now=TUESDAY)
    assert Case.objects.get(id=case.id).deadline_at == TUESDAY + timedelta(days=366)


def test_an_extension_to_a_deadline_more_than_a_year_ahead_is_refused(supervision, inspection_case):
    with pytest.raises(CaseError, match="366 days"):
        case_extension_request(case=inspection_case, by=supervision.users["department"],
                               new_deadline=TUESDAY + timedelta(days=400), reason="设备到货需两周", now=TUESDAY)
    assert not ExtensionRequest.objects.filter(case=inspection_case).exists()


def test_the_api_refuses_an_extension_beyond_a_year_with_400_and_the_reason(supervision, inspection_case,
                                                                           client_for):
    body = {"deadline": (timezone.localdate() + timedelta(days=400)).isoformat(), "reason": "设备到货需两周"}
    response = client_for(supervision.users["department"]).post(
        f"/api/v1/cases/{inspection_case.id}/actions/request_extension", data=json.dumps(body),
        content_type="application/json")
    assert response.status_code == 400
    assert "366" in response.json()["detail"]
    assert not ExtensionRequest.objects.filter(case=inspection_case).exists()


def test_the_page_refuses_an_extension_beyond_a_year_in_the_readers_language(supervision, inspection_case,
                                                                            client_for):
    client = client_for(supervision.users["department"])
    response = client.post(reverse("cases:act", kwargs={"case_id": inspection_case.id, "action": "request_extension"}),
                           {"new_deadline": (timezone.localdate() + timedelta(days=400)).isoformat(), "reason": "设备到货"},
                           HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 409
    assert "办理期限距今不得超过366天" in response.content.decode()
    assert not ExtensionRequest.objects.filter(case=inspection_case).exists()
