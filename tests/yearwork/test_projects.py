"""Projects and funds: Decimal money by source, area in mu and hectares, behind schedule or over budget → case."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from tests.yearwork.conftest import SHANGHAI

JULY = datetime(2020, 7, 1, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def project(year):
    from lanqing.yearwork.projects import project_create

    return project_create(by=year.users["bureau"], jurisdiction=year.county, year=2020, kind="mine",
                          name="古阳镇历史遗留矿山修复", lead_unit=year.lead, township=year.beiping,
                          area_mu=Decimal("150"), planned_start=date(2020, 3, 1), planned_end=date(2020, 11, 30),
                          now=JULY)


def test_funds_add_up_in_yuan_and_the_area_reads_in_hectares(year, project):
    from lanqing.yearwork.projects import money, project_fund_set

    bureau = year.users["bureau"]
    project_fund_set(by=bureau, project=project, source="central", budget=Decimal("1200000.10"),
                     allocated=Decimal("600000"), spent=Decimal("0.20"))
    project_fund_set(by=bureau, project=project, source="county", budget=Decimal("300000.20"),
                     allocated=Decimal("300000"), spent=Decimal("0.10"))
    assert money(project) == {"budget": Decimal("1500000.30"), "allocated": Decimal("900000.00"),
                              "spent": Decimal("0.30")}
    assert project.area_hectares == Decimal("10.00")


def test_a_negative_amount_is_refused(year, project):
    from lanqing.yearwork.projects import ProjectError, project_fund_set

    with pytest.raises(ProjectError):
        project_fund_set(by=year.users["bureau"], project=project, source="county", budget=Decimal(-1),
                         allocated=Decimal(0), spent=Decimal(0))


def test_a_project_behind_schedule_opens_one_case_for_its_lead_unit(year, project):
    from lanqing.cases.models import Case
    from lanqing.yearwork.projects import project_report, projects_check

    # 1 July: 122 of 274 days gone (44 %), progress reported 10 % → 34 points behind.
    project_report(by=year.users["township_b"], project=project, text="完成清表", progress=10, now=JULY)
    assert projects_check(now=JULY) == 1
    assert projects_check(now=JULY) == 0
    case = Case.objects.get()
    assert case.lead_unit == year.lead
    assert case.township == year.beiping
    assert case.category == "overdue_task"
    assert "10% done" in case.display_title


def test_a_project_on_schedule_opens_nothing_and_one_over_budget_does(year, project):
    from lanqing.cases.models import Case
    from lanqing.yearwork.projects import project_fund_set, project_report, projects_check

    project_report(by=year.users["other_department"], project=project, text="主体完工", progress=40, now=JULY)
    assert projects_check(now=JULY) == 0
    project_fund_set(by=year.users["bureau"], project=project, source="county", budget=Decimal(100),
                     allocated=Decimal(100), spent=Decimal("100.01"))
    assert projects_check(now=JULY) == 1
    assert Case.objects.get().category == "other"


def test_only_the_lead_unit_and_the_township_report(year, project):
    from django.http import Http404

    from lanqing.org.access import Forbidden
    from lanqing.yearwork.projects import project_report

    with pytest.raises(Forbidden):  # leadership sees the project but does not carry it out
        project_report(by=year.users["leader"], project=project, text="x", progress=5)
    with pytest.raises(Http404):  # a unit the project does not name does not see it
        project_report(by=year.users["supporter"], project=project, text="x", progress=5)


def _project_book(*rows, title="项目") -> bytes:
    import io

    from openpyxl import Workbook

    from lanqing.yearwork.project_table import HEADERS_ZH

    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(HEADERS_ZH)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _state():
    from lanqing.yearwork.models import Project, ProjectFund

    return (list(Project.objects.order_by("id").values_list(
        "id", "year", "kind", "name", "lead_unit", "township", "area_mu", "planned_start", "planned_end",
        "progress")), list(ProjectFund.objects.order_by("id").values_list(
            "id", "project", "source", "budget", "allocated", "spent")))


def test_the_projects_export_imports_back_without_changing_anything(year, project, client_for):
    from lanqing.yearwork.project_table import projects_import
    from lanqing.yearwork.projects import project_fund_set

    bureau = year.users["bureau"]
    project_fund_set(by=bureau, project=project, source="central", budget=Decimal("1200000.10"),
                     allocated=Decimal("800000"), spent=Decimal("0.05"))
    project_fund_set(by=bureau, project=project, source="enterprise", budget=Decimal("99.99"),
                     allocated=Decimal("0"), spent=Decimal("0"))
    before = _state()
    exported = client_for(bureau).get("/yearwork/projects/", {"export": "xlsx"}).content
    assert projects_import(by=bureau, data=exported, file_name="projects.xlsx") == (1, [])
    assert _state() == before


def test_a_new_project_with_funds_by_source_in_yuan(year):
    from lanqing.yearwork.models import Project
    from lanqing.yearwork.project_table import projects_import
    from lanqing.yearwork.projects import money

    row = [2020, "天然气替代", "岳阳镇煤改气管网", "古县自然资源局", "岳阳镇", "", "12", "2020-03-01", "2020-10-31",
           "40%", "1,000,000.50", "", "", "", "", "", "200000", "200000", "", "", "", ""]
    count, errors = projects_import(by=year.users["bureau"], data=_project_book(row), file_name="p.xlsx")
    assert (count, errors) == (1, [])
    project = Project.objects.get(name="岳阳镇煤改气管网")
    assert (project.kind, project.township, project.area_mu, project.progress) == (
        "gas", year.yueyang, Decimal("180.00"), 40)
    assert money(project) == {"budget": Decimal("1200000.50"), "allocated": Decimal("200000.00"),
                              "spent": Decimal("0.00")}


def test_bad_project_rows_are_named_by_sheet_row_and_column_and_nothing_is_written(year, project):
    from lanqing import texts
    from lanqing.yearwork.project_table import projects_import

    before = _state()
    good = [2020, "其他", "县城污水厂提标", "古县自然资源局", "", "", "", "2020-01-01", "2020-12-31", 0,
            "", "", "", "", "", "", "", "", "", "", "", ""]
    rows = [good,
            [2020, "修路", "县城污水厂提标", "没有的局", "南山镇", "-3", "", "2020-05-01", "2020-04-01", 120,
             "三千", "", "", "", "", "", "", "", "", "", "", ""]]
    count, errors = projects_import(by=year.users["bureau"], data=_project_book(*rows), file_name="p.xlsx")
    assert count == 0
    assert _state() == before
    assert [texts.render(e) for e in errors] == [
        "Sheet 项目, row 3, column 项目名称: the same project of the same year is in row 2",
        "Sheet 项目, row 3, column 类别: “修路” is not a kind of project "
        "(天然气替代、矿山生态修复、农村污水垃圾、城镇污水垃圾、水污染防治、产业结构调整、其他)",
        "Sheet 项目, row 3, column 牵头单位: no unit named “没有的局” exists in this county",
        "Sheet 项目, row 3, column 乡镇: no township named “南山镇” in this county",
        "Sheet 项目, row 3, column 计划完成: the planned completion lies before the start",
        "Sheet 项目, row 3, column 面积（亩）: “-3” is not an area (0 or more)",
        "Sheet 项目, row 3, column 进度（%）: “120” is not a percentage from 0 to 100",
        "Sheet 项目, row 3, column 中央预算（元）: “三千” is not an amount of yuan (0 or more)",
    ]


def test_the_projects_page_queues_an_import_for_the_worker(year, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lanqing.jobs.services import worker_pass
    from lanqing.yearwork.models import ImportRun, Project

    row = [2020, "矿山生态修复", "北平镇矿山修复二期", "古县自然资源局", "北平镇", "30", "", "2020-03-01",
           "2020-11-30", 0, "", "", "", "", "", "", "", "", "", "", "", ""]
    client = client_for(year.users["bureau"])
    response = client.post("/yearwork/projects/import/", {"file": SimpleUploadedFile("p.xlsx", _project_book(row))})
    run = ImportRun.objects.get()
    assert response.url == f"/yearwork/imports/{run.id}/"
    worker_pass(worker="test")
    run.refresh_from_db()
    assert (run.state, run.rows_checked, run.rows_written) == ("done", 1, 1)
    assert Project.objects.get(name="北平镇矿山修复二期").area_mu == Decimal("30.00")
