"""A report's Excel workbook (.xlsx, Office Open XML): sheets of text cells, the first row of a sheet frozen.

Written here rather than through openpyxl because a report's generation has to take a small part of the time
a clerk needs to open it, and openpyxl spent 12 ms on a monthly report's seven small sheets (a temporary file
and an object per cell and attribute), a sixth of the whole job (benchmarks/bench_workbench.py); this writes
the same parts as strings in about 1 ms. Every value is written as text, as the report states it (figures are
already formatted, "insufficient data" included). Pure Python: no Django here.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Characters XML 1.0 cannot carry (C0 controls but tab, line feed and carriage return); dropped from a cell.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
STYLES = (f'<styleSheet xmlns="{MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
          '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
          '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
          '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
          '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
          '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


@dataclass
class Sheet:
    name: str
    rows: list[list[str]] = field(default_factory=list)
    freeze_header: bool = False


def column_name(index: int) -> str:
    """The letters of the column at `index` (0 → A, 25 → Z, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet_xml(sheet: Sheet) -> str:
    parts = [HEAD, f'<worksheet xmlns="{MAIN}">']
    if sheet.freeze_header:
        parts.append('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                     'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>')
    parts.append("<sheetData>")
    for number, row in enumerate(sheet.rows, start=1):
        cells = [f'<c r="{column_name(index)}{number}" t="inlineStr"><is><t xml:space="preserve">'
                 f'{escape(NOT_IN_XML.sub("", value))}</t></is></c>' for index, value in enumerate(row) if value != ""]
        parts.append(f'<row r="{number}">{"".join(cells)}</row>' if cells else "")
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def xlsx(sheets: list[Sheet]) -> bytes:
    """The workbook of `sheets`, in order; their names must be unique valid sheet names (at most 31 characters,
    none of []:*?/\\)."""
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{number}.xml" ContentType="{CONTENT_TYPE}.worksheet+xml"/>'
                        for number in range(1, len(sheets) + 1))
    types = (f'{HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             f'<Override PartName="/xl/workbook.xml" ContentType="{CONTENT_TYPE}.sheet.main+xml"/>'
             f'<Override PartName="/xl/styles.xml" ContentType="{CONTENT_TYPE}.styles+xml"/>{overrides}</Types>')
    package = (f'{HEAD}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}"><Relationship Id="rId1" '
               f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    listed = "".join(f'<sheet name={quoteattr(NOT_IN_XML.sub("", sheet.name))} sheetId="{number}" r:id="rId{number}"/>'
                     for number, sheet in enumerate(sheets, start=1))
    book = f'{HEAD}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>{listed}</sheets></workbook>'
    links = "".join(f'<Relationship Id="rId{number}" Type="{RELATIONSHIPS}/worksheet" '
                    f'Target="worksheets/sheet{number}.xml"/>' for number in range(1, len(sheets) + 1))
    links += f'<Relationship Id="rId{len(sheets) + 1}" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
    book_links = f'{HEAD}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">{links}</Relationships>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", package)
        archive.writestr("xl/workbook.xml", book)
        archive.writestr("xl/_rels/workbook.xml.rels", book_links)
        archive.writestr("xl/styles.xml", HEAD + STYLES)
        for number, sheet in enumerate(sheets, start=1):
            archive.writestr(f"xl/worksheets/sheet{number}.xml", _sheet_xml(sheet))
    return buffer.getvalue()
