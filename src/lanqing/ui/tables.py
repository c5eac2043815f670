"""Pagination and Excel export shared by every list page."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from lanqing.tabular import spreadsheet_safe

PAGE_SIZE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def paginate(request: HttpRequest, items, *, per_page: int = PAGE_SIZE) -> Page:
    # get_page turns a bad or out-of-range ?page= into the nearest valid page instead of an error.
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def wants_export(request: HttpRequest) -> bool:
    return request.GET.get("export") == "xlsx"


def xlsx_response(*, filename: str, headers: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([spreadsheet_safe(str(header)) for header in headers])
    widths = [len(str(header)) for header in headers]
    for row in rows:
        values = [_cell(value) for value in row]
        for index, value in enumerate(values[: len(widths)]):
            widths[index] = max(widths[index], min(len(str(value)) if value is not None else 0, 60))
        sheet.append(values)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width * 1.6 + 2
    buffer = io.BytesIO()
    workbook.save(buffer)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}-{stamp}.xlsx")
    return response


def _cell(value):
    if isinstance(value, datetime):
        # Excel has no time zones: write the local wall-clock time the user sees on the page.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if value is None or isinstance(value, (int, float)):
        return value
    # What users typed (a case title, an enterprise name) is never written as a formula.
    return spreadsheet_safe(str(value))
