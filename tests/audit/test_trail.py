"""Every writer leaves a record: the services behind the pages, the admin, the API and the CLI; secrets never
appear in it; the admin cannot delete cases or touch accountability records; only the bureau reads the trail."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from lanqing.api.models import ApiToken
from lanqing.audit.actor import acting, command_actor
from lanqing.audit.capture import MASK
from lanqing.audit.models import AuditRecord
from lanqing.cases.models import AccountabilityRecord, Case, CaseEvent, CaseState
from lanqing.monitoring.models import Device
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _records(obj, **filters):
    return AuditRecord.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk), **filters)


@pytest.fixture
def admin_client(client, cast):
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    client.force_login(root)
    return client


def test_accepting_a_case_on_its_page_records_the_state_before_and_after(supervision, inspection_case,
                                                                         client_for):
    client = client_for(supervision.users["department"])
    client.post(reverse("cases:act", args=[inspection_case.id, "accept"]))
    record = _records(inspection_case, change="updated", after__state="accepted").get()
    assert record.before["state"] == "dispatched"
    assert record.actor == supervision.users["department"]
    assert record.channel == "web"
    assert record.source == f"POST /cases/{inspection_case.id}/act/accept/"
    assert "updated_at" not in record.after  # bookkeeping the services change on every step is not a change


def test_a_matrix_row_edited_through_its_service_from_the_worker_is_recorded_as_the_command(supervision):
    from lanqing.cases.matrix import responsibility_rule_update
    from lanqing.cases.models import ResponsibilityRule

    row = ResponsibilityRule.objects.get(category="inspection")
    with acting(command_actor("worker")):
        responsibility_rule_update(row=row, by=supervision.users["bureau"], category="inspection",
                                   lead_unit=supervision.other_department, note="改由自然资源局牵头")
    record = _records(row, change="updated", after__note="改由自然资源局牵头").get()
    assert record.before == {"lead_unit_id": supervision.department.id, "note": ""}
    assert record.after["lead_unit_id"] == supervision.other_department.id
    assert record.channel == "cli"
    assert record.source == "lanqing worker"
    assert record.actor is None


def test_a_device_changed_in_the_admin_is_recorded_without_its_password_or_key(cast, admin_client):
    device = Device.objects.get(point__site=cast.outlet_a)
    form = {"mn": device.mn, "protocol": "2025", "point": device.point_id, "crc_mode": "strict",
            "unit_overrides": "{}", "logger_id": "", "is_active": "on", "password": "a-new-secret-9",
            "sm4_key": "0123456789abcdef", "realtime_upload": "", "status_upload": ""}
    response = admin_client.post(reverse("admin:monitoring_device_change", args=[device.id]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    record = _records(device, change="updated").get()
    assert record.channel == "admin"
    assert record.actor_name == "root"
    assert record.before["protocol"] == "2017"
    assert record.after["protocol"] == "2025"
    assert record.before["password_hash"] == record.after["password_hash"] == MASK
    key_record = AuditRecord.objects.get(object_type="monitoring.devicekey", change="created")
    assert key_record.after["sealed"] == MASK
    text = json.dumps(list(AuditRecord.objects.values("before", "after", "search_text")), ensure_ascii=False)
    assert "a-new-secret-9" not in text
    assert "0123456789abcdef" not in text
    assert Device.objects.get(id=device.id).password_hash.split("$")[-1] not in text


def test_a_site_patched_through_the_api_is_recorded_with_the_token_user(cast, client):
    _token, raw = ApiToken.issue(user=cast.users["bureau"], name="script")
    response = client.patch(f"/api/v1/registry/sites/{cast.outlet_a.id}",
                            json.dumps({"limit_set": "GB16171-2012:coke-oven:special"}),
                            HTTP_AUTHORIZATION=f"Bearer {raw}", content_type="application/json")
    assert response.status_code == 200, response.content
    record = _records(cast.outlet_a, change="updated").get()
    assert record.before == {"limit_set": ""}
    assert record.after == {"limit_set": "GB16171-2012:coke-oven:special"}
    assert record.actor == cast.users["bureau"]
    assert record.channel == "api"


def test_a_user_made_on_the_command_line_is_recorded_with_the_os_user_and_no_password(cast, tmp_path):
    from lanqing.cli import main

    secret = tmp_path / "password"
    secret.write_text("a-cli-password-77", encoding="utf-8")
    assert main(["createuser", "clerk", "--role", "township", "--scope", "141025100000",
                 "--password-file", str(secret)]) == 0
    user = get_user_model().objects.get(username="clerk")
    record = _records(user, change="created").get()
    assert record.channel == "cli"
    assert record.source == "lanqing createuser"
    assert record.actor is None
    assert record.actor_name == command_actor("x").name
    assert record.after["password"] == MASK
    membership = AuditRecord.objects.get(object_type="org.membership", change="created", after__user_id=user.id)
    assert membership.source == "lanqing createuser"
    assert membership.after["role"] == "township"


def test_a_password_change_is_recorded_as_a_change_without_either_hash(cast, client_for):
    user = cast.users["township_a"]
    client = client_for(user)
    client.post(reverse("password_change"), {"old_password": PASSWORD, "new_password1": "Another-horse-92",
                                              "new_password2": "Another-horse-92"})
    record = _records(user, change="updated").get()
    assert record.before == {"password": MASK}
    assert record.after == {"password": MASK}


def test_the_admin_cannot_delete_a_case_or_change_its_record(supervision, inspection_case, admin_client):
    url = reverse("admin:cases_case_delete", args=[inspection_case.id])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    bulk = admin_client.post(reverse("admin:cases_case_changelist"),
                             {"action": "delete_selected", "_selected_action": [inspection_case.id], "post": "yes"})
    assert bulk.status_code in (200, 302)
    assert Case.objects.filter(id=inspection_case.id).exists()
    assert CaseEvent.objects.filter(case=inspection_case).exists()
    assert admin_client.get(reverse("admin:cases_case_add")).status_code == 403
    assert not _records(inspection_case, change="deleted").exists()


def test_nobody_edits_or_deletes_audit_or_accountability_records_in_the_admin(supervision, inspection_case,
                                                                             admin_client):
    from datetime import timedelta

    from tests.cases.conftest import TUESDAY

    record = AuditRecord.objects.filter(object_type="cases.case").first()
    assert record is not None
    assert admin_client.post(reverse("admin:audit_auditrecord_delete", args=[record.id]),
                             {"post": "yes"}).status_code == 403
    admin_client.post(reverse("admin:audit_auditrecord_change", args=[record.id]), {"actor_name": "someone"})
    record.refresh_from_db()
    assert record.actor_name != "someone"
    assert admin_client.get(reverse("admin:audit_auditrecord_add")).status_code == 403
    late = AccountabilityRecord.objects.create(case=inspection_case, deadline_at=TUESDAY,
                                               recorded_at=TUESDAY + timedelta(days=1))
    assert admin_client.post(reverse("admin:cases_accountabilityrecord_delete", args=[late.id]),
                             {"post": "yes"}).status_code == 403
    admin_client.post(reverse("admin:cases_accountabilityrecord_change", args=[late.id]), {"outcome": "excused"})
    late.refresh_from_db()
    assert late.outcome == "open"


def test_the_bureau_searches_the_trail_and_exports_it_and_a_township_may_not(supervision, inspection_case,
                                                                             client_for):
    client_for(supervision.users["department"]).post(reverse("cases:act", args=[inspection_case.id, "accept"]))
    client = client_for(supervision.users["bureau"])
    url = reverse("audit:list")
    page = client.get(url, {"type": "cases.case", "object": inspection_case.id, "actor": "department",
                            "since": "2000-01-01", "until": "2100-01-01"})
    assert page.status_code == 200
    assert "焦炉烟囱冒黄烟" in page.content.decode()
    # States read as their labels, in the reader's language (Chinese here), never as codes.
    with translation.override("zh-hans"):
        accepted, dispatched = str(CaseState.ACCEPTED.label), str(CaseState.DISPATCHED.label)
    assert accepted in page.content.decode()
    assert client.get(url, {"q": "焦炉烟囱冒黄烟"}).content.decode().count("焦炉烟囱冒黄烟") >= 1
    assert "焦炉烟囱冒黄烟" not in client.get(url, {"actor": "nobody-like-this"}).content.decode()
    assert "焦炉烟囱冒黄烟" not in client.get(url, {"until": "2000-01-01"}).content.decode()
    export = client.get(url, {"type": "cases.case", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(export.content)).active
    cells = [str(cell) for row in sheet.iter_rows(values_only=True) for cell in row]
    assert dispatched in cells
    assert accepted in cells
    assert client_for(supervision.users["township_a"]).get(url).status_code == 403
    assert client_for(supervision.users["leader"]).get(url).status_code == 403


def test_a_value_that_looks_like_a_formula_is_exported_as_text(cast, client_for):
    from lanqing.org.models import Industry

    Industry.objects.create(code="9999", name="=HYPERLINK(\"http://x\")")
    export = client_for(cast.users["bureau"]).get(reverse("audit:list"), {"type": "org.industry", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(export.content)).active
    cells = [str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert not any(cell.startswith("=") for cell in cells)
    assert any("HYPERLINK" in cell for cell in cells)


def test_a_user_deleted_in_the_admin_is_recorded_and_their_records_stay_as_they_were(cast, admin_client):
    from lanqing.audit.actor import Actor

    user = cast.users["township_a"]
    with acting(Actor("web", user=user)):
        user.first_name = "岳阳镇干部"
        user.save()
    response = admin_client.post(reverse("admin:auth_user_delete", args=[user.id]), {"post": "yes"})
    assert response.status_code == 302
    deleted = _records(user, change="deleted").get()
    assert deleted.before["username"] == "township_a"
    assert deleted.before["password"] == MASK
    assert deleted.actor_name == "root"
    assert deleted.channel == "admin"
    assert AuditRecord.objects.filter(object_type="org.membership", change="deleted",
                                      before__user_id=user.id).exists()
    own = AuditRecord.objects.get(actor_name="township_a", after__first_name="岳阳镇干部")
    assert own.actor_id == user.id  # kept as it was, though the user is gone
