"""Loading administrative divisions (统计用区划代码) into the jurisdiction tree."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from lanqing.org.models import PARENT_LEVEL, PREFIX_LENGTH, Jurisdiction, Level
from lanqing.tabular import TableError, cell_text, read_table

DATA_DIR = Path(__file__).resolve().parent / "data"
GU_COUNTY_DIVISIONS = DATA_DIR / "gu_county_141025_villages_2021.csv"
GU_COUNTY_BOUNDARY = DATA_DIR / "gu_county_141025.geojson"

# Names of the levels above a county, so a county file can hang under its city and province.
ANCESTORS = {"141000000000": ("临汾市", Level.CITY), "140000000000": ("山西省", Level.PROVINCE)}


class DivisionError(Exception):
    pass


@dataclass
class DivisionLoad:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def _ancestor_code(code: str, level: Level) -> str:
    length = PREFIX_LENGTH[level]
    return code[:length].ljust(12, "0")


@transaction.atomic
def divisions_load(data: bytes, *, is_demo: bool = False) -> DivisionLoad:
    """Loads rows `code12,name,level,parent_code12`; existing codes are renamed, never duplicated.

    A row whose parent is neither in the file nor in the database is an error; nothing is written then.
    """
    try:
        table = read_table(data)
    except TableError as exc:
        raise DivisionError(str(exc)) from None
    header = [name.lower() for name in table.header]
    for column in ("code12", "name", "level"):
        if column not in header:
            raise DivisionError(f"missing column {column}")
    at = {name: header.index(name) for name in header}
    result = DivisionLoad()
    rows = []
    for line, cells in table.rows:
        code = cell_text(cells[at["code12"]])
        name = cell_text(cells[at["name"]])
        level = cell_text(cells[at["level"]]).lower()
        if not (len(code) == 12 and code.isdigit()):
            result.errors.append(f"line {line}, column code12: {code!r} is not a 12-digit code")
            continue
        if level not in Level.values:
            result.errors.append(f"line {line}, column level: {level!r} is not one of {', '.join(Level.values)}")
            continue
        if not name:
            result.errors.append(f"line {line}, column name: empty")
            continue
        rows.append((line, code, name, Level(level)))
    if result.errors:
        raise DivisionError("; ".join(result.errors))
    # Parents first, whatever the file's order.
    rows.sort(key=lambda row: PREFIX_LENGTH[row[3]])
    for line, code, name, level in rows:
        parent = None
        parent_level = PARENT_LEVEL.get(level)
        if parent_level is not None:
            parent_code = _ancestor_code(code, parent_level)
            parent = Jurisdiction.objects.filter(code=parent_code).first()
            if parent is None and parent_code in ANCESTORS:
                parent = _ensure_ancestor(parent_code, is_demo=is_demo)
            if parent is None:
                raise DivisionError(f"line {line}: parent {parent_code} of {code} is neither in the file nor stored")
        _, created = Jurisdiction.objects.update_or_create(
            code=code, defaults={"name": name, "level": level, "parent": parent, "is_demo": is_demo})
        if created:
            result.created += 1
        else:
            result.updated += 1
    return result


def _ensure_ancestor(code: str, *, is_demo: bool) -> Jurisdiction:
    name, level = ANCESTORS[code]
    parent_level = PARENT_LEVEL.get(level)
    parent = None
    if parent_level is not None:
        parent_code = _ancestor_code(code, parent_level)
        parent = Jurisdiction.objects.filter(code=parent_code).first() or (
            _ensure_ancestor(parent_code, is_demo=is_demo) if parent_code in ANCESTORS else None)
    jurisdiction, _ = Jurisdiction.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent, "is_demo": is_demo})
    return jurisdiction


def gu_county_load(*, is_demo: bool = False) -> DivisionLoad:
    return divisions_load(GU_COUNTY_DIVISIONS.read_bytes(), is_demo=is_demo)
