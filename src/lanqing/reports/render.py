"""A report's content as a PDF (Chinese font embedded, subset; lanqing.reports.pdf) and as an Excel workbook (a sheet
per table; lanqing.reports.workbook)."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lanqing.reports import fonts, pdf, truetype, workbook
from lanqing.reports.content import ReportContent
from lanqing.tabular import spreadsheet_safe

# fontTools logs every table it prunes when the kept font subset is made, at INFO: the worker's log keeps none.
logging.getLogger("fontTools").setLevel(logging.WARNING)
logger = logging.getLogger(__name__)
MM = 72 / 25.4  # points in a millimetre

# Fonts with Chinese glyphs, tried in order; LANQING_PDF_FONT names another (a .ttf, .otf or .ttc file).
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


class FontMissing(RuntimeError):
    """No font with Chinese glyphs was found; the report says so instead of printing empty boxes."""


def font_path() -> Path:
    named = settings.PDF_FONT
    for candidate in ([named] if named else []) + list(FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing(named or FONT_CANDIDATES[0])


def pdf_bytes(content: ReportContent) -> bytes:
    try:
        font = truetype.opened(fonts.font_for(font_path(), _texts(content)))
    except (OSError, ValueError, KeyError) as error:  # an unreadable font, or a data folder that cannot keep one
        logger.warning("the report font cannot be used", exc_info=True)
        raise FontMissing(str(font_path())) from error
    document = pdf.Document(font, title=content.title, language=translation.to_locale(
        translation.get_language() or settings.LANGUAGE_CODE).replace("_", "-"))
    document.paragraph(content.title, size=16, leading=9 * MM, align="center")
    document.paragraph(content.period, size=10, leading=6 * MM, align="center")
    for section in content.sections:
        document.space(4 * MM)
        document.paragraph(section.heading, size=13, leading=8 * MM)
        for line in section.lines:
            document.paragraph(line, size=10, leading=6 * MM)
        for table in section.tables:
            document.space(2 * MM)
            document.paragraph(table.title, size=10, leading=6 * MM)
            document.table([str(value) for value in table.headers],
                           [[str(value) for value in row] for row in table.rows], size=8, leading=4.5 * MM)
    return document.output(created=timezone.localtime())


def _texts(content: ReportContent) -> list[str]:
    texts = [content.title, content.period]
    for section in content.sections:
        texts += [section.heading, *section.lines]
        for table in section.tables:
            texts += [table.title, *map(str, table.headers), *(str(value) for row in table.rows for value in row)]
    return texts


def xlsx_bytes(content: ReportContent) -> bytes:
    summary = workbook.Sheet(_("Summary")[:31], [[spreadsheet_safe(content.title)], [spreadsheet_safe(content.period)]])
    for section in content.sections:
        summary.rows += [[], [spreadsheet_safe(section.heading)]]
        summary.rows += [[spreadsheet_safe(line)] for line in section.lines]
    sheets, used = [summary], {summary.name}
    for section in content.sections:
        for table in section.tables:
            rows = [[spreadsheet_safe(str(value)) for value in row] for row in [table.headers, *table.rows]]
            sheets.append(workbook.Sheet(_sheet_name(table.title, used), rows, freeze_header=True))
    return workbook.xlsx(sheets)


def _sheet_name(title: str, used: set[str]) -> str:
    # Excel allows 31 characters and none of []:*?/\ in a sheet's name, and no two alike.
    base = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28] or "Sheet"
    name, number = base, 2
    while name in used:
        name, number = f"{base[:25]} ({number})", number + 1
    used.add(name)
    return name
