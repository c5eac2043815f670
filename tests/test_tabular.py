"""Spreadsheets in and out: no exported cell opens as a formula, and no upload can unpack without bound."""

import csv
import io
import zipfile
from datetime import UTC, datetime

import pytest
from openpyxl import Workbook, load_workbook

from lanqing.tabular import (
    MAX_CELL_CHARS,
    MAX_XLSX_STRINGS_BYTES,
    TableError,
    excerpt,
    read_table,
    spreadsheet_safe,
)


@pytest.mark.parametrize(("value", "shown"), [
    ('=HYPERLINK("http://x.example","点我")', '\'=HYPERLINK("http://x.example","点我")'),
    ("+86 138 0000 0000", "'+86 138 0000 0000"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("-2+3", "'-2+3"),
    ("\tcmd", "'\tcmd"),
    ("-3.5", "-3.5"),
    ("焦炉烟囱冒黄烟", "焦炉烟囱冒黄烟"),
    (-3.5, -3.5),
    (None, None),
])
def test_cells_that_would_run_as_formulas_are_exported_as_text(value, shown):
    assert spreadsheet_safe(value) == shown


def _xlsx(cells):
    book = Workbook()
    sheet = book.active
    sheet.append(["site", "note"])
    sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_huge_cell_is_refused_with_its_place_and_a_short_excerpt():
    with pytest.raises(TableError) as raised:
        read_table(_xlsx(["S1", "x" * (MAX_CELL_CHARS + 1)]))
    message = str(raised.value)
    assert message.startswith("line 2, column note: a cell of 10001 characters")
    assert len(message) < 200
    csv_file = ("site,note\nS1," + "y" * (MAX_CELL_CHARS + 5) + "\n").encode()
    with pytest.raises(TableError, match="line 2, column note: a cell of 10005 characters"):
        read_table(csv_file)


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_opened():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b"A" * (MAX_XLSX_STRINGS_BYTES + 1) + b"</sst>")
    data = buffer.getvalue()
    assert len(data) < 200_000
    with pytest.raises(TableError, match="unpacks to more than"):
        read_table(data)


def test_an_excerpt_is_short():
    assert excerpt("z" * 500) == "z" * 39 + "…"
    assert excerpt(" 12 ") == "12"


@pytest.mark.django_db
def test_an_enterprise_named_like_a_formula_is_text_in_the_bureau_export(cast, client_for):
    from lanqing.org.models import Enterprise

    Enterprise.objects.filter(id=cast.enterprise_a.id).update(name='=HYPERLINK("http://x.example","点我")')
    response = client_for(cast.users["bureau"]).get("/org/enterprises/?export=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if "HYPERLINK" in str(cell.value)]
    assert len(cells) == 1
    assert cells[0].data_type == "s"
    assert cells[0].value == '\'=HYPERLINK("http://x.example","点我")'


@pytest.mark.django_db
def test_raw_packets_of_strangers_are_exported_without_formulas(cast, tmp_path):
    from lanqing.cli import main
    from lanqing.monitoring.models import RawPacket

    RawPacket.objects.create(received_at=datetime(2026, 3, 1, 7, tzinfo=UTC), peer="=1+1", mn="@evil",
                             data=b"=cmd|' /C calc'!A0\r\n", verdict="rejected", reason="framing: no ##")
    out = tmp_path / "audit.csv"
    assert main(["packets", "export", "--since", "2026-03-01", "-o", str(out)]) == 0
    row = list(csv.reader(out.open(encoding="utf-8-sig")))[1]
    assert row[1:3] == ["'=1+1", "'@evil"]
    assert row[6] == "'=cmd|' /C calc'!A0"


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "end"), [("0001-01-01T00:00:00+08:00", "0001-01-02T00:00:00+08:00"),
                                        ("9999-12-30T00:00:00-08:00", "9999-12-31T00:00:00-08:00")])
def test_times_far_outside_sense_are_a_400_not_a_500(cast, client_for, start, end):
    response = client_for(cast.users["bureau"]).get(
        f"/api/v1/sites/{cast.outlet_a.id}/measurements", {"factor": "a21026", "start": start, "end": end})
    assert response.status_code == 400
    assert "2000-01-01" in response.json()["detail"]
