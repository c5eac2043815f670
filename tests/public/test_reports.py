"""A public report from the citizen's form through the bureau and the lead unit to the rating and the one
reopening, read back on the tracking page as the public sees it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.cases.conftest import PDF, PNG, TUESDAY
from tests.conftest import YUEYANG_VILLAGE
from tests.public.conftest import INSIDE, OUTSIDE, jpeg_with_gps

pytestmark = pytest.mark.django_db


def _form(**overrides):
    from lanqing.org.models import Jurisdiction

    data = {"category": "air", "description": "化工厂夜里冒黑烟，气味刺鼻", "observed_at": "2025-06-10T08:30",
            "division": str(Jurisdiction.objects.get(code=YUEYANG_VILLAGE).id), "longitude": INSIDE[0],
            "latitude": INSIDE[1], "name": "", "phone": "", "website": ""}
    data.update(overrides)
    return data


@pytest.fixture
def at_tuesday(monkeypatch):
    """Freeze "now" of the services to the fixed Tuesday, so the clocks are known."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: TUESDAY + timedelta(hours=1))


def _file(client, **overrides):
    photos = overrides.pop("photos", [])
    address = overrides.pop("address", "203.0.113.7")
    return client.post(reverse("public:report"), {**_form(**overrides), "photos": photos}, REMOTE_ADDR=address)


def _report():
    from lanqing.public.models import PublicReport

    return PublicReport.objects.select_related("case").get()


def test_a_citizen_files_without_signing_in_and_gets_a_tracking_code(public_setup, client, at_tuesday):
    assert client.get(reverse("public:report")).status_code == 200
    response = _file(client, name="张三", phone="13800000000",
                     photos=[SimpleUploadedFile("smoke.jpg", jpeg_with_gps(), content_type="image/jpeg")])
    report = _report()
    assert response.status_code == 302
    assert response["Location"] == f"/public/track/{report.code}/?new=1"
    assert len(report.code) == 12
    assert report.code.isalnum()
    page = client.get(response["Location"]).content.decode()
    assert report.code in page
    assert "待受理" in page
    case = report.case
    assert (case.source, case.state, case.category) == ("public_report", "draft", "complaint")
    assert case.lead_unit == public_setup.department  # routed by the matrix, waiting for the bureau
    assert report.accept_by.date().isoformat() == "2025-06-12"  # 2 working days after Tuesday
    assert report.contact.phone == "13800000000"


def test_photo_metadata_is_removed_before_storage(public_setup, client, at_tuesday):
    _file(client, photos=[SimpleUploadedFile("smoke.jpg", jpeg_with_gps(), content_type="image/jpeg")])
    evidence = _report().case.evidence.get()
    stored = evidence.file.read()
    assert b"GPSLatitude" not in stored
    assert b"HUAWEI" not in stored
    assert b"Zhang San" not in stored
    assert stored.startswith(b"\xff\xd8")
    assert b"\x12\x34\x56\x78" * 8 in stored
    assert stored.endswith(b"\xff\xd9")
    assert b"JFIF" in stored


@pytest.mark.parametrize(("overrides", "message"), [
    ({"description": ""}, "这个字段是必填项"),
    ({"description": "很" * 100_000}, "4000"),
    ({"longitude": OUTSIDE[0], "latitude": OUTSIDE[1]}, "县域以外"),
    ({"category": "radiation"}, "选择一个有效的选项"),
    ({"division": "", "longitude": "", "latitude": ""}, "点击地图"),
    ({"observed_at": "2031-01-01T00:00"}, "未来"),
    ({"phone": "call me"}, "电话号码"),
    ({"photos": [SimpleUploadedFile("photo.jpg", PDF)]}, "不是 JPEG 或 PNG 照片"),
    ({"photos": [SimpleUploadedFile("x.png", b"<svg onload=alert(1)></svg>")]}, "不是 JPEG 或 PNG 照片"),
    ({"photos": [SimpleUploadedFile(f"{n}.png", PNG) for n in range(6)]}, "最多"),
])
def test_bad_input_is_refused_with_a_reason_and_nothing_is_stored(public_setup, client, at_tuesday, overrides,
                                                                  message):
    from lanqing.cases.models import Case, Evidence
    from lanqing.public.models import PublicReport

    response = _file(client, **overrides)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert (PublicReport.objects.count(), Case.objects.count(), Evidence.objects.count()) == (0, 0, 0)


def test_a_photo_over_the_size_limit_is_refused(public_setup, client, at_tuesday, settings):
    from lanqing.public.models import PublicReport

    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.jpg", jpeg_with_gps() + b"\x00" * (2 * 1024 * 1024))
    response = _file(client, photos=[big])
    assert response.status_code == 400
    assert "1 MB" in response.content.decode()
    assert not PublicReport.objects.exists()


def test_the_honeypot_field_refuses_a_program(public_setup, client, at_tuesday):
    from lanqing.public.models import PublicReport

    assert _file(client, website="http://spam.example").status_code == 400
    assert not PublicReport.objects.exists()


def test_reports_are_rate_limited_per_address_and_per_phone(public_setup, client, at_tuesday):
    from lanqing.public.models import PublicReport

    for _ in range(5):
        assert _file(client).status_code == 302
    refused = _file(client)
    assert refused.status_code == 429
    assert "稍后" in refused.content.decode()
    assert _file(client, address="198.51.100.1").status_code == 302  # another network is not held back
    for n in range(3):
        assert _file(client, phone="13900000000", address=f"192.0.2.{n}").status_code == 302
    assert _file(client, phone="13900000000", address="192.0.2.99").status_code == 429
    assert PublicReport.objects.count() == 9


def test_guessing_tracking_codes_is_rate_limited(public_setup, client, at_tuesday):
    _file(client)
    code = _report().code
    for n in range(20):
        assert client.get(reverse("public:lookup"), {"code": f"AAAA{n:08d}"}).status_code == 404
    assert client.get(reverse("public:lookup"), {"code": "ZZZZZZZZZZZZ"}).status_code == 429
    assert client.get(reverse("public:track", args=[code])).status_code == 429  # even the right one, for a while
    assert client.get(reverse("public:track", args=[code]), REMOTE_ADDR="198.51.100.5").status_code == 200


def test_the_form_keeps_its_csrf_check(public_setup, at_tuesday):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("public:report"), _form()).status_code == 403


def test_from_report_to_rating_and_one_reopening_through_every_role(public_setup, client, client_for, at_tuesday):
    from django.contrib.auth import get_user_model

    from lanqing.cases.transitions import case_accept, case_close, case_submit
    from lanqing.public.services import report_accept, report_reply

    users = public_setup.users
    get_user_model().objects.filter(username="bureau").update(first_name="王", last_name="科长")
    _file(client, name="张三", phone="13800000000")
    report = _report()
    track = reverse("public:track", args=[report.code])
    report_accept(report=report, by=users["bureau"])
    case = report.case
    case.refresh_from_db()
    assert case.state == "dispatched"
    assert case.lead_unit == public_setup.department
    assert case.deadline_at.date().isoformat() == "2025-07-10"  # 30 days, a Thursday
    report_reply(report=report, by=users["department"], text="已派执法人员赴现场核查", public=True)
    report_reply(report=report, by=users["department"], text="内部：该厂法人与局领导熟识", public=False)
    page = client.get(track).content.decode()
    assert "受理中" in page
    assert "2025-07-10" in page
    assert "已派执法人员赴现场核查" in page
    for secret in ("内部", "王", "科长", public_setup.department.name, "张三", "13800000000", case.number):
        assert secret not in page, secret
    case_accept(case=case, by=users["department"])
    case_submit(case=case, by=users["department"], text="已责令停产整改")
    case_close(case=case, by=users["bureau"])
    page = client.get(track).content.decode()
    assert "已办结" in page
    assert "已责令停产整改" not in page
    response = client.post(reverse("public:rate", args=[report.code]), {"rating": "2", "note": "仍有异味"})
    assert response.status_code == 302
    assert client.post(reverse("public:rate", args=[report.code]), {"rating": "5"}).status_code == 400
    assert client.post(reverse("public:reopen", args=[report.code]), {"reason": "晚上又冒烟了"}).status_code == 302
    case.refresh_from_db()
    assert case.state == "in_progress"
    assert case.events.filter(action="reporter_reopened").exists()
    page = client.get(track).content.decode()
    assert "重新办理" in page
    assert "晚上又冒烟了" in page
    case_submit(case=case, by=users["department"], text="再次整改")
    case_close(case=case, by=users["bureau"])
    again = client.post(reverse("public:reopen", args=[report.code]), {"reason": "还是有烟"})
    assert again.status_code == 400
    assert "只能重新办理一次" in again.content.decode()
    staff = client_for(users["bureau"]).get(reverse("complaints:detail", args=[report.id])).content.decode()
    assert "13800000000" in staff
    assert "仍有异味" in staff
    assert "内部：该厂法人与局领导熟识" in staff


def test_a_refusal_tells_the_reporter_why(public_setup, client, client_for, at_tuesday):
    _file(client)
    report = _report()
    bureau = client_for(public_setup.users["bureau"])
    missing = bureau.post(reverse("complaints:refuse", args=[report.id]), {"reason": "not_our_remit", "note": ""})
    assert missing.status_code == 400
    assert "告知举报人" in missing.content.decode()
    response = bureau.post(reverse("complaints:refuse", args=[report.id]),
                           {"reason": "not_our_remit", "note": "噪声扰民请向县公安局反映"})
    assert response.status_code == 302
    client.logout()
    page = client.get(reverse("public:track", args=[report.code])).content.decode()
    assert "不予受理" in page
    assert "不属于生态环境部门职责范围" in page
    assert "县公安局" in page
    report.case.refresh_from_db()
    assert report.case.state == "closed"


def test_the_reporter_contact_is_read_only_by_the_bureau_and_the_handlers(public_setup, client, client_for,
                                                                          at_tuesday):
    _file(client, name="张三", phone="13800000000")
    report = _report()
    url = reverse("complaints:detail", args=[report.id])
    for role in ("bureau", "department", "township_a"):
        assert "13800000000" in client_for(public_setup.users[role]).get(url).content.decode(), role
    leader = client_for(public_setup.users["leader"]).get(url).content.decode()
    assert "13800000000" not in leader
    assert "张三" not in leader
    assert "保密" in leader
    for role in ("enterprise_a", "township_b"):
        assert client_for(public_setup.users[role]).get(url).status_code == 404, role


def test_reports_of_one_place_and_kind_are_linked_as_probable_duplicates(public_setup, client, client_for,
                                                                         at_tuesday):
    from lanqing.public.models import PublicReport

    _file(client)
    _file(client, longitude="111.922000", latitude="36.271000")  # about 200 m away
    _file(client, category="noise")
    _file(client, longitude="112.050000", latitude="36.300000", division="")  # about 15 km away
    first, second, noise, far = PublicReport.objects.order_by("id")
    assert set(second.probable_duplicates.all()) == {first}
    assert set(first.probable_duplicates.all()) == {second}
    assert not noise.probable_duplicates.exists()
    assert not far.probable_duplicates.exists()
    page = client_for(public_setup.users["bureau"]).get(reverse("complaints:detail", args=[first.id]))
    assert reverse("complaints:detail", args=[second.id]) in page.content.decode()


def test_public_pages_need_no_login_and_show_chinese_first(public_setup, client):
    for name in ("public:home", "public:report", "public:county_map"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
    page = client.get(reverse("public:report")).content.decode()
    assert "大气" in page
    assert "固体废物" in page
    assert "匿名" in page
    boundary = json.loads(b"".join(client.get(reverse("public:county_map")).streaming_content))
    assert boundary["type"] == "FeatureCollection"


def test_the_bureau_hides_and_redacts_a_report_with_a_reason_and_each_step_is_recorded(public_setup, client,
                                                                                       client_for, at_tuesday):
    from lanqing.public.models import ReportModeration

    _file(client, description="隔壁老王家的厂子排污，老王电话13912345678")
    report = _report()
    bureau = client_for(public_setup.users["bureau"])
    url = reverse("complaints:moderate", args=[report.id])
    assert bureau.post(url, {"kind": "redact", "reason": "", "text": "x"}).status_code == 400
    assert bureau.post(url, {"kind": "redact", "reason": "删除第三人电话",
                             "text": "隔壁工厂排污"}).status_code == 302
    assert bureau.post(url, {"kind": "hide", "reason": "经核实为恶意举报"}).status_code == 302
    report.refresh_from_db()
    assert report.description == "隔壁工厂排污"
    assert report.hidden
    assert list(ReportModeration.objects.values_list("kind", "reason")) == [
        ("hide", "经核实为恶意举报"), ("redact", "删除第三人电话")]
    assert "13912345678" in ReportModeration.objects.get(kind="redact").before
    assert reverse("complaints:detail", args=[report.id]) not in bureau.get(reverse("complaints:list")).content.decode()
    listed = bureau.get(reverse("complaints:list"), {"hidden": "1"}).content.decode()
    assert reverse("complaints:detail", args=[report.id]) in listed
    department = client_for(public_setup.users["department"])
    assert department.post(url, {"kind": "show", "reason": "x"}).status_code == 403


def test_a_report_not_decided_in_two_working_days_is_told_to_the_bureau_once(public_setup, client, at_tuesday):
    from lanqing.notifications.models import Notification
    from lanqing.public.services import reports_acceptance_check

    _file(client)
    report = _report()
    assert reports_acceptance_check(now=TUESDAY + timedelta(days=2)) == 0  # Thursday: still in time
    assert reports_acceptance_check(now=TUESDAY + timedelta(days=3)) == 1  # Friday: the 2 working days passed
    assert reports_acceptance_check(now=TUESDAY + timedelta(days=4)) == 0
    assert report.case.events.filter(action="acceptance_overdue").count() == 1
    told = Notification.objects.filter(user=public_setup.users["bureau"], title_text__key="Public report of case %(number)s was not accepted or refused by %(date)s")
    assert told.count() == 1
    assert "acceptance_overdue" not in client.get(reverse("public:track", args=[report.code])).content.decode()


def test_an_extension_reaches_the_reporter_only_once_approved(public_setup, client, at_tuesday):
    from lanqing.cases.transitions import case_extension_decide, case_extension_request
    from lanqing.public.services import report_accept

    _file(client)
    report = _report()
    report_accept(report=report, by=public_setup.users["bureau"])
    case = report.case
    case.refresh_from_db()
    extension = case_extension_request(case=case, by=public_setup.users["department"],
                                       new_deadline=case.deadline_at + timedelta(days=30), reason="需要第三方检测")
    track = reverse("public:track", args=[report.code])
    page = client.get(track).content.decode()
    assert "2025-07-10" in page
    assert "已延期" not in page
    case_extension_decide(extension=extension, by=public_setup.users["bureau"], approve=True)
    page = client.get(track).content.decode()
    assert "2025-08-09" in page
    assert "已延期" in page
    assert "第三方检测" not in page


def test_the_case_page_links_to_its_public_report_for_those_who_may_read_it(public_setup, client, client_for,
                                                                             at_tuesday):
    from lanqing.cases.models import Case
    from lanqing.public.services import report_accept

    _file(client, phone="13800000000")
    report = _report()
    report_accept(report=report, by=public_setup.users["bureau"])
    # The bureau named the reported enterprise as the one to rectify: it now sees the case, never the report.
    Case.objects.filter(id=report.case_id).update(enterprise=public_setup.enterprise_a)
    case_page = reverse("cases:detail", args=[report.case_id])
    for role in ("bureau", "department", "leader"):
        staff = client_for(public_setup.users[role])
        page = staff.get(case_page).content.decode()
        link = reverse("complaints:detail", kwargs={"complaint_id": report.id})
        assert f'href="{link}" data-testid="case-origin-complaint"' in page, role
        assert report.code in page, role
        opened = staff.get(link)
        assert opened.status_code == 200, role
        assert "化工厂夜里冒黑烟" in opened.content.decode(), role
    enterprise = client_for(public_setup.users["enterprise_a"])
    page = enterprise.get(case_page)
    assert page.status_code == 200
    assert "case-origin-complaint" not in page.content.decode()
    assert report.code not in page.content.decode()
    assert enterprise.get(reverse("complaints:detail", args=[report.id])).status_code == 404


def test_the_tracking_page_shows_each_change_at_once_in_the_readers_language(public_setup, client, at_tuesday):
    """The page's facts are kept between requests; a reply, a decision and the language each show at once."""
    from lanqing.public.services import report_accept, report_reply

    _file(client)
    report = _report()
    track = reverse("public:track", args=[report.code])
    for _ in range(2):
        assert "待受理" in client.get(track).content.decode()
    report_accept(report=report, by=public_setup.users["bureau"])
    page = client.get(track).content.decode()
    assert "受理中" in page
    assert "待受理" not in page
    report_reply(report=report, by=public_setup.users["department"], text="已到现场", public=True)
    assert "已到现场" in client.get(track).content.decode()
    report_reply(report=report, by=public_setup.users["department"], text="内部备注", public=False)
    assert "内部备注" not in client.get(track).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(track).content.decode()
    assert "Accepted, being handled" in english
    assert "受理中" not in english
