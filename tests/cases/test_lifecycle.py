"""A case from inspection to sign-off across roles, and the refusals that keep it consistent."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lanqing.cases.models import Case, CaseEvent, CaseState, Evidence
from lanqing.cases.transitions import (
    CaseError,
    case_accept,
    case_close,
    case_dispatch,
    case_extension_decide,
    case_extension_request,
    case_open,
    case_reopen,
    case_return,
    case_start,
    case_submit,
)
from lanqing.notifications.models import Notification
from tests.cases.conftest import PDF, PNG, TUESDAY


def _fresh(case):
    return Case.objects.get(id=case.id)


def _in_progress(case, users):
    case_accept(case=case, by=users["department"], now=TUESDAY)
    case_start(case=case, by=users["township_a"], now=TUESDAY)
    return case


def test_a_case_goes_from_inspection_through_return_to_sign_off(supervision, inspection_case):
    users = supervision.users
    case = inspection_case
    assert case.state == CaseState.DISPATCHED
    assert case.lead_unit == supervision.department
    assert list(case.support_units.all()) == [supervision.bureau_unit]
    assert case.township == supervision.yueyang
    assert case.enterprise == supervision.enterprise_a
    assert case.deadline_at.date().isoformat() == "2025-06-17"  # 5 working days after Tuesday 10 June

    case_accept(case=case, by=users["department"], now=TUESDAY + timedelta(hours=1))
    case_start(case=case, by=users["department"], now=TUESDAY + timedelta(hours=2))
    case_submit(case=case, by=users["enterprise_a"], text="已停炉检修，更换脱硫喷嘴",
                files=[SimpleUploadedFile("after.png", PNG), SimpleUploadedFile("report.pdf", PDF)],
                now=TUESDAY + timedelta(days=1))
    assert Evidence.objects.filter(case=case).count() == 2
    case_return(case=case, by=users["bureau"], reason="缺少整改后监测报告", now=TUESDAY + timedelta(days=2))
    case_submit(case=case, by=users["enterprise_a"], text="补充监测报告", files=[SimpleUploadedFile("m.pdf", PDF)],
                now=TUESDAY + timedelta(days=3))
    case_close(case=case, by=users["bureau"], note="现场核查合格", now=TUESDAY + timedelta(days=3, hours=2))

    case = _fresh(case)
    assert case.state == CaseState.CLOSED
    assert case.closed_at is not None
    steps = list(case.events.values_list("action", "actor__username", "to_state"))
    assert steps == [
        ("opened", "bureau", ""), ("dispatched", None, "dispatched"), ("accepted", "department", "accepted"),
        ("started", "department", "in_progress"), ("submitted", "enterprise_a", "submitted"),
        ("returned", "bureau", "returned"), ("submitted", "enterprise_a", "submitted"),
        ("closed", "bureau", "closed"),
    ]
    assert case.events.get(action="returned").note == "缺少整改后监测报告"
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert {"department", "township_a", "enterprise_a", "bureau"} <= told
    assert not told & {"township_b", "enterprise_b", "other_department"}


def test_an_action_not_allowed_in_the_current_state_is_refused_and_changes_nothing(supervision, inspection_case):
    with pytest.raises(CaseError, match="not possible"):
        case_close(case=inspection_case, by=supervision.users["bureau"], now=TUESDAY)
    assert _fresh(inspection_case).state == CaseState.DISPATCHED
    assert not CaseEvent.objects.filter(action="closed").exists()


@pytest.mark.parametrize("who", ["enterprise_a", "department", "township_a", "leader"])
def test_only_the_bureau_may_verify_and_close(supervision, inspection_case, who):
    users = supervision.users
    _in_progress(inspection_case, users)
    case_submit(case=inspection_case, by=users["enterprise_a"], text="done", now=TUESDAY)
    with pytest.raises(CaseError):
        case_close(case=inspection_case, by=users[who], now=TUESDAY)
    assert _fresh(inspection_case).state == CaseState.SUBMITTED


def test_a_department_that_does_not_lead_the_case_cannot_accept_it(supervision, inspection_case):
    with pytest.raises(CaseError):
        case_accept(case=inspection_case, by=supervision.users["other_department"], now=TUESDAY)
    assert _fresh(inspection_case).state == CaseState.DISPATCHED


def test_of_two_users_closing_the_same_case_at_once_one_wins_and_the_other_is_told(supervision, inspection_case):
    users = supervision.users
    _in_progress(inspection_case, users)
    case_submit(case=inspection_case, by=users["enterprise_a"], text="done", now=TUESDAY)
    seen_by_first, seen_by_second = _fresh(inspection_case), _fresh(inspection_case)
    case_close(case=seen_by_first, by=users["bureau"], now=TUESDAY)
    with pytest.raises(CaseError, match="Someone else"):
        case_return(case=seen_by_second, by=users["bureau"], reason="late", now=TUESDAY)
    assert _fresh(inspection_case).state == CaseState.CLOSED
    assert inspection_case.events.filter(action__in=["closed", "returned"]).count() == 1


def test_a_disguised_upload_is_refused_and_the_case_stays_as_it_was(supervision, inspection_case):
    _in_progress(inspection_case, supervision.users)
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 this is a program", content_type="image/jpeg")
    with pytest.raises(CaseError, match="photo.jpg"):
        case_submit(case=inspection_case, by=supervision.users["enterprise_a"], text="done",
                    files=[SimpleUploadedFile("ok.png", PNG), fake], now=TUESDAY)
    assert _fresh(inspection_case).state == CaseState.IN_PROGRESS
    assert not Evidence.objects.exists()


def test_an_oversized_upload_is_refused(supervision, inspection_case, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    _in_progress(inspection_case, supervision.users)
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * 2048)
    with pytest.raises(CaseError, match="big.pdf"):
        case_submit(case=inspection_case, by=supervision.users["enterprise_a"], text="done", files=[big],
                    now=TUESDAY)
    assert _fresh(inspection_case).state == CaseState.IN_PROGRESS


def test_a_rectification_report_without_text_is_refused(supervision, inspection_case):
    _in_progress(inspection_case, supervision.users)
    with pytest.raises(CaseError):
        case_submit(case=inspection_case, by=supervision.users["enterprise_a"], text="  ", now=TUESDAY)


def test_a_deadline_in_the_past_is_refused(supervision):
    case = case_open(title="无人认领", category="other", source="manual", by=supervision.users["bureau"],
                     jurisdiction=supervision.beiping, now=TUESDAY)
    assert case.state == CaseState.DRAFT
    with pytest.raises(CaseError, match="future"):
        case_dispatch(case=case, by=supervision.users["bureau"], unit=supervision.department,
                      deadline=TUESDAY - timedelta(days=1), now=TUESDAY)
    assert _fresh(case).state == CaseState.DRAFT


def test_an_approved_extension_moves_the_deadline_and_a_second_request_waits(supervision, inspection_case):
    users = supervision.users
    old = inspection_case.deadline_at
    with pytest.raises(CaseError):
        case_extension_request(case=inspection_case, by=users["department"], new_deadline=TUESDAY - timedelta(1),
                               reason="x", now=TUESDAY)
    extension = case_extension_request(case=inspection_case, by=users["department"],
                                       new_deadline=old + timedelta(days=10), reason="设备到货需两周", now=TUESDAY)
    with pytest.raises(CaseError, match="already waiting"):
        case_extension_request(case=inspection_case, by=users["enterprise_a"],
                               new_deadline=old + timedelta(days=5), reason="again", now=TUESDAY)
    with pytest.raises(CaseError):
        case_extension_decide(extension=extension, by=users["department"], approve=True, now=TUESDAY)
    case_extension_decide(extension=extension, by=users["bureau"], approve=True, now=TUESDAY)
    assert _fresh(inspection_case).deadline_at == old + timedelta(days=10)
    with pytest.raises(CaseError, match="already been decided"):
        case_extension_decide(extension=extension, by=users["bureau"], approve=False, now=TUESDAY)


def test_a_closed_case_can_be_reopened_by_the_bureau_with_a_new_deadline(supervision, inspection_case):
    users = supervision.users
    _in_progress(inspection_case, users)
    case_submit(case=inspection_case, by=users["enterprise_a"], text="done", now=TUESDAY)
    case_close(case=inspection_case, by=users["bureau"], now=TUESDAY)
    later = TUESDAY + timedelta(days=30)
    with pytest.raises(CaseError):
        case_reopen(case=inspection_case, by=users["bureau"], reason="", now=later)
    case_reopen(case=inspection_case, by=users["bureau"], reason="群众再次投诉", now=later)
    case = _fresh(inspection_case)
    assert case.state == CaseState.IN_PROGRESS
    assert case.closed_at is None
    assert case.deadline_at > later
