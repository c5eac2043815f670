"""The report workbook writer: what openpyxl (the library clerks' other exports use) reads back from it, sheet by
sheet, and text that would break the file or run as a formula."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from lanqing.reports import workbook
from lanqing.tabular import spreadsheet_safe


def test_column_names_run_past_z():
    assert [workbook.column_name(index) for index in (0, 25, 26, 51, 52, 701, 702)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]


def test_sheets_read_back_in_order_with_their_rows_and_frozen_headers():
    wide = [f"列{number}" for number in range(30)]  # past column Z
    data = workbook.xlsx([
        workbook.Sheet("摘要", [["古县环境质量状况月报"], [], ["PM2.5 平均浓度：52 µg/m³"]]),
        workbook.Sheet("站点 & <排名>", [["排名", "站点"], ["1", "演示空气站二（北平）"]], freeze_header=True),
        workbook.Sheet("宽表", [wide, ["x"] * 30], freeze_header=True),
    ])
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["摘要", "站点 & <排名>", "宽表"]
    assert list(book["摘要"].iter_rows(values_only=True)) == [
        ("古县环境质量状况月报",), (None,), ("PM2.5 平均浓度：52 µg/m³",)]
    assert book["摘要"].freeze_panes is None
    assert list(book["站点 & <排名>"].iter_rows(values_only=True)) == [("排名", "站点"), ("1", "演示空气站二（北平）")]
    assert book["站点 & <排名>"].freeze_panes == "A2"
    assert book["宽表"]["AD1"].value == "列29"


def test_text_that_xml_cannot_carry_is_dropped_and_formulas_stay_text():
    typed = "=HYPERLINK(\"http://example.com\")"
    data = workbook.xlsx([workbook.Sheet("s", [["甲\x00乙\x1f丙", spreadsheet_safe(typed), "  两端空格  ", "1 < 2 & 3"]])])
    sheet = load_workbook(io.BytesIO(data))["s"]
    assert [cell.value for cell in sheet[1]] == ["甲乙丙", "'" + typed, "  两端空格  ", "1 < 2 & 3"]
    assert all(cell.data_type == "s" for cell in sheet[1])  # text, never a formula
