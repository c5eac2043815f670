"""A user of another township, another enterprise or another department gets 404 on every case URL and API
call; the case's own people see it."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lanqing.api.models import ApiToken
from lanqing.cases.models import Case, CaseState, Evidence
from lanqing.cases.transitions import ACTIONS, case_accept, case_start, case_submit
from tests.cases.conftest import PNG, TUESDAY

OUTSIDERS = ["township_b", "enterprise_b", "other_department"]


@pytest.fixture
def case_with_evidence(supervision, inspection_case):
    users = supervision.users
    case_accept(case=inspection_case, by=users["department"], now=TUESDAY)
    case_start(case=inspection_case, by=users["department"], now=TUESDAY)
    case_submit(case=inspection_case, by=users["enterprise_a"], text="done",
                files=[SimpleUploadedFile("a.png", PNG)], now=TUESDAY)
    return inspection_case


def _page_urls(case):
    evidence = Evidence.objects.get(case=case)
    urls = [("get", reverse("cases:detail", args=[case.id])),
            ("get", reverse("cases:evidence", args=[evidence.id]))]
    urls += [("post", reverse("cases:act", args=[case.id, action])) for action in ACTIONS]
    return urls


def _api_urls(case):
    urls = [("get", f"/api/v1/cases/{case.id}")]
    urls += [("post", f"/api/v1/cases/{case.id}/actions/{action}") for action in ACTIONS]
    return urls


@pytest.mark.parametrize("who", OUTSIDERS)
def test_an_outsider_gets_404_on_every_case_page(case_with_evidence, client_for, who):
    client = client_for(case_with_evidence_users(case_with_evidence)[who])
    for method, url in _page_urls(case_with_evidence):
        response = getattr(client, method)(url, {"reason": "x", "text": "x", "note": "x"})
        assert response.status_code == 404, (who, url)
    assert Case.objects.get(id=case_with_evidence.id).state == CaseState.SUBMITTED
    listed = client.get(reverse("cases:inbox"), {"box": "all"}).content.decode()
    assert case_with_evidence.number not in listed


@pytest.mark.parametrize("who", OUTSIDERS)
def test_an_outsider_gets_404_on_every_case_api_call(case_with_evidence, client, who):
    user = case_with_evidence_users(case_with_evidence)[who]
    _token, raw = ApiToken.issue(user=user, name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    for method, url in _api_urls(case_with_evidence):
        if method == "get":
            response = client.get(url, **headers)
        else:
            response = client.post(url, data=json.dumps({"reason": "x", "text": "x"}),
                                   content_type="application/json", **headers)
        assert response.status_code == 404, (who, url, response.content)
    listed = client.get("/api/v1/cases?box=all", **headers).json()
    assert listed["count"] == 0
    assert Case.objects.get(id=case_with_evidence.id).state == CaseState.SUBMITTED


@pytest.mark.parametrize("who", ["bureau", "leader", "department", "township_a", "grid_a", "enterprise_a"])
def test_the_cases_own_people_can_open_it(case_with_evidence, client_for, who):
    client = client_for(case_with_evidence_users(case_with_evidence)[who])
    for _method, url in _page_urls(case_with_evidence)[:2]:
        assert client.get(url).status_code == 200, (who, url)


def test_the_bureau_closes_through_the_api_and_a_second_close_is_a_409(case_with_evidence, client_for):
    client = client_for(case_with_evidence_users(case_with_evidence)["bureau"])
    url = f"/api/v1/cases/{case_with_evidence.id}/actions/close"
    first = client.post(url, data=json.dumps({"note": "ok"}), content_type="application/json")
    assert first.status_code == 200
    assert first.json()["state"] == "closed"
    second = client.post(url, data=json.dumps({"note": "ok"}), content_type="application/json")
    assert second.status_code == 409
    assert second.json()["detail"]


def test_the_enterprise_cannot_close_its_own_case_through_the_page(case_with_evidence, client_for):
    client = client_for(case_with_evidence_users(case_with_evidence)["enterprise_a"])
    response = client.post(reverse("cases:act", args=[case_with_evidence.id, "close"]), HTTP_HX_REQUEST="true")
    # The enterprise sees its case but closing is not its duty: 403 (a state that forbids the action is 409).
    assert response.status_code == 403
    assert "data-testid=\"case-error\"" in response.content.decode()
    assert Case.objects.get(id=case_with_evidence.id).state == CaseState.SUBMITTED


def case_with_evidence_users(case):
    from django.contrib.auth import get_user_model

    return {u.username: u for u in get_user_model().objects.all()}

