"""Loading administrative divisions (统计用区划代码) into the jurisdiction tree.

A division list is the statistics bureau's: a 12-digit code and a name per row, optionally the parent's code
and the level. The level follows from the code itself (PP CC DD TTT VVV: province, city, county, township,
village), so a list needs nothing more; a level or parent column that disagrees with the code is an error.
A file is checked as a whole before anything is written, and loading the same list again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from lanqing.org.models import PARENT_LEVEL, PREFIX_LENGTH, Jurisdiction, Level
from lanqing.tabular import TableError, cell_text, read_table

DATA_DIR = Path(__file__).resolve().parent / "data"
GU_COUNTY_DIVISIONS = DATA_DIR / "gu_county_141025_villages_2021.csv"
GU_COUNTY_BOUNDARY = DATA_DIR / "gu_county_141025.geojson"

# Counties whose division lists ship with the package, by their 6-digit code.
SHIPPED_COUNTIES = {"141025": GU_COUNTY_DIVISIONS}
# Names of the levels above a shipped county, so its file can hang under its city and province.
ANCESTORS = {"141000000000": ("临汾市", Level.CITY), "140000000000": ("山西省", Level.PROVINCE)}

# Header names accepted for each column (the statistics bureau's Chinese ones and our English ones).
COLUMNS = {
    "code": ("code12", "code", "统计用区划代码", "区划代码", "代码"),
    "name": ("name", "名称", "单位名称"),
    "parent": ("parent_code12", "parent_code", "parent", "上级代码", "上级区划代码"),
    "level": ("level", "级别"),
}


class DivisionError(Exception):
    """The list cannot be loaded; `errors` name each bad line and column. Nothing was written."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class DivisionLoad:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def level_of_code(code: str) -> Level:
    if code[9:] != "000":
        return Level.VILLAGE
    if code[6:9] != "000":
        return Level.TOWNSHIP
    if code[4:6] != "00":
        return Level.COUNTY
    if code[2:4] != "00":
        return Level.CITY
    return Level.PROVINCE


def parent_code_of(code: str) -> str | None:
    parent_level = PARENT_LEVEL.get(level_of_code(code))
    return None if parent_level is None else code[:PREFIX_LENGTH[parent_level]].ljust(12, "0")


def _is_code(text: str) -> bool:
    return len(text) == 12 and text.isdigit() and text[:2] != "00"


def _where(line: int, column: str) -> str:
    return _("line %(line)s, column %(column)s") % {"line": line, "column": column}


def _rows(data: bytes) -> tuple[list[tuple[int, str, str, Level]], list[str]]:
    """The rows of a division list as (line, code, name, level), and every error found in it."""
    try:
        table = read_table(data)
    except TableError as exc:
        return [], [_(exc.reason) % exc.params]
    header = [name.strip().lower() for name in table.header]
    at: dict[str, int] = {}
    for column, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in header:
                at[column] = header.index(alias)
                break
    missing = [COLUMNS[c][0] for c in ("code", "name") if c not in at]
    if missing:
        return [], [_("line 1: the column(s) %(columns)s are missing") % {"columns": ", ".join(missing)}]
    errors: list[str] = []
    rows: list[tuple[int, str, str, Level]] = []
    seen: dict[str, int] = {}

    def cell(cells: list, column: str) -> str:
        index = at.get(column)
        return cell_text(cells[index]).strip() if index is not None and index < len(cells) else ""

    for line, cells in table.rows:
        code, name = cell(cells, "code"), cell(cells, "name")
        if not _is_code(code):
            errors.append(_("%(where)s: %(value)s is not a 12-digit division code") % {
                "where": _where(line, table.header[at["code"]]), "value": repr(code[:40])})
            continue
        if not name:
            errors.append(_("%(where)s: empty") % {"where": _where(line, table.header[at["name"]])})
            continue
        if code in seen:
            errors.append(_("%(where)s: %(code)s repeats line %(first)s") % {
                "where": _where(line, table.header[at["code"]]), "code": code, "first": seen[code]})
            continue
        seen[code] = line
        level = level_of_code(code)
        stated_parent = cell(cells, "parent")
        if stated_parent and stated_parent != (parent_code_of(code) or ""):
            errors.append(_("%(where)s: %(parent)s is not the parent of %(code)s (its code says %(expected)s)") % {
                "where": _where(line, table.header[at["parent"]]), "parent": stated_parent[:40], "code": code,
                "expected": parent_code_of(code) or "—"})
            continue
        stated_level = cell(cells, "level").lower()
        if stated_level and stated_level != level.value:
            errors.append(_("%(where)s: %(value)s does not match the code %(code)s (a %(level)s)") % {
                "where": _where(line, table.header[at["level"]]), "value": stated_level[:40], "code": code,
                "level": level.value})
            continue
        rows.append((line, code, name[:100], level))
    return rows, errors


@transaction.atomic
def divisions_load(data: bytes, *, is_demo: bool = False) -> DivisionLoad:
    """Loads a division list; an existing code is renamed when its name changed, never duplicated.

    A row whose parent is neither in the list nor stored (nor an ancestor of a shipped county) is an error.
    On any error nothing is written and DivisionError lists them all.
    """
    rows, errors = _rows(data)
    in_file = {code for _line, code, _name, _level in rows}
    stored = set(Jurisdiction.objects.filter(code__in={parent_code_of(c) for c in in_file} - {None})
                 .values_list("code", flat=True))
    for line, code, _name, _level in rows:
        wanted = parent_code_of(code)
        if wanted is not None and wanted not in in_file and wanted not in stored and wanted not in ANCESTORS:
            errors.append(_("line %(line)s: the parent %(parent)s of %(code)s is neither in the file nor stored") % {
                "line": line, "parent": wanted, "code": code})
    if errors:
        raise DivisionError(errors)
    result = DivisionLoad()
    existing = {j.code: j for j in Jurisdiction.objects.filter(code__in=in_file)}
    # Parents first, whatever the file's order.
    rows.sort(key=lambda row: PREFIX_LENGTH[row[3]])
    for _line, code, name, level in rows:
        parent_code = parent_code_of(code)
        parent = None
        if parent_code is not None:
            parent = existing.get(parent_code) or Jurisdiction.objects.filter(code=parent_code).first()
            if parent is None:
                parent = _ensure_ancestor(parent_code, is_demo=is_demo)
        old = existing.get(code)
        if old is None:
            existing[code] = Jurisdiction.objects.create(code=code, name=name, level=level, parent=parent,
                                                         is_demo=is_demo)
            result.created += 1
        elif (old.name, old.level, old.parent_id) == (name, level, parent.id if parent else None):
            result.unchanged += 1
        else:
            old.name, old.level, old.parent = name, level, parent
            old.save(update_fields=["name", "level", "parent"])
            result.updated += 1
    return result


def _ensure_ancestor(code: str, *, is_demo: bool) -> Jurisdiction:
    name, level = ANCESTORS[code]
    parent_code = parent_code_of(code)
    parent = None
    if parent_code is not None:
        parent = Jurisdiction.objects.filter(code=parent_code).first() or (
            _ensure_ancestor(parent_code, is_demo=is_demo) if parent_code in ANCESTORS else None)
    jurisdiction, _created = Jurisdiction.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent, "is_demo": is_demo})
    return jurisdiction


def shipped_county_code(code: str) -> str:
    """The 12-digit code of a county whose list ships with the package, from its 6- or 12-digit code."""
    text = code.strip()
    short = text[:6] if len(text) == 12 and text.isdigit() and text.endswith("000000") else text
    if short not in SHIPPED_COUNTIES:
        raise DivisionError([_("no division list for %(code)s ships with lanqing (it has: %(shipped)s); load the "
                               "statistics bureau's list with: lanqing divisions load FILE.csv") % {
                                   "code": text[:20], "shipped": ", ".join(sorted(SHIPPED_COUNTIES))}])
    return short.ljust(12, "0")


def county_load(code: str, *, is_demo: bool = False) -> tuple[Jurisdiction, DivisionLoad]:
    """Loads a shipped county's divisions; returns the county and what changed."""
    county_code = shipped_county_code(code)
    result = divisions_load(SHIPPED_COUNTIES[county_code[:6]].read_bytes(), is_demo=is_demo)
    return Jurisdiction.objects.get(code=county_code), result


def gu_county_load(*, is_demo: bool = False) -> DivisionLoad:
    return divisions_load(GU_COUNTY_DIVISIONS.read_bytes(), is_demo=is_demo)
