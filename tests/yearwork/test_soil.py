"""Soil: a listed unit's missing yearly reports and a plot's overdue step each open one case."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cases.conftest import PDF
from tests.yearwork.conftest import SHANGHAI

FEBRUARY = datetime(2021, 2, 3, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def soil(year):
    from lanqing.yearwork.models import Plot, SoilUnit

    year.soil_a = SoilUnit.objects.create(enterprise=year.enterprise_a, listed_year=2019)
    year.soil_b = SoilUnit.objects.create(enterprise=year.enterprise_b, listed_year=2019)
    year.plot = Plot.objects.create(name="北平镇原焦化厂地块", township=year.beiping, lead_unit=year.lead,
                                    stage="investigation", stage_due=date(2020, 12, 31))
    return year


def test_a_unit_missing_a_yearly_report_and_an_overdue_plot_each_open_one_case(soil):
    from lanqing import texts
    from lanqing.cases.models import Case
    from lanqing.yearwork.soil import soil_check, soil_report_submit

    for kind in ("monitoring", "hidden_danger"):
        soil_report_submit(by=soil.users["enterprise_a"], unit=soil.soil_a, year=2020, kind=kind,
                           upload=SimpleUploadedFile("r.pdf", PDF), now=FEBRUARY)
    soil_report_submit(by=soil.users["enterprise_b"], unit=soil.soil_b, year=2020, kind="monitoring",
                       upload=SimpleUploadedFile("r.pdf", PDF), now=FEBRUARY)
    assert soil_check(now=FEBRUARY) == 2
    assert soil_check(now=FEBRUARY) == 0
    unit_case = Case.objects.get(enterprise=soil.enterprise_b)
    assert "Hidden-danger check" in texts.render(unit_case.description_text)
    assert "Self-monitoring" not in texts.render(unit_case.description_text)
    plot_case = Case.objects.get(category="overdue_task")
    assert plot_case.lead_unit == soil.lead
    assert "Under investigation" in plot_case.display_title


def test_an_enterprise_files_only_for_its_own_listing(soil):
    from django.http import Http404

    from lanqing.yearwork.soil import soil_report_submit

    with pytest.raises(Http404):
        soil_report_submit(by=soil.users["enterprise_a"], unit=soil.soil_b, year=2020, kind="monitoring",
                           upload=SimpleUploadedFile("r.pdf", PDF), now=FEBRUARY)


def test_a_new_stage_starts_a_new_clock(soil, client_for):
    from lanqing.yearwork.models import Plot
    from lanqing.yearwork.soil import soil_check

    soil_check(now=FEBRUARY)
    client = client_for(soil.users["bureau"])
    response = client.post(f"/yearwork/soil/plots/{soil.plot.id}/stage/", {"stage": "assessment",
                                                                           "stage_due": "2021-06-30"})
    assert response.status_code == 302
    plot = Plot.objects.get(id=soil.plot.id)
    assert plot.stage == "assessment"
    assert plot.case is None
    assert "北平镇原焦化厂地块" in client.get("/yearwork/soil/").content.decode()


def test_the_plots_list_pages_and_its_export_holds_every_plot(soil, client_for):
    import io

    from openpyxl import load_workbook

    from lanqing.yearwork.models import Plot

    Plot.objects.bulk_create([Plot(name=f"地块{n:03d}", township=soil.beiping, lead_unit=soil.lead,
                                   stage="suspected") for n in range(60)])
    client = client_for(soil.users["bureau"])
    first = client.get("/yearwork/soil/").content.decode()
    assert "地块048" in first
    assert "地块049" not in first
    assert "plots_page=2" in first
    second = client.get("/yearwork/soil/", {"plots_page": 2}).content.decode()
    assert "地块049" in second
    assert "地块059" in second
    # Paging the plots leaves the units' list on its own page.
    assert "page=2" not in second.replace("plots_page=2", "")
    workbook = load_workbook(io.BytesIO(client.get("/yearwork/soil/", {"export": "xlsx"}).content))
    names = [row[1] for row in workbook.active.iter_rows(min_row=2, values_only=True)]
    assert len([name for name in names if str(name).startswith("地块")]) == 60


def _soil_book(*rows) -> bytes:
    import io

    from openpyxl import Workbook

    from lanqing.yearwork.soil_table import HEADERS_ZH

    book = Workbook()
    sheet = book.active
    sheet.title = "净土"
    sheet.append(HEADERS_ZH)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _soil_state():
    from lanqing.yearwork.models import Plot, SoilUnit

    return (list(SoilUnit.objects.order_by("id").values_list("id", "enterprise", "listed_year", "case")),
            list(Plot.objects.order_by("id").values_list("id", "name", "township", "lead_unit", "area_mu", "stage",
                                                         "stage_due", "case")))


def test_the_soil_export_imports_back_without_changing_anything(soil, client_for):
    from decimal import Decimal

    from lanqing.yearwork.models import Plot
    from lanqing.yearwork.soil_table import soil_import

    Plot.objects.create(name="岳阳镇原化肥厂地块", township=soil.yueyang, lead_unit=soil.lead, area_mu=Decimal("12.5"))
    before = _soil_state()
    exported = client_for(soil.users["bureau"]).get("/yearwork/soil/", {"export": "xlsx"}).content
    assert soil_import(by=soil.users["bureau"], data=exported, file_name="soil.xlsx") == (4, [])
    assert _soil_state() == before


def test_a_soil_import_lists_units_and_moves_a_plot_to_its_next_step(soil):
    from lanqing.yearwork.models import Plot, SoilUnit
    from lanqing.yearwork.soil import soil_check
    from lanqing.yearwork.soil_table import soil_import

    soil_check(now=FEBRUARY)
    assert Plot.objects.get(id=soil.plot.id).case is not None
    SoilUnit.objects.filter(enterprise=soil.enterprise_b).delete()
    count, errors = soil_import(by=soil.users["bureau"], file_name="s.xlsx", data=_soil_book(
        ("重点监管单位", "", soil.enterprise_b.credit_code, "", 2021, "", "", "", ""),
        ("污染地块", "北平镇原焦化厂地块", "", "北平镇", "", soil.lead.name, "", "风险评估", "2021-06-30")))
    assert (count, errors) == (2, [])
    assert SoilUnit.objects.get(enterprise=soil.enterprise_b).listed_year == 2021
    plot = Plot.objects.get(id=soil.plot.id)
    assert (plot.stage, plot.stage_due.isoformat(), plot.case) == ("assessment", "2021-06-30", None)


def test_bad_soil_rows_are_named_and_nothing_is_written(soil):
    from lanqing import texts
    from lanqing.yearwork.soil_table import soil_import

    before = _soil_state()
    count, errors = soil_import(by=soil.users["bureau"], file_name="s.xlsx", data=_soil_book(
        ("重点监管单位", "", "91140000XXXXXXXXXX", "", "去年", "", "", "", ""),
        ("污染地块", "新地块", "", "南山镇", "", "没有的局", "-1", "完成", "明天"),
        ("农田", "x", "", "", "", "", "", "", "")))
    assert count == 0
    assert _soil_state() == before
    assert [texts.render(e) for e in errors] == [
        "Sheet 净土, row 2, column 统一社会信用代码: no registered enterprise has the credit code “91140000XXXXXXXXXX”",
        "Sheet 净土, row 2, column 列入年度: “去年” is not a year (2020)",
        "Sheet 净土, row 3, column 乡镇: no township named “南山镇” in this county",
        "Sheet 净土, row 3, column 牵头单位: no unit named “没有的局” exists in this county",
        "Sheet 净土, row 3, column 面积（亩）: “-1” is not an area (0 or more)",
        "Sheet 净土, row 3, column 阶段: “完成” is not a stage (疑似污染地块、调查中、确认污染、风险评估、风险管控或修复、已移出名录)",
        "Sheet 净土, row 3, column 步骤期限: “明天” is not a date (2020-12-31)",
        "Sheet 净土, row 4, column 类型: “农田” is not a type of row (重点监管单位、污染地块)",
    ]
