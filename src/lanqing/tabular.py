"""Reading tables that offices send: CSV in UTF-8 (with or without BOM) or GBK/GB18030, or XLSX.

Pure Python (no Django), so the calculation CLI and the importers read files the same way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

XLSX_MAGIC = b"PK\x03\x04"
# Bounds on what one upload may unpack to: a small .xlsx can hold a shared string of hundreds of megabytes.
MAX_XLSX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_XLSX_STRINGS_BYTES = 32 * 1024 * 1024
MAX_CELL_CHARS = 10_000
# A spreadsheet program reads a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def gettext_noop(message: str) -> str:
    """Marks an English message for translation without importing Django (xgettext finds this name)."""
    return message


class TableError(Exception):
    """The file as a whole cannot be read (not a row-level problem).

    `reason` is an English message with %(name)s placeholders filled from `params`, so a caller can translate it.
    """

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason % params)
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class Table:
    header: list[str]
    # (line number as the user sees it: the header is line 1, values as read: str, number or datetime)
    rows: list[tuple[int, list[Any]]]
    kind: str  # "csv" or "xlsx"
    encoding: str | None


def decode_text(data: bytes) -> tuple[str, str]:
    """Text and encoding name. Chinese offices often send GBK; GB18030 is its superset."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise TableError(gettext_noop("the file is neither UTF-8 nor GBK text, nor an Excel .xlsx workbook"))


def read_table(data: bytes, *, max_rows: int = 2_000_000) -> Table:
    """Parse CSV or XLSX by content, not by file name (a renamed file must not fool us)."""
    if not data.strip():
        raise TableError(gettext_noop("the file is empty"))
    if data.startswith(XLSX_MAGIC):
        return _read_xlsx(data, max_rows=max_rows)
    if b"\x00" in data[:4096]:
        raise TableError(gettext_noop("the file is binary, not CSV text or an .xlsx workbook"))
    text, encoding = decode_text(data)
    # The header line decides the delimiter; csv.Sniffer guesses wrong on short Chinese headers.
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        raise TableError(gettext_noop("the file is empty")) from None
    except csv.Error as exc:
        raise TableError(gettext_noop("line %(line)s: %(problem)s"), line=1, problem=str(exc)) from None
    rows: list[tuple[int, list[Any]]] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            _check_cells(reader.line_num, header, cells)
            rows.append((reader.line_num, cells))
            if len(rows) > max_rows:
                raise TableError(gettext_noop("more than %(count)s rows; split the file"), count=max_rows)
    except csv.Error as exc:
        raise TableError(gettext_noop("line %(line)s: %(problem)s"), line=reader.line_num, problem=str(exc)) from None
    return Table(header, rows, "csv", encoding)


def _read_xlsx(data: bytes, *, max_rows: int) -> Table:
    import zipfile

    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise TableError(gettext_noop("the .xlsx workbook cannot be opened: %(problem)s"), problem=str(exc)) from None
    strings = sum(m.file_size for m in members if m.filename.lower().endswith("sharedstrings.xml"))
    if sum(m.file_size for m in members) > MAX_XLSX_UNPACKED_BYTES or strings > MAX_XLSX_STRINGS_BYTES:
        raise TableError(gettext_noop("the .xlsx workbook unpacks to more than %(size)s MB; split it or save it "
                                      "as CSV"), size=MAX_XLSX_UNPACKED_BYTES // (1024 * 1024))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise TableError(gettext_noop("the .xlsx workbook cannot be opened: %(problem)s"), problem=str(exc)) from None
    sheet = workbook.worksheets[0]
    iterator: Iterator[tuple] = sheet.iter_rows(values_only=True)
    try:
        header = ["" if cell is None else str(cell).strip() for cell in next(iterator)]
    except StopIteration:
        raise TableError(gettext_noop("the first sheet is empty")) from None
    rows: list[tuple[int, list[Any]]] = []
    for line, cells in enumerate(iterator, start=2):
        values = ["" if cell is None else cell for cell in cells]
        if not any(str(value).strip() for value in values):
            continue
        _check_cells(line, header, values)
        rows.append((line, values))
        if len(rows) > max_rows:
            raise TableError(gettext_noop("more than %(count)s rows; split the file"), count=max_rows)
    workbook.close()
    return Table(header, rows, "xlsx", None)


def _check_cells(line: int, header: list[str], cells: list[Any]) -> None:
    for index, cell in enumerate(cells):
        if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
            column = header[index] if index < len(header) and header[index] else str(index + 1)
            raise TableError(gettext_noop("line %(line)s, column %(column)s: a cell of %(length)s characters "
                                          "(at most %(limit)s): %(excerpt)s"), line=line, column=excerpt(column),
                             length=len(cell), limit=MAX_CELL_CHARS, excerpt=excerpt(cell))


def excerpt(value: Any, *, limit: int = 40) -> str:
    """A bad cell as an error message quotes it: at most `limit` characters, so a huge cell cannot flood a
    report or a page."""
    text = cell_text(value) if not isinstance(value, str) else value.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def spreadsheet_safe(value: Any) -> Any:
    """A value for an exported cell that no spreadsheet program will run as a formula: text starting with
    = + - @ (or a tab or carriage return) gets a leading apostrophe, which Excel and WPS show as text; numbers,
    including negative ones, stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def cell_text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d", "%Y%m%d%H%M%S", "%Y%m%d%H", "%Y%m%d",
)


def parse_local_datetime(value: Any) -> datetime | None:
    """A naive local datetime from a cell, or None if it is not one of the usual spellings."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)  # noqa: DTZ001 - naive local, as documented
    text = cell_text(value)
    if not text:
        return None
    for fmt in DATETIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)  # noqa: DTZ007 - naive local, as documented
        except ValueError:
            continue
    return None
