"""A warning's life: issued with notices to the enterprises listed at its level and to their townships, changed
in level as a chain, lifted; bad times refused with nothing half-applied; each enterprise acknowledges its own."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation

from lanqing.notifications.models import Notification
from lanqing.org.access import Forbidden
from lanqing.texts import render
from lanqing.winter import lists
from lanqing.winter.models import PollutionWarning, WarningNotice
from lanqing.winter.warnings import (
    Document,
    WarningRefused,
    notice_acknowledge,
    warning_change_level,
    warning_issue,
    warning_lift,
)
from tests.winter.conftest import workbook

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2027, 1, 10, 20, 0, tzinfo=SHANGHAI)
DOC = Document(number="临重污染指〔2027〕3号", issuer="临汾市重污染天气应急指挥部")


@pytest.fixture
def season_list(cast, good_rows):
    result = lists.reduction_list_import(by=cast.users["bureau"], season="2026-2027", data=workbook(good_rows))
    assert result.reduction_list is not None
    return result.reduction_list


def _titles(user) -> list[str]:
    with translation.override("zh-hans"):
        return [render(n.title_text or n.title) for n in Notification.objects.filter(user=user).order_by("id")]


def test_a_yellow_warning_tells_only_the_enterprises_listed_at_yellow(cast, season_list):
    warning = warning_issue(by=cast.users["bureau"], level="yellow", starts_at=START, ends_at=None, document=DOC)
    assert warning.reduction_list == season_list
    assert [n.enterprise for n in warning.notices.all()] == [cast.enterprise_a]
    assert _titles(cast.users["enterprise_a"]) == ["已发布黄色（Ⅲ级）预警（临重污染指〔2027〕3号）"]
    assert _titles(cast.users["enterprise_b"]) == []
    assert len(_titles(cast.users["township_a"])) == 1
    assert _titles(cast.users["township_b"]) == []


def test_an_orange_warning_gives_each_township_the_list_of_its_own(cast, season_list):
    warning = warning_issue(by=cast.users["bureau"], level="orange", starts_at=START, ends_at=None, document=DOC)
    assert {n.enterprise for n in warning.notices.all()} == {cast.enterprise_a, cast.enterprise_b}
    body_b = Notification.objects.get(user=cast.users["township_b"]).body_text
    with translation.override("zh-hans"):
        assert render(body_b) == "本乡镇清单企业 1 家：乙焦化有限公司。"
    with translation.override("en"):
        assert render(Notification.objects.get(user=cast.users["enterprise_b"]).title_text) == (
            "Orange (Ⅱ) warning issued (临重污染指〔2027〕3号)")


def test_raising_and_lifting_make_a_chain_and_tell_the_new_levels_enterprises(cast, season_list):
    bureau = cast.users["bureau"]
    yellow = warning_issue(by=bureau, level="yellow", starts_at=START, ends_at=None, document=DOC)
    raised_at = START + timedelta(hours=30)
    orange = warning_change_level(by=bureau, warning=yellow, level="orange", at=raised_at,
                                  document=Document(number="临重污染指〔2027〕4号", issuer="指挥部"))
    yellow.refresh_from_db()
    assert (yellow.state, yellow.ends_at) == ("changed", raised_at)
    assert (orange.previous, orange.starts_at, orange.ends_at, orange.state) == (yellow, raised_at, None, "active")
    assert _titles(cast.users["enterprise_b"]) == ["预警升级为橙色（Ⅱ级）（临重污染指〔2027〕4号）"]
    with pytest.raises(WarningRefused):
        warning_lift(by=bureau, warning=orange, at=raised_at - timedelta(hours=1), document=DOC)
    lifted = warning_lift(by=bureau, warning=orange, at=raised_at + timedelta(days=2), document=DOC)
    assert (lifted.state, lifted.ends_at) == ("lifted", raised_at + timedelta(days=2))
    assert _titles(cast.users["enterprise_b"])[-1] == "已解除橙色（Ⅱ级）预警（临重污染指〔2027〕3号）"
    with pytest.raises(WarningRefused):
        warning_change_level(by=bureau, warning=yellow, level="red", at=START + timedelta(hours=1), document=DOC)


def test_bad_times_and_overlaps_are_refused_with_nothing_written(cast, season_list):
    bureau = cast.users["bureau"]
    with pytest.raises(WarningRefused):
        warning_issue(by=bureau, level="red", starts_at=START, ends_at=START - timedelta(hours=1), document=DOC)
    with pytest.raises(WarningRefused):
        warning_issue(by=bureau, level="red", starts_at=START.replace(tzinfo=None), ends_at=None, document=DOC)
    with pytest.raises(WarningRefused):
        warning_issue(by=bureau, level="red", starts_at=START, ends_at=None, document=Document("", ""))
    first = warning_issue(by=bureau, level="yellow", starts_at=START, ends_at=START + timedelta(days=3), document=DOC)
    with pytest.raises(WarningRefused) as refused:
        warning_issue(by=bureau, level="red", starts_at=START + timedelta(days=1), ends_at=None, document=DOC)
    with translation.override("en"):
        assert "already covers part of this time" in render(refused.value.reason)
    with pytest.raises(WarningRefused):  # no list for the season of 2030
        warning_issue(by=bureau, level="red", starts_at=START.replace(year=2030), ends_at=None, document=DOC)
    assert list(PollutionWarning.objects.all()) == [first]
    assert WarningNotice.objects.count() == 1
    after = warning_issue(by=bureau, level="red", starts_at=START + timedelta(days=3), ends_at=None, document=DOC)
    assert after.notices.count() == 1


def test_only_the_named_enterprise_acknowledges_and_others_do_not_see_the_notice(cast, season_list, client_for):
    warning = warning_issue(by=cast.users["bureau"], level="orange", starts_at=START, ends_at=None, document=DOC)
    notice_b = warning.notices.get(enterprise=cast.enterprise_b)
    with pytest.raises(Forbidden):
        notice_acknowledge(by=cast.users["township_b"], notice=notice_b)
    client = client_for(cast.users["enterprise_a"])
    page = client.get(reverse("winter:warnings")).content.decode()
    assert "临重污染指〔2027〕3号" in page
    assert "乙焦化有限公司" not in page
    assert client.post(reverse("winter:notice_acknowledge", kwargs={"notice_id": notice_b.id})).status_code == 404
    client = client_for(cast.users["enterprise_b"])
    response = client.post(reverse("winter:notice_acknowledge", kwargs={"notice_id": notice_b.id}))
    assert response.status_code == 302
    notice_b.refresh_from_db()
    assert notice_b.acknowledged_by == cast.users["enterprise_b"]
    detail = client_for(cast.users["township_a"]).get(reverse("winter:warning", kwargs={"warning_id": warning.id}))
    assert "甲焦化有限公司" in detail.content.decode()
    assert "乙焦化有限公司" not in detail.content.decode()


def test_the_bureau_issues_changes_and_lifts_on_the_pages(cast, season_list, client_for):
    client = client_for(cast.users["bureau"])
    form = {"level": "orange", "starts_at": "2027-01-10T20:00", "ends_at": "", "tolerance": "8", "document_number": DOC.number,
            "issuer": DOC.issuer, "document": "各企业按清单落实橙色预警减排措施"}
    response = client.post(reverse("winter:warning_issue"), form)
    warning = PollutionWarning.objects.get()
    assert response.status_code == 302
    assert (warning.starts_at, warning.tolerance) == (START, 8)
    response = client.post(reverse("winter:warning_change", kwargs={"warning_id": warning.id}),
                           {"level": "red", "at": "2027-01-11T08:00", "document_number": "4号", "issuer": "指挥部"})
    red = PollutionWarning.objects.get(previous=warning)
    assert red.level == "red"
    response = client.post(reverse("winter:warning_lift", kwargs={"warning_id": red.id}),
                           {"at": "2027-01-11T07:00", "document_number": "5号", "issuer": "指挥部"}, follow=True)
    assert "预警不能在开始" in response.content.decode()
    red.refresh_from_db()
    assert red.state == "active"
    client.post(reverse("winter:warning_lift", kwargs={"warning_id": red.id}),
                {"at": "2027-01-13T12:00", "document_number": "5号", "issuer": "指挥部"})
    red.refresh_from_db()
    assert red.state == "lifted"
