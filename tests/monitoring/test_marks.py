"""Data marks of enterprises (标记): an enterprise marks a stop or maintenance of its own outlet with a reason, a
period and a document; values under a valid mark are no exceedance; a mark without its document by the 10th
of the next month reverts, and its hours are judged again."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from openpyxl import load_workbook

from lanqing.alerts.models import Alert, AlertRule, AlertStatus, Exceedance
from lanqing.alerts.services import alerts_evaluate
from lanqing.monitoring.marks import (
    MarkRefused,
    document_due,
    mark_create,
    mark_document,
    mark_document_replace,
    mark_revoke,
    marks_revert_overdue,
)
from lanqing.monitoring.models import DataMark, DataMarkEvent, MarkState
from lanqing.notifications.models import Notification
from tests.cases.conftest import PNG, SHANGHAI

H = timedelta(hours=1)
PDF = b"%PDF-1.4 maintenance notice"
START = datetime(2025, 6, 20, 8, 0, tzinfo=SHANGHAI)
# The document of a mark starting in June is due by the end of 10 July (Beijing time).
LAST_MINUTE = datetime(2025, 7, 10, 23, 59, tzinfo=SHANGHAI)
TOO_LATE = datetime(2025, 7, 11, 0, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _english_messages(client, settings):
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the pages; stored texts render in the override
    with translation.override("en"):
        yield


@pytest.fixture
def outlet(cast):
    cast.outlet_a.limit_set = "GB13223-2011:coal"  # SO2 100 mg/m³ at 6 % O2
    cast.outlet_a.save()
    AlertRule.objects.create(name="exceedance", kind="exceedance", severity="high")
    return cast.outlet_a


@pytest.fixture
def so2(outlet):
    """so2([(time, SO2 mg/m³), ...]) at 6 % O2 (the reference: the value is its own converted value)."""
    from lanqing.monitoring.measurements import MeasurementRow, measurements_upsert
    from lanqing.monitoring.models import Factor

    point = outlet.points.get()
    factors = {code: Factor.objects.get(code=code).id for code in ("a21026", "a19001")}

    def write(rows):
        measurements_upsert([MeasurementRow(point.id, factors["a21026"], "hour", t, v) for t, v in rows]
                            + [MeasurementRow(point.id, factors["a19001"], "hour", t, 6.0) for t, _v in rows])

    return write


def _mark(cast, *, starts_at=START, hours=8, document=None, now=START, site=None, by="enterprise_a"):
    return mark_create(by=cast.users[by], site=site or cast.outlet_a, kind="maintenance", reason="脱硫塔检修",
                       starts_at=starts_at, ends_at=starts_at + hours * H, document=document, now=now)


# --- the deadline ------------------------------------------------------------------------------------------------

def test_the_document_is_due_by_the_end_of_the_10th_of_the_next_month_in_beijing_time():
    assert document_due(START) == TOO_LATE
    # 1 June 00:30 Beijing time is still 31 May in UTC: the month is Beijing's.
    assert document_due(datetime(2025, 6, 1, 0, 30, tzinfo=SHANGHAI)) == TOO_LATE
    assert document_due(datetime(2025, 12, 31, 23, 0, tzinfo=SHANGHAI)) == datetime(2026, 1, 11, tzinfo=SHANGHAI)


def test_a_mark_documented_on_the_10th_stays(cast, outlet):
    mark = _mark(cast)
    mark_document(by=cast.users["enterprise_a"], mark=mark, name="检修通知.pdf", data=PDF, now=LAST_MINUTE)
    assert marks_revert_overdue(now=TOO_LATE) == 0
    mark.refresh_from_db()
    assert mark.state == MarkState.DOCUMENTED
    assert mark.document.read() == PDF


def test_a_mark_without_its_document_on_the_11th_reverts_and_tells_the_enterprise_and_the_bureau(cast, outlet):
    mark = _mark(cast)
    assert marks_revert_overdue(now=LAST_MINUTE) == 0
    assert marks_revert_overdue(now=TOO_LATE) == 1
    assert marks_revert_overdue(now=TOO_LATE + H) == 0  # once
    mark.refresh_from_db()
    assert mark.state == MarkState.REVERTED
    step = DataMarkEvent.objects.filter(mark=mark).last()
    assert step is not None
    assert step.display_text == "No document by 2025-07-10: the mark reverted and its hours count again."
    told = {n.user.username: n.display_title for n in Notification.objects.select_related("user")}
    assert set(told) == {"enterprise_a", "bureau"}
    assert told["bureau"] == ("甲焦化有限公司 甲公司焦炉烟囱: the mark (Maintenance) reverted, no document by "
                              "2025-07-10.")
    with pytest.raises(MarkRefused):
        mark_document(by=cast.users["enterprise_a"], mark=mark, name="late.pdf", data=PDF, now=TOO_LATE)
    # The audit trail keeps the mark's making and its reversion, before and after.
    from lanqing.audit.models import AuditRecord

    records = AuditRecord.objects.filter(object_type="monitoring.datamark", object_id=str(mark.id)).order_by("id")
    assert [(r.change, (r.after or {}).get("state")) for r in records] == [("created", "awaiting"),
                                                                          ("updated", "reverted")]


def test_a_document_on_the_11th_is_refused_even_before_the_task_has_run(cast, outlet):
    mark = _mark(cast)
    with pytest.raises(MarkRefused, match="was due by 2025-07-10"):
        mark_document(by=cast.users["enterprise_a"], mark=mark, name="late.pdf", data=PDF, now=TOO_LATE)
    mark.refresh_from_db()
    assert mark.state == MarkState.AWAITING
    assert not mark.document


def test_a_period_whose_deadline_has_passed_can_no_longer_be_marked(cast, outlet):
    with pytest.raises(MarkRefused, match="can no longer be marked"):
        _mark(cast, now=TOO_LATE, document=("通知.pdf", PDF))
    assert not DataMark.objects.exists()


# --- exceedances --------------------------------------------------------------------------------------------------

def test_no_exceedance_is_recorded_or_alerted_under_a_valid_mark(cast, so2):
    _mark(cast, document=("通知.pdf", PDF))
    so2([(START + k * H, 400.0) for k in range(8)])
    alerts_evaluate(now=START + 9 * H)
    assert not Exceedance.objects.exists()
    assert not Alert.objects.exists()
    # An hour just after the mark counts as usual.
    so2([(START + 8 * H, 400.0)])
    alerts_evaluate(now=START + 10 * H)
    assert list(Exceedance.objects.values_list("time", flat=True)) == [START + 8 * H]


def test_a_mark_made_after_the_values_were_judged_sets_their_exceedances_aside(cast, so2):
    so2([(START + k * H, 400.0) for k in range(3)])
    alerts_evaluate(now=START + 4 * H)
    assert Exceedance.objects.count() == 3
    _mark(cast, hours=2, now=START + 5 * H)
    alerts_evaluate(now=START + 6 * H)
    assert list(Exceedance.objects.values_list("time", flat=True)) == [START + 2 * H]


def test_after_reversion_the_covered_hours_are_judged_again_and_raise_the_alert(cast, so2):
    _mark(cast)
    so2([(START + k * H, 300.0 + k) for k in range(8)])
    alerts_evaluate(now=START + 9 * H)
    assert not Alert.objects.exists()
    marks_revert_overdue(now=TOO_LATE)
    alerts_evaluate(now=TOO_LATE + timedelta(minutes=1))
    assert Exceedance.objects.count() == 8
    alert = Alert.objects.get()
    assert alert.status == AlertStatus.ACTIVE
    assert alert.last_value == 307.0


def test_a_mark_the_bureau_revokes_counts_again_and_the_enterprise_is_told(cast, so2):
    mark = _mark(cast, document=("通知.pdf", PDF))
    so2([(START + k * H, 400.0) for k in range(2)])
    alerts_evaluate(now=START + 3 * H)
    assert not Exceedance.objects.exists()
    with pytest.raises(Exception, match="mark.revoke"):
        mark_revoke(by=cast.users["enterprise_a"], mark=mark, reason="撤回")
    mark_revoke(by=cast.users["bureau"], mark=mark, reason="现场核查未停产", now=START + 4 * H)
    alerts_evaluate(now=START + 5 * H)
    assert Exceedance.objects.count() == 2
    assert Notification.objects.get().user.username == "enterprise_a"


def test_a_device_mark_covers_only_that_devices_point(cast, outlet):
    from lanqing.monitoring.marks import marked_keys
    from lanqing.monitoring.models import Device, Point

    device = Device.objects.get(point__site=outlet)
    other = Point.objects.create(site=outlet, code="2", name="2#")
    mark_create(by=cast.users["enterprise_a"], site=outlet, device=device, kind="facility_stopped", reason="停运",
                starts_at=START, ends_at=START + 2 * H, now=START)
    keys = {(device.point_id, "hour", START), (other.id, "hour", START), (device.point_id, "hour", START + 2 * H)}
    assert marked_keys(keys) == {(device.point_id, "hour", START)}


# --- who may mark what ------------------------------------------------------------------------------------------------

def test_an_enterprise_cannot_mark_or_see_another_enterprises_outlet(cast, outlet, client):
    with pytest.raises(Http404):
        _mark(cast, site=cast.outlet_b)
    theirs = _mark(cast, site=cast.outlet_b, by="enterprise_b", document=("b.png", PNG))
    client.force_login(cast.users["enterprise_a"])
    assert client.get(reverse("marks:detail", args=[theirs.id])).status_code == 404
    assert client.get(reverse("marks:document_file", args=[theirs.id])).status_code == 404
    assert "乙公司焦炉烟囱" not in client.get(reverse("marks:list")).content.decode()
    form = client.get(reverse("marks:new")).content.decode()
    assert "甲公司焦炉烟囱" in form
    assert "乙公司焦炉烟囱" not in form
    response = client.post(reverse("marks:new"), {
        "site": cast.outlet_b.id, "kind": "maintenance", "reason": "冒充", "starts_at": "2025-06-20T08:00",
        "ends_at": "2025-06-20T16:00"})
    assert response.status_code == 400
    assert "Choose one of your own outlets." in response.content.decode()
    assert DataMark.objects.count() == 1


def test_the_bureau_sees_every_mark_and_exports_them_but_cannot_mark(cast, outlet, client):
    _mark(cast, document=("通知.pdf", PDF))
    _mark(cast, site=cast.outlet_b, by="enterprise_b")
    client.force_login(cast.users["bureau"])
    page = client.get(reverse("marks:list"), {"state": "awaiting"}).content.decode()
    assert "乙公司焦炉烟囱" in page
    assert "甲公司焦炉烟囱" not in page
    export = client.get(reverse("marks:list"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert {row[1] for row in rows[1:]} == {"甲公司焦炉烟囱", "乙公司焦炉烟囱"}
    assert client.get(reverse("marks:new")).status_code == 403


def test_the_enterprise_file_links_to_the_marks_of_that_enterprise_only(cast, outlet, client):
    _mark(cast, document=("通知.pdf", PDF))
    _mark(cast, site=cast.outlet_b, by="enterprise_b")
    client.force_login(cast.users["bureau"])
    file_page = client.get(reverse("org:enterprise", args=[cast.outlet_b.enterprise_id])).content.decode()
    link = f'{reverse("marks:list")}?enterprise={cast.outlet_b.enterprise_id}'
    assert link in file_page
    page = client.get(link).content.decode()
    assert "乙公司焦炉烟囱" in page
    assert "甲公司焦炉烟囱" not in page


# --- bad input -------------------------------------------------------------------------------------------------------

def _this_hour() -> datetime:
    from django.utils import timezone

    return timezone.localtime(timezone.now(), SHANGHAI).replace(minute=0, second=0, microsecond=0)


def _good(start: datetime | None = None) -> dict:
    """A form's good values: a period of today, whose document is not due yet."""
    start = start or _this_hour()
    return {"kind": "maintenance", "reason": "脱硫塔检修", "starts_at": f"{start:%Y-%m-%dT%H:%M}",
            "ends_at": f"{start + 8 * H:%Y-%m-%dT%H:%M}"}


@pytest.mark.parametrize(("change", "message"), [
    ({"ends_at": f"{_this_hour() - H:%Y-%m-%dT%H:%M}"}, "A mark ends after it starts."),
    ({"kind": ""}, "This field is required."),
    ({"kind": "holiday"}, "Select a valid choice."),
    ({"site": 999999}, "Choose one of your own outlets."),
    ({"starts_at": "yesterday"}, "Enter a valid date/time."),
    ({"reason": ""}, "This field is required."),
])
def test_bad_input_is_refused_with_its_reason_and_nothing_is_stored(cast, outlet, client, change, message):
    client.force_login(cast.users["enterprise_a"])
    response = client.post(reverse("marks:new"), {"site": outlet.id, **_good(), **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not DataMark.objects.exists()


def test_a_document_that_is_not_a_pdf_or_image_is_refused_by_its_content(cast, outlet, client):
    client.force_login(cast.users["enterprise_a"])
    renamed = SimpleUploadedFile("通知.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    response = client.post(reverse("marks:new"), {"site": outlet.id, **_good(), "document": renamed})
    assert response.status_code == 400
    assert "The file is not a PDF document or a JPEG or PNG image." in response.content.decode()
    assert not DataMark.objects.exists()
    mark = _mark(cast, starts_at=_this_hour(), now=_this_hour())
    empty = SimpleUploadedFile("empty.pdf", b"")
    response = client.post(reverse("marks:document", args=[mark.id]), {"document": empty})
    assert response.status_code == 400
    mark.refresh_from_db()
    assert mark.state == MarkState.AWAITING


def test_an_enterprise_marks_with_the_form_and_documents_later(cast, outlet, client):
    client.force_login(cast.users["enterprise_a"])
    start = _this_hour()
    response = client.post(reverse("marks:new"), {"site": outlet.id, **_good(start)})
    mark = DataMark.objects.get()
    assert response.status_code == 302
    assert mark.starts_at == start
    assert mark.state == MarkState.AWAITING
    response = client.post(reverse("marks:document", args=[mark.id]),
                           {"document": SimpleUploadedFile("照片.png", PNG)}, follow=True)
    assert "照片.png" in response.content.decode()
    mark.refresh_from_db()
    assert mark.state == MarkState.DOCUMENTED
    assert client.get(reverse("marks:document_file", args=[mark.id])).get("Content-Type") == "image/png"


# --- replacing the document ----------------------------------------------------------------------------------------

def test_a_wrong_document_is_replaced_before_the_deadline_and_the_replaced_file_is_kept(cast, outlet):
    mark = _mark(cast, document=("错传的发票.pdf", PDF))
    old_path = mark.document.name
    mark_document_replace(by=cast.users["enterprise_a"], mark=mark, name="检修通知.png", data=PNG, now=LAST_MINUTE)
    mark.refresh_from_db()
    assert (mark.state, mark.document_name, mark.document_type) == (MarkState.DOCUMENTED, "检修通知.png", "image/png")
    assert mark.document.read() == PNG
    assert mark.document.name != old_path
    step = DataMarkEvent.objects.get(mark=mark, kind="replaced")
    assert step.display_text == "The document 错传的发票.pdf was replaced by 检修通知.png; the replaced file is kept."
    assert (step.document.name, step.document_name) == (old_path, "错传的发票.pdf")
    assert step.document.storage.exists(old_path)
    assert step.document.read() == PDF
    from django.utils import translation

    with translation.override("zh-hans"):
        assert "错传的发票.pdf" in step.display_text
        assert "replaced" not in step.display_text
    # The mark still sets its hours aside after the deadline.
    assert marks_revert_overdue(now=TOO_LATE) == 0


def test_a_document_is_not_replaced_after_the_deadline(cast, outlet):
    mark = _mark(cast, document=("通知.pdf", PDF))
    with pytest.raises(MarkRefused, match="The document was due by 2025-07-10; it can no longer be replaced."):
        mark_document_replace(by=cast.users["enterprise_a"], mark=mark, name="新.png", data=PNG, now=TOO_LATE)
    mark.refresh_from_db()
    assert mark.document.read() == PDF
    assert not DataMarkEvent.objects.filter(kind="replaced").exists()


def test_only_a_documented_valid_mark_of_ones_own_has_its_document_replaced(cast, outlet):
    awaiting = _mark(cast)
    with pytest.raises(MarkRefused, match="Only a valid mark with its document"):
        mark_document_replace(by=cast.users["enterprise_a"], mark=awaiting, name="a.png", data=PNG, now=START)
    theirs = _mark(cast, site=cast.outlet_b, by="enterprise_b", document=("b.pdf", PDF))
    with pytest.raises((PermissionDenied, Http404)):
        mark_document_replace(by=cast.users["enterprise_a"], mark=theirs, name="a.png", data=PNG, now=START)
    with pytest.raises(PermissionDenied, match="mark.document"):
        mark_document_replace(by=cast.users["bureau"], mark=theirs, name="a.png", data=PNG, now=START)
    with pytest.raises(MarkRefused, match="not a PDF document"):
        mark_document_replace(by=cast.users["enterprise_b"], mark=theirs, name="a.pdf", data=b"<svg/>", now=START)
    theirs.refresh_from_db()
    assert theirs.document.read() == PDF


def test_a_replacement_racing_a_revocation_is_refused_once_the_mark_is_revoked(cast, outlet):
    mark = _mark(cast, document=("通知.pdf", PDF))
    seen_by_enterprise = DataMark.objects.get(id=mark.id)  # loaded while still documented
    mark_revoke(by=cast.users["bureau"], mark=mark, reason="现场核查未停产", now=START + H)
    with pytest.raises(MarkRefused, match="changed meanwhile"):
        mark_document_replace(by=cast.users["enterprise_a"], mark=seen_by_enterprise, name="新.png", data=PNG,
                              now=START + 2 * H)
    mark.refresh_from_db()
    assert mark.state == MarkState.REVOKED
    assert mark.document.read() == PDF
    assert not DataMarkEvent.objects.filter(kind="replaced").exists()


def test_the_enterprise_replaces_the_document_on_the_page_and_the_history_shows_both_files(cast, outlet, client):
    start = _this_hour()
    mark = _mark(cast, starts_at=start, now=start, document=("错传的发票.pdf", PDF))
    client.force_login(cast.users["enterprise_a"])
    page = client.get(reverse("marks:detail", args=[mark.id])).content.decode()
    assert 'data-testid="replace-form"' in page
    assert "Replace the document" in page
    refused = client.post(reverse("marks:document_replace", args=[mark.id]),
                          {"document": SimpleUploadedFile("x.pdf", b"<html>no</html>")})
    assert refused.status_code == 400
    assert "The file is not a PDF document or a JPEG or PNG image." in refused.content.decode()
    response = client.post(reverse("marks:document_replace", args=[mark.id]),
                           {"document": SimpleUploadedFile("检修通知.png", PNG)}, follow=True)
    page = response.content.decode()
    assert "The document was replaced; the replaced file is kept in the history." in page
    assert "The document 错传的发票.pdf was replaced by 检修通知.png; the replaced file is kept." in page
    step = DataMarkEvent.objects.get(mark=mark, kind="replaced")
    link = reverse("marks:replaced_file", args=[mark.id, step.id])
    assert link in page
    assert b"".join(client.get(link).streaming_content) == PDF
    assert b"".join(client.get(reverse("marks:document_file", args=[mark.id])).streaming_content) == PNG


@pytest.mark.parametrize("who", ["bureau", "township_a"])
def test_staff_see_the_replaced_file_but_are_not_offered_a_replacement(cast, outlet, client, who):
    start = _this_hour()
    mark = _mark(cast, starts_at=start, now=start, document=("错传的发票.pdf", PDF))
    mark_document_replace(by=cast.users["enterprise_a"], mark=mark, name="检修通知.png", data=PNG, now=start)
    client.force_login(cast.users[who])
    page = client.get(reverse("marks:detail", args=[mark.id])).content.decode()
    assert "错传的发票.pdf" in page
    assert 'data-testid="replace-form"' not in page
    assert "Replace the document" not in page
    response = client.post(reverse("marks:document_replace", args=[mark.id]),
                           {"document": SimpleUploadedFile("staff.png", PNG)})
    assert response.status_code == 403
    mark.refresh_from_db()
    assert mark.document_name == "检修通知.png"


def test_the_replace_button_is_gone_once_the_deadline_has_passed(cast, outlet, client):
    mark = _mark(cast, document=("通知.pdf", PDF))  # June 2025: its deadline is long past
    client.force_login(cast.users["enterprise_a"])
    page = client.get(reverse("marks:detail", args=[mark.id])).content.decode()
    assert 'data-testid="replace-form"' not in page
    response = client.post(reverse("marks:document_replace", args=[mark.id]),
                           {"document": SimpleUploadedFile("新.png", PNG)})
    assert response.status_code == 400
    assert "it can no longer be replaced" in response.content.decode()


# --- overlapping marks ---------------------------------------------------------------------------------------------

def _second_device(outlet):
    from lanqing.monitoring.models import Device, Point

    point = Point.objects.create(site=outlet, code="2", name="2#")
    return Device.objects.create(mn="MN-SECOND-DEVICE", point=point)


def _device_mark(cast, device, *, starts_at=START, hours=8):
    return mark_create(by=cast.users["enterprise_a"], site=device.point.site, device=device, kind="facility_stopped",
                       reason="停运", starts_at=starts_at, ends_at=starts_at + hours * H, now=START)


def test_a_mark_overlapping_a_whole_outlet_mark_is_refused_naming_its_period(cast, outlet):
    from lanqing.monitoring.models import Device

    _mark(cast)  # 08:00–16:00, the whole outlet
    device = Device.objects.get(point__site=outlet)
    message = ("The period overlaps the valid mark of this outlet from 2025-06-20 08:00 to 2025-06-20 16:00 "
               "(Maintenance); choose a period outside it.")
    with pytest.raises(MarkRefused) as refused:
        _mark(cast, starts_at=START + 7 * H)
    assert str(refused.value) == message
    with pytest.raises(MarkRefused, match="overlaps"):
        _device_mark(cast, device, starts_at=START - 2 * H, hours=3)
    assert DataMark.objects.count() == 1
    # Touching is not overlapping: the next mark may start when this one ends.
    _mark(cast, starts_at=START + 8 * H)
    assert DataMark.objects.count() == 2


def test_device_marks_overlap_only_on_the_same_device_or_a_whole_outlet_mark(cast, outlet):
    from lanqing.monitoring.models import Device

    first = Device.objects.get(point__site=outlet)
    second = _second_device(outlet)
    _device_mark(cast, first)
    _device_mark(cast, second, starts_at=START + H)  # another device of the outlet: allowed
    with pytest.raises(MarkRefused, match="overlaps"):
        _device_mark(cast, first, starts_at=START + 2 * H)
    with pytest.raises(MarkRefused, match="overlaps"):
        _mark(cast, starts_at=START + 3 * H)
    assert DataMark.objects.count() == 2
    # Another enterprise's outlet is another matter.
    _mark(cast, site=cast.outlet_b, by="enterprise_b")
    assert DataMark.objects.count() == 3


def test_a_reverted_or_revoked_mark_does_not_block_a_new_one(cast, outlet):
    reverted = _mark(cast)
    marks_revert_overdue(now=TOO_LATE)
    reverted.refresh_from_db()
    assert reverted.state == MarkState.REVERTED
    revoked = _mark(cast, now=START)
    mark_revoke(by=cast.users["bureau"], mark=revoked, reason="虚报停产", now=START + H)
    again = _mark(cast, now=START + 2 * H)
    assert again.is_valid
    assert DataMark.objects.filter(state__in=["awaiting", "documented"]).get() == again


def test_the_form_refuses_an_overlapping_mark_with_the_existing_period(cast, outlet, client):
    start = _this_hour()
    _mark(cast, starts_at=start, now=start)
    client.force_login(cast.users["enterprise_a"])
    response = client.post(reverse("marks:new"), {"site": outlet.id, **_good(start + 4 * H)})
    assert response.status_code == 400
    assert f"overlaps the valid mark of this outlet from {start:%Y-%m-%d %H:%M}" in response.content.decode()
    assert DataMark.objects.count() == 1
