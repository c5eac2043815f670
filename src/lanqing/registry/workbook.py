"""The registry workbook's layout, and reading and writing it as .xlsx with bounded memory.

One sheet per kind of record, in the order they depend on each other: units, enterprises, sites (air
stations, water sections and outlets), points, devices. Row 1 of a sheet is its header; a sheet or column is
known by its key (``sites``, ``credit_code``) or by its label in English or Chinese, so a workbook exported
in either language reads back. Reading streams the file (openpyxl read-only) and refuses a workbook with more
than ``MAX_ROWS`` rows; merged cells and formulas are reported rather than guessed at. Writing puts every
text in a text cell, so a name that starts with = + - @ is never a formula.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from lanqing.texts import Stored, message

# A county's registry is hundreds of enterprises and a few thousand devices; a workbook far beyond this is a
# mistake (a wrong file, a sheet filled down to its end), and checking it as a whole would hold it in memory.
MAX_ROWS = 20_000
# Rows of one sheet read at most, empty ones included, before the sheet is refused.
EMPTY_ROWS_FACTOR = 5
# Columns read per row: the widest sheet has 15; a row carrying values out to column XFD is read no further.
MAX_COLUMNS = 40


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # English msgid, marked with gettext_noop
    required: bool = False


@dataclass(frozen=True)
class SheetLayout:
    key: str
    label: str
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


SHEETS: tuple[SheetLayout, ...] = (
    SheetLayout("units", gettext_noop("Units"), (
        Column("name", gettext_noop("Unit name"), True),
        Column("short_name", gettext_noop("Short name")),
        Column("kind", gettext_noop("Unit kind"), True),
        Column("jurisdiction", gettext_noop("Division code"), True),
        Column("leader_name", gettext_noop("Leader")),
        Column("phone", gettext_noop("Phone")),
    )),
    SheetLayout("enterprises", gettext_noop("Enterprises"), (
        Column("credit_code", gettext_noop("Unified social credit code"), True),
        Column("name", gettext_noop("Enterprise name"), True),
        Column("industry", gettext_noop("Industry code (GB/T 4754)"), True),
        Column("industry_name", gettext_noop("Industry name")),
        Column("township", gettext_noop("Township code"), True),
        Column("village", gettext_noop("Village code")),
        Column("address", gettext_noop("Address")),
        Column("longitude", gettext_noop("Longitude")),
        Column("latitude", gettext_noop("Latitude")),
        Column("contact_name", gettext_noop("Contact person")),
        Column("contact_phone", gettext_noop("Contact phone")),
        Column("status", gettext_noop("Operating status")),
    )),
    SheetLayout("sites", gettext_noop("Sites"), (
        Column("code", gettext_noop("Site code"), True),
        Column("kind", gettext_noop("Site kind"), True),
        Column("name", gettext_noop("Site name"), True),
        Column("jurisdiction", gettext_noop("Division code"), True),
        Column("enterprise", gettext_noop("Enterprise credit code")),
        Column("outlet_medium", gettext_noop("Outlet medium")),
        Column("longitude", gettext_noop("Longitude")),
        Column("latitude", gettext_noop("Latitude")),
        Column("target_class", gettext_noop("Target water class")),
        Column("limit_set", gettext_noop("Emission limit set")),
        Column("reference_o2", gettext_noop("Reference oxygen content")),
        Column("is_active", gettext_noop("In service")),
    )),
    SheetLayout("points", gettext_noop("Points"), (
        Column("site", gettext_noop("Site code"), True),
        Column("code", gettext_noop("Point code"), True),
        Column("name", gettext_noop("Point name"), True),
    )),
    SheetLayout("devices", gettext_noop("Devices"), (
        Column("mn", gettext_noop("MN"), True),
        Column("site", gettext_noop("Site code"), True),
        Column("point", gettext_noop("Point code"), True),
        Column("protocol", gettext_noop("Protocol"), True),
        Column("password", gettext_noop("Access password")),
        Column("sm4_key", gettext_noop("SM4 key")),
        Column("crc_mode", gettext_noop("CRC check")),
        Column("logger_id", gettext_noop("Data-logger ID")),
        Column("reply_timeout", gettext_noop("Reply timeout (s)")),
        Column("resend_count", gettext_noop("Resend count")),
        Column("rtd_interval", gettext_noop("Real-time data interval (s)")),
        Column("min_interval", gettext_noop("Minute data interval (min)")),
        Column("realtime_upload", gettext_noop("Real-time data upload")),
        Column("status_upload", gettext_noop("Facility status upload")),
        Column("commissioned_on", gettext_noop("Commissioning date")),
    )),
)
LAYOUT = {sheet.key: sheet for sheet in SHEETS}


def _names(key: str, label: str) -> set[str]:
    """Every spelling a header or sheet name may have: the key, the English label and its translations."""
    spellings = {key.lower(), label.lower()}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            spellings.add(gettext(label).lower())
    return spellings


def _normal(text: str) -> str:
    return " ".join(text.split()).lower()


@dataclass(frozen=True)
class CellError:
    """A bad cell: where (sheet key, sheet name as in the file, row, column letter, header) and why."""

    sheet: str
    sheet_title: str
    row: int
    column: str
    header: str
    reason: Stored


@dataclass
class SheetRows:
    """A sheet as read: the column of each known key and the non-empty rows (row number, raw values)."""

    layout: SheetLayout
    title: str
    columns: dict[str, int] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)

    def letter(self, key: str) -> str:
        from openpyxl.utils import get_column_letter

        return get_column_letter(self.columns[key] + 1) if key in self.columns else ""

    def error(self, row: int, key: str, reason: Stored) -> CellError:
        return CellError(self.layout.key, self.title, row, self.letter(key),
                         self.headers.get(key, key), reason)


def workbook_read(data: bytes, *, max_rows: int = MAX_ROWS) -> tuple[dict[str, SheetRows], list[CellError]]:
    """The workbook's sheets by key, and every problem of its shape (not of its values)."""
    if not data.startswith(b"PK\x03\x04"):
        if not data.strip():
            return {}, [_file_error(message(gettext_noop("the file is empty")))]
        return {}, [_file_error(message(gettext_noop(
            "the file is not an Excel .xlsx workbook (a CSV or .xls file renamed?); open it in Excel or WPS and "
            "save it as .xlsx, or download the template")))]
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file; none may crash an import
        return {}, [_file_error(message(gettext_noop("the .xlsx workbook cannot be opened: %(problem)s"),
                                        problem=str(exc)[:200]))]
    try:
        return _read_sheets(workbook, data, max_rows=max_rows)
    finally:
        workbook.close()


def _file_error(reason: Stored) -> CellError:
    return CellError("", "", 0, "", "", reason)


def _read_sheets(workbook, data: bytes, *, max_rows: int) -> tuple[dict[str, SheetRows], list[CellError]]:
    errors: list[CellError] = []
    by_name = {_normal(sheet.title): sheet for sheet in workbook.worksheets}
    found: dict[str, SheetRows] = {}
    total = 0
    for layout in SHEETS:
        sheet = next((by_name[name] for name in _names(layout.key, layout.label) if name in by_name), None)
        if sheet is None:
            errors.append(CellError(layout.key, "", 0, "", "", message(gettext_noop(
                "the sheet %(sheet)s is missing (every sheet of the template is needed, even when empty)"),
                sheet=message(layout.label))))
            continue
        rows = SheetRows(layout, sheet.title)
        found[layout.key] = rows
        for cell_range in _merged_ranges(data, sheet._worksheet_path):
            first = cell_range.split(":")[0]
            row_number = int(re.sub(r"[A-Z]", "", first) or 0)
            errors.append(CellError(layout.key, sheet.title, row_number, re.sub(r"\d", "", first), "", message(
                gettext_noop("merged cells %(range)s: unmerge them and fill in every cell"), range=cell_range)))
        iterator: Iterator[tuple] = sheet.iter_rows(max_col=MAX_COLUMNS)
        header_cells = next(iterator, ())
        errors += _header(rows, header_cells)
        for read, cells in enumerate(iterator, start=2):
            if read > max_rows * EMPTY_ROWS_FACTOR:
                # Rows formatted down to the sheet's end are empty but still read one by one.
                errors.append(CellError(layout.key, sheet.title, 0, "", "", message(gettext_noop(
                    "the sheet runs past row %(limit)s; delete the empty rows below the data"),
                    limit=max_rows * EMPTY_ROWS_FACTOR)))
                return found, errors
            if total >= max_rows:
                errors.append(_file_error(message(gettext_noop(
                    "the workbook has more than %(limit)s rows; split it into several workbooks"), limit=max_rows)))
                return found, errors
            values: list[Any] = []
            row_number = 0
            for cell in cells:
                row_number = row_number or getattr(cell, "row", 0) or 0
                if getattr(cell, "data_type", None) == "f":
                    key = next((k for k, at in rows.columns.items() if at == len(values)), "")
                    errors.append(CellError(layout.key, sheet.title, row_number, cell.column_letter,
                                            rows.headers.get(key, ""), message(gettext_noop(
                                                "a formula: enter the value itself (copy, paste as values)"))))
                    values.append(None)
                elif getattr(cell, "data_type", None) == "e":
                    errors.append(CellError(layout.key, sheet.title, row_number, cell.column_letter, "",
                                            message(gettext_noop("an error value %(value)s"), value=str(cell.value))))
                    values.append(None)
                else:
                    values.append(cell.value)
            if not any(value is not None and str(value).strip() for value in values):
                continue
            total += 1
            rows.rows.append((row_number, values))
    return found, errors


def _header(rows: SheetRows, cells: Iterable) -> list[CellError]:
    from openpyxl.utils import get_column_letter

    errors: list[CellError] = []
    spellings = {key: _names(column.key, column.label) for column in rows.layout.columns for key in [column.key]}
    for index, cell in enumerate(cells):
        text = "" if cell.value is None else str(cell.value).strip()
        if not text:
            continue
        key = next((k for k, names in spellings.items() if _normal(text) in names), None)
        if key is None:
            errors.append(CellError(rows.layout.key, rows.title, 1, get_column_letter(index + 1), text,
                                    message(gettext_noop("unknown column %(header)s"), header=text[:60])))
        elif key in rows.columns:
            errors.append(CellError(rows.layout.key, rows.title, 1, get_column_letter(index + 1), text,
                                    message(gettext_noop("the column %(header)s appears twice"), header=text[:60])))
        else:
            rows.columns[key] = index
            rows.headers[key] = text
    for column in rows.layout.columns:
        if column.required and column.key not in rows.columns:
            errors.append(CellError(rows.layout.key, rows.title, 1, "", "", message(
                gettext_noop("the column %(column)s is missing"), column=message(column.label))))
    return errors


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def _merged_ranges(data: bytes, path: str) -> list[str]:
    """The merged ranges of one sheet, read from its XML in pieces (read-only openpyxl does not report them)."""
    ranges: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        try:
            stream = archive.open(path.lstrip("/"))
        except KeyError:
            return ranges
        with stream:
            tail = b""
            while chunk := stream.read(1 << 16):
                text = tail + chunk
                cut = text.rfind(b"<")
                complete, tail = (text[:cut], text[cut:]) if cut > 0 else (text, b"")
                ranges += [match.decode() for match in _MERGE.findall(complete)]
                if len(ranges) > 100:
                    break
            ranges += [match.decode() for match in _MERGE.findall(tail)]
    return ranges


def workbook_write(sheets: dict[str, Iterable[list[Any]]]) -> bytes:
    """An .xlsx with every sheet of the layout, headers in the active language, and the given rows.

    Text goes into text cells whatever it starts with (= + - @, tab, CR): a spreadsheet never runs it as a
    formula, and the same text reads back.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    for layout in SHEETS:
        sheet = workbook.create_sheet(gettext(layout.label)[:31])
        sheet.freeze_panes = "A2"
        for index, column in enumerate(layout.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(12, len(gettext(column.label)) * 2 + 2)
        sheet.append([gettext(column.label) for column in layout.columns])
        for values in sheets.get(layout.key, ()):
            row = []
            for value in values:
                if isinstance(value, str):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.data_type = "s"
                    row.append(cell)
                else:
                    row.append(value)
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
