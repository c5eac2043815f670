"""The task list from the offices' Excel layout: row-level problems, nothing half-written, a lossless round trip."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

HEADER = ["序号", "任务", "牵头单位", "配合单位", "责任乡镇", "完成时限", "目标", "节点"]


def workbook(*rows, header=HEADER, title="2020年重点任务") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD = (3, "岳阳镇散煤清洁取暖改造", "古县住房和城乡建设管理局", "自然资源局", "岳阳镇、北平镇", "2020-10-31",
        "完成清洁取暖改造 3000户；编制实施方案", "2020-06-30 完成入户摸底；2020-10-31 完成改造")


def test_a_good_list_writes_its_tasks(year):
    from lanqing.yearwork.models import Task
    from lanqing.yearwork.task_table import tasks_import

    record = tasks_import(plan=year.plan, by=year.users["bureau"], data=workbook(GOOD), file_name="tasks.xlsx")
    assert record.errors == []
    assert record.task_count == 1
    task = Task.objects.get(number=3)
    assert task.lead_unit == year.department
    assert list(task.support_units.all()) == [year.lead]
    assert set(task.townships.all()) == {year.yueyang, year.beiping}
    assert [(t.description, t.planned, t.unit) for t in task.targets.all()] == [
        ("完成清洁取暖改造", 3000, "户"), ("编制实施方案", None, "")]
    assert [m.title for m in task.milestones.all()] == ["完成入户摸底", "完成改造"]


def test_bad_rows_are_named_by_sheet_row_and_column_and_nothing_is_written(year):
    from lanqing import texts
    from lanqing.yearwork.models import Task
    from lanqing.yearwork.task_table import tasks_import

    rows = [GOOD,
            (4, "矿山修复", "古县不存在局", "", "", "2020-12-31", "", ""),
            (5, "污水处理", "古县水利局", "", "", "2020-12-31", "-5 吨", "2021-01-15 通水"),
            (6, "垃圾治理", "古县水利局", "", "月球镇", "明年", "", "")]
    before = Task.objects.count()
    record = tasks_import(plan=year.plan, by=year.users["bureau"], data=workbook(*rows), file_name="t.xlsx")
    problems = [texts.render(error) for error in record.errors]
    assert Task.objects.count() == before
    assert problems == [
        "Sheet 2020年重点任务, row 3, column 牵头单位: no unit named “古县不存在局” exists in this county",
        "Sheet 2020年重点任务, row 4, column 目标: the target “-5 吨” is negative",
        "Sheet 2020年重点任务, row 4, column 节点: 2021-01-15 lies outside the plan's year 2020",
        "Sheet 2020年重点任务, row 5, column 责任乡镇: no township named “月球镇” in this county",
        "Sheet 2020年重点任务, row 5, column 完成时限: “明年” is not a date (2020-12-31)",
    ]
    # The same problems read in Chinese for a Chinese reader.
    from django.utils import translation

    with translation.override("zh-hans"):
        assert texts.render(record.errors[0]) == "工作表 2020年重点任务 第 3 行“牵头单位”列：本县没有名为“古县不存在局”的单位"


def test_a_workbook_beyond_the_row_limit_is_refused_whole(year, monkeypatch):
    from lanqing import texts
    from lanqing.yearwork import task_table
    from lanqing.yearwork.models import Task

    monkeypatch.setattr(task_table, "MAX_ROWS", 50)
    rows = [(n, f"任务{n}", "古县水利局", "", "", "2020-12-31", "", "") for n in range(1, 120)]
    record = task_table.tasks_import(plan=year.plan, by=year.users["bureau"], data=workbook(*rows),
                                     file_name="big.xlsx")
    assert Task.objects.filter(plan=year.plan).count() == 2
    assert "more than 50 rows" in texts.render(record.errors[0])


def test_only_the_bureau_imports(year):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from lanqing.yearwork.models import TaskImport
    from lanqing.yearwork.task_table import tasks_import

    with pytest.raises(PermissionDenied):  # a department sees the county's plan but does not manage it
        tasks_import(plan=year.plan, by=year.users["department"], data=workbook(GOOD), file_name="t.xlsx")
    with pytest.raises(Http404):  # a township sees only the tasks naming it, not the plan
        tasks_import(plan=year.plan, by=year.users["township_b"], data=workbook(GOOD), file_name="t.xlsx")
    assert not TaskImport.objects.exists()


def test_the_export_imports_back_without_changing_anything(year, client_for):
    from lanqing.yearwork.models import Milestone, Target, Task
    from lanqing.yearwork.task_table import tasks_import

    tasks_import(plan=year.plan, by=year.users["bureau"], data=workbook(GOOD), file_name="t.xlsx")

    def state():
        return (list(Task.objects.order_by("id").values_list("id", "number", "title", "lead_unit", "deadline")),
                list(Task.support_units.through.objects.order_by("id").values_list("task", "unit")),
                list(Task.townships.through.objects.order_by("id").values_list("task", "jurisdiction")),
                list(Target.objects.order_by("id").values_list("id", "description", "planned", "unit")),
                list(Milestone.objects.order_by("id").values_list("id", "title", "due_date")))

    before = state()
    response = client_for(year.users["bureau"]).get(f"/yearwork/plans/{year.plan.id}/", {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == HEADER
    record = tasks_import(plan=year.plan, by=year.users["bureau"], data=response.content, file_name="back.xlsx")
    assert record.errors == []
    assert record.task_count == 3
    assert state() == before


def test_a_header_without_a_required_column_is_named_on_row_one_and_nothing_is_written(year):
    from lanqing import texts
    from lanqing.yearwork.models import Task
    from lanqing.yearwork.task_table import tasks_import

    header = ["序号", "任务", "配合单位", "责任乡镇", "目标", "节点"]
    before = Task.objects.count()
    record = tasks_import(plan=year.plan, by=year.users["bureau"], data=workbook(header=header), file_name="t.xlsx")
    assert Task.objects.count() == before
    assert [texts.render(error) for error in record.errors] == [
        "Sheet 2020年重点任务, row 1, column 牵头单位、完成时限: the header lacks this column; "
        "use the layout of the exported list"]


def test_a_csv_is_named_by_its_file_and_a_file_that_is_no_table_is_refused(year):
    from lanqing import texts
    from lanqing.yearwork.task_table import tasks_read

    csv = "序号,任务,配合单位\n1,任务一,\n".encode("gb18030")
    reading = tasks_read(plan=year.plan, data=csv, file_name="任务清单.csv")
    assert [texts.render(error) for error in reading.errors] == [
        "Sheet 任务清单.csv, row 1, column 牵头单位、完成时限: the header lacks this column; "
        "use the layout of the exported list"]
    reading = tasks_read(plan=year.plan, data=b"\x00\x01\x02", file_name="t.xlsx")
    assert [texts.render(error) for error in reading.errors] == [
        "The file cannot be read: the file is binary, not CSV text or an .xlsx workbook"]


def test_english_headers_are_read_and_the_progress_is_told_as_rows_are_checked(year, monkeypatch):
    from lanqing.yearwork import task_table

    monkeypatch.setattr(task_table, "PROGRESS_EVERY", 2)
    header = [" Number", "Task", "LEAD UNIT", "Deadline "]
    rows = [(n, f"任务{n}", "古县水利局", "2020-12-31") for n in range(1, 6)]
    told: list[tuple[int, int]] = []
    reading = task_table.tasks_read(plan=year.plan, data=workbook(*rows, header=header), file_name="t.xlsx",
                                    on_checked=lambda done, total: told.append((done, total)))
    assert reading.errors == []
    assert [(task.number, task.title, task.deadline.isoformat()) for task in reading.tasks] == [
        (n, f"任务{n}", "2020-12-31") for n in range(1, 6)]
    assert told == [(2, 5), (4, 5), (5, 5)]
