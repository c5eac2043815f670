"""Spot checks from the dispatch page: a violation opens a case routed to the enterprise and its township, the
check keeps it and its photos; a compliant finding opens nothing; bad input writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse

from lanqing.cases.models import Case
from lanqing.winter.inspections import CheckRefused, spot_check_record
from lanqing.winter.models import SpotCheck
from tests.cases.conftest import PNG
from tests.winter.conftest import END, START

CHECKED = START + timedelta(hours=3)  # 11:00 local on 20 November


def _post(client, warning, notice, **fields):
    data = {"notice": notice.id, "checked_at": "2026-11-20T11:00", "result": "violation",
            "description": "焦炉未闷炉，烟囱仍在冒烟", **fields}
    return client.post(reverse("winter:check_record", kwargs={"warning_id": warning.id}), data, follow=True)


def test_a_violation_found_on_the_dispatch_page_opens_a_case_for_the_enterprise_and_its_township(
        cast, episode, client_for):
    from lanqing.cases.models import ResponsibilityRule

    # The county's matrix sends inspection findings to the bureau, as the demo's does.
    ResponsibilityRule.objects.create(category="inspection", lead_unit=cast.bureau_unit)
    notice_b = episode.notices.get(enterprise=cast.enterprise_b)
    officer = client_for(cast.users["township_b"])
    page = _post(officer, episode, notice_b, photos=[SimpleUploadedFile("smoke.png", PNG),
                                                     SimpleUploadedFile("gate.png", PNG)])
    check = SpotCheck.objects.get()
    assert check.case is not None
    assert "已立案" in page.content.decode() or check.case.number in page.content.decode()
    assert (check.enterprise, check.compliant, check.checked_at) == (cast.enterprise_b, False, CHECKED)
    assert check.photos.count() == 2
    case = Case.objects.get()
    assert (case.category, case.source, case.enterprise, case.township, case.lead_unit, case.state) == (
        "inspection", "inspection", cast.enterprise_b, cast.beiping, cast.bureau_unit, "dispatched")
    assert "乙焦化有限公司在橙色（Ⅱ级）预警期间未落实减排措施" in case.display_title
    assert "焦炉未闷炉，烟囱仍在冒烟" in case.display_description
    # The check and its photos stay on the dispatch page; the enterprise answers the case.
    dispatch_page = officer.get(reverse("winter:dispatch", kwargs={"warning_id": episode.id})).content.decode()
    assert case.number in dispatch_page
    photo = check.photos.first()
    assert photo is not None
    download = officer.get(reverse("winter:check_photo", kwargs={"photo_id": photo.id}))
    assert b"".join(download.streaming_content) == PNG
    enterprise_page = client_for(cast.users["enterprise_b"]).get(reverse("cases:detail", kwargs={"case_id": case.id}))
    assert enterprise_page.status_code == 200


def test_a_compliant_check_is_kept_without_a_case(cast, episode, client_for):
    notice_a = episode.notices.get(enterprise=cast.enterprise_a)
    _post(client_for(cast.users["grid_a"]), episode, notice_a, result="compliant", description="")
    check = SpotCheck.objects.get()
    assert (check.compliant, check.case) == (True, None)
    assert not Case.objects.exists()


def test_an_officer_cannot_check_another_townships_enterprise(cast, episode):
    notice_b = episode.notices.get(enterprise=cast.enterprise_b)
    with pytest.raises(Http404):
        spot_check_record(by=cast.users["township_a"], notice=notice_b, checked_at=CHECKED, compliant=False,
                          description="越权检查", now=END)
    assert not SpotCheck.objects.exists()


@pytest.mark.parametrize(("fields", "reason"), [
    ({"description": ""}, "Describe the violation."),
    ({"checked_at": START - timedelta(hours=1)}, "The check must fall within the warning's time."),
    ({"checked_at": END}, "The check must fall within the warning's time."),
    ({"photos": [SimpleUploadedFile("report.pdf", b"%PDF-1.4 not a photo")]}, "Attach photos (JPEG or PNG) only."),
])
def test_bad_input_is_refused_and_writes_nothing(cast, episode, fields, reason):
    notice_b = episode.notices.get(enterprise=cast.enterprise_b)
    given = {"checked_at": CHECKED, "description": "未闷炉", "photos": (), **fields}
    with pytest.raises(CheckRefused) as refused:
        spot_check_record(by=cast.users["bureau"], notice=notice_b, compliant=False, now=END, **given)
    assert refused.value.reason["key"] == reason
    assert not SpotCheck.objects.exists()
    assert not Case.objects.exists()
