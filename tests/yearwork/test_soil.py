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
    names = [row[0] for row in workbook.active.iter_rows(min_row=2, values_only=True)]
    assert len([name for name in names if str(name).startswith("地块")]) == 60
