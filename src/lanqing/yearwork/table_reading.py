"""The opening that the imports of the year's work share: the uploaded CSV or workbook read through lanqing.tabular,
its header matched to the layout's columns (Chinese or English), its rows handed on while the progress is told,
and a row's cells and problems by field. What a row means is each import's own."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from django.utils.translation import get_language

from lanqing import texts
from lanqing.tabular import Table, TableError, cell_text, read_table

# (field, Chinese header, English header, required)
Column = tuple[str, str, str, bool]
# Told (rows done, rows in all) while an import checks or writes.
Progress = Callable[[int, int], None]
# A problem found on (row, column header, reason, **params) of the file, as the import words it.
Problem = Callable[..., texts.Stored]


def column_headers(columns: list[Column]) -> list[str]:
    """The column names an import reads, in the reader's language (it reads either spelling)."""
    english = (get_language() or "").lower().startswith("en")
    return [en if english else zh for _f, zh, en, _r in columns]


def sheet_problem(sheet: str, line: int, column: str, reason: str, **params: Any) -> texts.Stored:
    return texts.message(texts.gettext_noop("Sheet %(sheet)s, row %(row)s, column %(column)s: %(reason)s"),
                         sheet=sheet, row=line, column=column, reason=texts.message(reason, **params))


def sheet_name(data: bytes, fallback: str) -> str:
    """The first sheet's name of a workbook, or ``fallback`` (the file's name) for a CSV file."""
    if not data.startswith(b"PK\x03\x04"):
        return fallback
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        return fallback  # read_table reports the broken file
    name = workbook.sheetnames[0] if workbook.sheetnames else fallback
    workbook.close()
    return name


def table_open(data: bytes, *, columns: list[Column], max_rows: int, errors: list[texts.Stored],
               problem: Problem) -> tuple[Table, dict[str, int]] | None:
    """The table and the position of each field's column in it; None when the file cannot be read or its header
    lacks a required column, with the reason added to ``errors`` (the header's problem is row 1's)."""
    try:
        table = read_table(data, max_rows=max_rows)
    except TableError as error:
        errors.append(texts.message(texts.gettext_noop("The file cannot be read: %(reason)s"),
                                    reason=texts.message(error.reason, **error.params)))
        return None
    header = [name.strip().lower() for name in table.header]
    index = {name: header.index(spelling.lower()) for name, zh, en, _r in columns for spelling in (zh, en)
             if spelling.lower() in header}
    missing = [zh for name, zh, _en, required in columns if required and name not in index]
    if missing:
        errors.append(problem(1, "、".join(missing), texts.gettext_noop(
            "the header lacks this column; use the layout of the exported list")))
        return None
    return table, index


def sheet_open(data: bytes, *, file_name: str, columns: list[Column], max_rows: int,
               errors: list[texts.Stored]) -> tuple[str, Table, dict[str, int]] | None:
    """As ``table_open``, for a layout whose problems name the sheet: the sheet's name, the table and the position
    of each field's column."""
    sheet = sheet_name(data, file_name)
    opened = table_open(data, columns=columns, max_rows=max_rows, errors=errors,
                        problem=partial(sheet_problem, sheet))
    return None if opened is None else (sheet, *opened)


def rows_told(table: Table, *, on_checked: Progress | None, every: int) -> Iterator[tuple[int, list[Any]]]:
    """The table's rows as (line, values); ``on_checked`` hears before every ``every``-th row and once all are
    done."""
    total = len(table.rows)
    for done, (line, values) in enumerate(table.rows, start=1):
        if on_checked is not None and done % every == 0:
            on_checked(done, total)
        yield line, values
    if on_checked is not None:
        on_checked(total, total)


class Checked(Protocol):
    """A reading that keeps the problems its rows find."""

    errors: list[texts.Stored]


R = TypeVar("R", bound=Checked)


class SheetRow(Generic[R]):
    """One row being checked against the layout ``columns``: its cells by field, and every problem added to the
    reading's errors with sheet, row and the field's Chinese header."""

    columns: ClassVar[list[Column]]

    def __init__(self, *, reading: R, sheet: str, line: int, values: list, index: dict[str, int]) -> None:
        self.reading, self.sheet, self.line, self.values, self.index = reading, sheet, line, values, index

    def raw(self, name: str) -> Any:
        at = self.index.get(name)
        return self.values[at] if at is not None and at < len(self.values) else ""

    def cell(self, name: str) -> str:
        return cell_text(self.raw(name))

    def bad(self, field_name: str, reason: str, /, **params: Any) -> None:
        column = next(zh for f, zh, _en, _r in self.columns if f == field_name)
        self.reading.errors.append(sheet_problem(self.sheet, self.line, column, reason, **params))
