"""The pages: inbox boxes, detail with htmx actions, dispatch queue, matrix editor, alerts, export."""

from django.urls import reverse

from lanqing.cases.models import Case, CaseState, ResponsibilityRule
from lanqing.cases.transitions import case_open
from lanqing.ui.tables import XLSX_TYPE
from tests.cases.conftest import PNG, TUESDAY


def test_each_role_finds_the_case_in_its_own_inbox(supervision, inspection_case, client_for):
    for who, box in [("department", "mine"), ("department", "unit"), ("township_a", "township"),
                     ("enterprise_a", "mine"), ("bureau", "all")]:
        page = client_for(supervision.users[who]).get(reverse("cases:inbox"), {"box": box}).content.decode()
        assert inspection_case.number in page, (who, box)
    page = client_for(supervision.users["bureau"]).get(reverse("cases:inbox"), {"box": "overdue"}).content.decode()
    assert inspection_case.number in page  # dispatched in June 2025, long overdue by now


def test_the_handler_accepts_and_submits_through_htmx_and_gets_the_panel_back(supervision, inspection_case,
                                                                             client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(supervision.users["department"])
    response = client.post(reverse("cases:act", args=[inspection_case.id, "accept"]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="case-panel"' in response.content.decode()
    assert "<html" not in response.content.decode()
    response = client.post(reverse("cases:act", args=[inspection_case.id, "submit"]),
                           {"text": "已整改", "files": [SimpleUploadedFile("a.png", PNG)]})
    assert response.status_code == 302
    assert Case.objects.get(id=inspection_case.id).state == CaseState.SUBMITTED
    page = client.get(reverse("cases:detail", args=[inspection_case.id])).content.decode()
    assert "a.png" in page
    assert "已整改" in page


def test_the_bureau_dispatches_an_unroutable_case_from_the_queue(supervision, client_for):
    case = case_open(title="无主垃圾", category="other", source="manual", jurisdiction=supervision.beiping,
                     now=TUESDAY)
    client = client_for(supervision.users["bureau"])
    assert case.number in client.get(reverse("cases:queue")).content.decode()
    client.post(reverse("cases:act", args=[case.id, "dispatch"]), {"unit": supervision.department.id})
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED
    assert case.lead_unit == supervision.department
    assert case.number not in client.get(reverse("cases:queue")).content.decode()


def test_the_bureau_edits_the_matrix_and_others_may_not(supervision, client_for):
    client = client_for(supervision.users["bureau"])
    response = client.post(reverse("cases:matrix"), {"category": "complaint", "lead_unit": supervision.department.id,
                                                     "support_units": [supervision.other_department.id],
                                                     "is_active": "on"})
    assert response.status_code == 302
    row = ResponsibilityRule.objects.get(category="complaint")
    assert list(row.support_units.all()) == [supervision.other_department]
    for who in ("department", "township_a", "enterprise_a", "leader"):
        assert client_for(supervision.users[who]).get(reverse("cases:matrix")).status_code == 403


def test_the_inbox_exports_to_excel(supervision, inspection_case, client_for):
    response = client_for(supervision.users["bureau"]).get(reverse("cases:inbox"), {"box": "all", "export": "xlsx"})
    assert response["Content-Type"] == XLSX_TYPE
    assert response.content[:2] == b"PK"


def test_every_supervision_page_renders_for_the_bureau(supervision, inspection_case, client_for):
    client = client_for(supervision.users["bureau"])
    for name in ("cases:inbox", "cases:new", "cases:queue", "cases:matrix", "cases:accountability",
                 "alerts:list", "notifications:list"):
        assert client.get(reverse(name)).status_code == 200, name
