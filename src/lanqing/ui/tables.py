"""Pagination and Excel export shared by every list page."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from unicodedata import east_asian_width

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from lanqing.tabular import spreadsheet_safe

PAGE_SIZE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def paginate(request: HttpRequest, items, *, per_page: int = PAGE_SIZE, param: str = "page") -> Page:
    """One page of ``items``, chosen by the query parameter ``param`` (a page with two lists gives the second
    its own, so that paging one keeps the other where it was); ui/pagination.html links with the same name."""
    # get_page turns a bad or out-of-range ?page= into the nearest valid page instead of an error.
    page = Paginator(items, per_page).get_page(request.GET.get(param))
    page.param = param  # type: ignore[attr-defined]
    return page


def wants_export(request: HttpRequest) -> bool:
    return request.GET.get("export") == "xlsx"


# Column widths are measured on the first rows: a write-only sheet takes its widths before its rows, and an
# export of any length streams the rest without holding it in memory.
WIDTH_SAMPLE_ROWS = 500
_SHEET_TITLE_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def xlsx_response(*, filename: str, headers: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """A workbook of one sheet named after the list, its header frozen, columns as wide as their contents
    and dates written as Excel dates."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(filename).translate(_SHEET_TITLE_FORBIDDEN)[:31] or "Sheet")
    sheet.freeze_panes = "A2"
    rows = iter(rows)
    sample = [[_cell(value) for value in row] for row in islice(rows, WIDTH_SAMPLE_ROWS)]
    widths = [_width(str(header)) for header in headers]
    for values in sample:
        for index, value in enumerate(values[: len(widths)]):
            widths[index] = max(widths[index], min(_width(_shown(value)), 60))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width + 2
    sheet.append([_header(sheet, str(header)) for header in headers])
    for values in sample:
        sheet.append(_styled(sheet, values))
    for row in rows:
        sheet.append(_styled(sheet, [_cell(value) for value in row]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}-{stamp}.xlsx")
    return response


def _header(sheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=spreadsheet_safe(text))
    cell.font = Font(bold=True)
    return cell


def _width(text: str) -> int:
    # A Chinese character takes two columns of Excel's width unit, a Latin one.
    return sum(2 if east_asian_width(char) in "WF" else 1 for char in text)


def _shown(value) -> str:
    if isinstance(value, datetime):
        return "2026-01-01 00:00"
    if isinstance(value, date):
        return "2026-01-01"
    return "" if value is None else str(value)


def _styled(sheet, values: list) -> list:
    cells = []
    for value in values:
        if isinstance(value, (datetime, date)):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = "yyyy-mm-dd hh:mm" if isinstance(value, datetime) else "yyyy-mm-dd"
            cells.append(cell)
        else:
            cells.append(value)
    return cells


def _cell(value):
    if isinstance(value, datetime):
        # Excel has no time zones: write the local wall-clock time the user sees on the page.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if value is None or isinstance(value, (int, float, Decimal, date)):
        return value
    # What users typed (a case title, an enterprise name) is never written as a formula.
    return spreadsheet_safe(str(value))
