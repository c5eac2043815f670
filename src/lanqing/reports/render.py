"""A report's content as a PDF (Chinese font embedded, subset) and as an Excel workbook (a sheet per table)."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace
from openpyxl import Workbook

from lanqing.reports import fonts
from lanqing.reports.content import ReportContent
from lanqing.tabular import spreadsheet_safe

# fpdf2 subsets fonts through fontTools, which logs every table it prunes at INFO: the worker's log keeps none.
logging.getLogger("fontTools").setLevel(logging.WARNING)

# Fonts with Chinese glyphs, tried in order; LANQING_PDF_FONT names another (a .ttf, .otf or .ttc file).
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


# Headings shaded, not bold: one regular CJK face is embedded, and fpdf2 would need a bold file for emphasis.
HEADINGS = FontFace(emphasis="", fill_color=(238, 243, 248))


class FontMissing(RuntimeError):
    """No font with Chinese glyphs was found; the report says so instead of printing empty boxes."""


def font_path() -> Path:
    named = settings.PDF_FONT
    for candidate in ([named] if named else []) + list(FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing(named or FONT_CANDIDATES[0])


def pdf_bytes(content: ReportContent) -> bytes:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("cjk", fname=str(fonts.font_for(font_path(), _texts(content))))
    pdf.set_title(content.title)
    pdf.add_page()
    pdf.set_font("cjk", size=16)
    pdf.multi_cell(0, 9, content.title, new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font("cjk", size=10)
    pdf.multi_cell(0, 6, content.period, new_x="LMARGIN", new_y="NEXT", align="C")
    for section in content.sections:
        pdf.ln(4)
        pdf.set_font("cjk", size=13)
        pdf.multi_cell(0, 8, section.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=10)
        for line in section.lines:
            pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        for table in section.tables:
            pdf.ln(2)
            pdf.multi_cell(0, 6, table.title, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("cjk", size=8)
            with pdf.table(first_row_as_headings=True, line_height=5, headings_style=HEADINGS) as grid:
                for values in [table.headers, *table.rows]:
                    row = grid.row()
                    for value in values:
                        row.cell(str(value))
            pdf.set_font("cjk", size=10)
    return bytes(pdf.output())


def _texts(content: ReportContent) -> list[str]:
    texts = [content.title, content.period]
    for section in content.sections:
        texts += [section.heading, *section.lines]
        for table in section.tables:
            texts += [table.title, *map(str, table.headers), *(str(value) for row in table.rows for value in row)]
    return texts


def xlsx_bytes(content: ReportContent) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = _("Summary")[:31]
    summary.append([spreadsheet_safe(content.title)])
    summary.append([spreadsheet_safe(content.period)])
    for section in content.sections:
        summary.append([])
        summary.append([spreadsheet_safe(section.heading)])
        for line in section.lines:
            summary.append([spreadsheet_safe(line)])
    used = {summary.title}
    for section in content.sections:
        for table in section.tables:
            name = _sheet_name(table.title, used)
            sheet = book.create_sheet(name)
            sheet.append([spreadsheet_safe(h) for h in table.headers])
            for row in table.rows:
                sheet.append([spreadsheet_safe(v) for v in row])
            sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_name(title: str, used: set[str]) -> str:
    # Excel allows 31 characters and none of []:*?/\ in a sheet's name, and no two alike.
    base = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28] or "Sheet"
    name, number = base, 2
    while name in used:
        name, number = f"{base[:25]} ({number})", number + 1
    used.add(name)
    return name
