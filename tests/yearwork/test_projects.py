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
