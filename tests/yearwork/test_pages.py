"""Key-task pages: who sees which task, who reports, and what a report changes."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cases.conftest import PNG


def test_the_township_reports_a_milestone_with_a_photo_and_the_completion_moves(year, client_for):
    from lanqing.yearwork.models import Milestone, ReportFile, Task

    client = client_for(year.users["township_b"])
    first = Milestone.objects.get(title="完成修复方案")
    area = year.mine.targets.get(description="修复面积")
    response = client.post(f"/yearwork/tasks/{year.mine.id}/report/", {
        "text": "修复方案已经县政府常务会审定", "milestone": first.id, "target": area.id, "achieved": "60",
        "files": [SimpleUploadedFile("现场.png", PNG, content_type="image/png")]})
    assert response.status_code == 302
    task = Task.objects.get(id=year.mine.id)
    # Milestones 1/2 = 0.5; targets (60/120 + 0) / 2 = 0.25; completion (0.5 + 0.25) / 2 = 0.375.
    # Reported today, long after the 2020 deadline: still behind schedule until everything is reached.
    assert str(task.completion) == "0.3750"
    assert task.status == "overdue"
    stored = ReportFile.objects.get()
    assert stored.kind == "photo"
    assert stored.report.township == year.beiping
    page = client.get(f"/yearwork/tasks/{year.mine.id}/").content.decode()
    assert "37%" in page
    assert "现场.png" in page
    assert client.get(f"/yearwork/files/{stored.id}/").status_code == 200


def test_a_report_with_a_file_that_is_not_a_photo_keeps_nothing(year, client_for):
    from lanqing.yearwork.models import ProgressReport

    client = client_for(year.users["other_department"])
    response = client.post(f"/yearwork/tasks/{year.mine.id}/report/", {
        "text": "已完成", "files": [SimpleUploadedFile("a.png", b"MZ not a picture")]})
    assert response.status_code == 400
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(("role", "sees"), [
    ("bureau", {"北平镇历史遗留矿山生态修复", "全县建筑工地扬尘治理"}),
    ("leader", {"北平镇历史遗留矿山生态修复", "全县建筑工地扬尘治理"}),
    ("township_a", {"全县建筑工地扬尘治理"}),
    ("township_b", {"北平镇历史遗留矿山生态修复", "全县建筑工地扬尘治理"}),
    ("department", {"全县建筑工地扬尘治理"}),
    ("supporter", {"北平镇历史遗留矿山生态修复"}),
])
def test_each_role_lists_only_the_tasks_of_its_scope(year, client_for, role, sees):
    from lanqing.yearwork import selectors

    assert {t.title for t in selectors.tasks_visible_to(year.users[role])} == sees
    page = client_for(year.users[role]).get("/yearwork/").content.decode()
    for title in {"北平镇历史遗留矿山生态修复", "全县建筑工地扬尘治理"}:
        assert (title in page) == (title in sees), (role, title)


def test_a_task_of_two_townships_is_listed_once(year, client_for):
    page = client_for(year.users["bureau"]).get("/yearwork/").content.decode()
    assert page.count("全县建筑工地扬尘治理") == 1


def test_the_bureau_creates_a_plan_with_its_source(year, client_for):
    from lanqing.yearwork.models import Plan

    response = client_for(year.users["bureau"]).post("/yearwork/plans/", {
        "year": 2021, "title": "2021年重点工作", "jurisdiction": year.county.id, "meeting": "全县环保工作会议",
        "meeting_date": "2021-02-26", "document_number": "古环发〔2021〕3号"})
    plan = Plan.objects.get(year=2021)
    assert response.status_code == 302
    assert plan.document_number == "古环发〔2021〕3号"


def test_the_api_lists_the_tasks_of_the_callers_scope_with_their_progress(year, client_for):
    client = client_for(year.users["township_a"])
    body = client.get("/api/v1/yearwork/tasks", {"year": 2020}).json()
    assert [item["title"] for item in body["items"]] == ["全县建筑工地扬尘治理"]
    assert body["items"][0]["status"] == "not_started"
    assert client.get(f"/api/v1/yearwork/tasks/{year.mine.id}").status_code == 404
