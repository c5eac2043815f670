"""A site's page names its standard and draws the limit its values are judged against, marking those above."""

from datetime import UTC, datetime, timedelta

from django.urls import reverse

from lanqing.monitoring.models import Factor, Measurement, Site

START = datetime(2026, 1, 5, tzinfo=UTC)


def _write(site, code, values, flag="N"):
    point = site.points.get()
    factor = Factor.objects.get(code=code)
    Measurement.objects.bulk_create(Measurement(point=point, factor=factor, period="hour", value=value, flag=flag,
                                                time=START + timedelta(hours=h)) for h, value in enumerate(values))


def _series(client, site, code):
    return client.get(reverse("monitoring:site_series", args=[site.id]),
                      {"factor": code, "period": "hour", "days": "7"}).json()


def _water_section(cast):
    from lanqing.monitoring.models import Point

    site = Site.objects.create(kind="water", code="W-01", name="古阳断面", jurisdiction=cast.yueyang, target_class=3)
    Point.objects.create(site=site, code="1", name="1#")
    return site


def test_an_outlet_shows_its_standard_by_name_and_number(cast, client_for):
    Site.objects.filter(id=cast.outlet_a.id).update(limit_set="GB13223-2011:special:coal")
    client = client_for(cast.users["bureau"])
    page = client.get(reverse("monitoring:site", args=[cast.outlet_a.id])).content.decode()
    shown = page.split('data-testid="site-standard"', 1)[1].split("</dd>", 1)[0]
    assert "《火电厂大气污染物排放标准》GB 13223-2011" in shown
    assert "GB13223-2011:special:coal" not in shown
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("monitoring:site", args=[cast.outlet_a.id])).content.decode()
    assert "Emission standard of air pollutants for thermal power plants (GB 13223-2011)" in page


def test_a_water_section_opens_on_a_factor_its_class_is_judged_by(cast, client_for):
    site = _water_section(cast)
    _write(site, "w01010", [12.0] * 3)  # water temperature: no class
    _write(site, "w00000", [3.0] * 3)  # flow
    _write(site, "w21003", [0.4, 0.6, 1.2])
    page = client_for(cast.users["bureau"]).get(reverse("monitoring:site", args=[site.id])).content.decode()
    chart = page.split('id="site-chart"', 1)[1].split(">", 1)[0]
    assert "factor=w21003" in chart


def test_the_water_chart_draws_the_target_class_limit_and_marks_the_values_above_it(cast, client_for):
    site = _water_section(cast)
    _write(site, "w21003", [0.4, 1.2, 0.9, 1.01])
    data = _series(client_for(cast.users["bureau"]), site, "w21003")
    assert data["limit"]["high"] == 1.0
    assert data["limit"]["low"] is None
    assert "Ⅲ" in data["limit"]["label"]
    assert data["exceed"] == [1, 3]


def test_dissolved_oxygen_has_a_floor_not_a_ceiling(cast, client_for):
    site = _water_section(cast)
    _write(site, "w01009", [6.0, 4.0])
    data = _series(client_for(cast.users["bureau"]), site, "w01009")
    assert data["limit"]["low"] == 5.0
    assert data["limit"]["high"] is None
    assert data["exceed"] == [1]


def test_an_outlet_chart_judges_flue_gas_at_the_reference_oxygen(cast, client_for):
    Site.objects.filter(id=cast.outlet_a.id).update(limit_set="GB13223-2011:special:coal")  # SO2 50 at 6 % O2
    _write(cast.outlet_a, "a21026", [45.0, 45.0, 60.0, 80.0])
    _write(cast.outlet_a, "a19001", [6.0, 12.0, 6.0, 6.0])
    # The last hour is marked invalid (flag D): no basis for an exceedance.
    Measurement.objects.filter(point__site=cast.outlet_a, factor__code="a21026",
                               time=START + timedelta(hours=3)).update(flag="D")
    data = _series(client_for(cast.users["bureau"]), Site.objects.get(id=cast.outlet_a.id), "a21026")
    assert data["limit"]["high"] == 50.0
    assert "6%" in data["limit"]["label"].replace(" ", "")
    # 45 at 12 % O2 is 45 × (21−6)/(21−12) = 75 at 6 %: above; 60 at 6 % is above too.
    assert data["exceed"] == [1, 2]


def test_an_air_station_chart_has_no_limit_line(cast, client_for):
    _write(cast.air_station, "a34004", [80.0, 300.0])
    data = _series(client_for(cast.users["township_a"]), cast.air_station, "a34004")
    assert "limit" not in data
    assert len(data["points"]) == 2


def test_the_site_export_names_the_standard_and_keeps_coordinates_as_numbers(cast, client_for):
    import io
    from decimal import Decimal

    from openpyxl import load_workbook

    Site.objects.filter(id=cast.outlet_a.id).update(limit_set="GB13223-2011:special:coal",
                                                    longitude=Decimal("111.922000"), latitude=Decimal("36.266000"))
    response = client_for(cast.users["bureau"]).get(reverse("monitoring:sites"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    headers = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "OUT-A")
    assert row[headers.index("执行标准")].value == "《火电厂大气污染物排放标准》GB 13223-2011"
    assert row[headers.index("限值集代码")].value == "GB13223-2011:special:coal"
    assert row[headers.index("经度")].data_type == "n"
    assert float(row[headers.index("经度")].value) == 111.922
