"""Emission-reduction lists: versions per heating season, the rules an entry keeps, import and export in Excel.

Every entry, typed on the page or read from a workbook, is checked by `entry_problems`: a known enterprise, a
level, a share of normal emission between 0 and 100 %, an outlet of that enterprise or a process named, a
known factor, and the enterprise not listed twice for one level with the same outlet or process. An import
writes a new version only when every row is right; errors name the sheet, row, column and reason.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext, override
from openpyxl import Workbook

from lanqing import texts
from lanqing.monitoring.models import Factor, Site, SiteKind
from lanqing.org import access
from lanqing.org.models import Enterprise, Jurisdiction
from lanqing.tabular import TableError, cell_text, excerpt, read_table, spreadsheet_safe
from lanqing.texts import gettext_noop
from lanqing.winter.models import Grade, Level, ReductionEntry, ReductionList

SEASON = re.compile(r"^(\d{4})-(\d{4})$")
# A county's list is some hundreds of enterprises with a few rows each; far more is a wrong file.
MAX_ROWS = 10_000


class ListRefused(Exception):
    def __init__(self, reason: texts.Stored) -> None:
        super().__init__(reason["key"])
        self.reason = reason


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # English msgid, marked with gettext_noop


COLUMNS = (
    Column("credit_code", gettext_noop("Unified social credit code")),
    Column("enterprise", gettext_noop("Enterprise name")),
    Column("level", gettext_noop("Warning level")),
    Column("grade", gettext_noop("Performance grade")),
    Column("outlet", gettext_noop("Outlet site code")),
    Column("process", gettext_noop("Process or line")),
    Column("allowed_share", gettext_noop("Share of normal emission or load (%)")),
    Column("factor", gettext_noop("Proving factor (HJ 212 code)")),
    Column("measure", gettext_noop("Measure")),
)
SHEET_LABEL = gettext_noop("Reduction list")


def season_of(day: date) -> str:
    """The list year a day falls in: lists are revised before each autumn and winter, from 1 October."""
    first = day.year if day.month >= 10 else day.year - 1
    return f"{first}-{first + 1}"


def season_problem(season: str) -> texts.Stored | None:
    match = SEASON.match(season or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        return texts.message(gettext_noop("A heating season is written as two following years, e.g. 2026-2027."))
    return None


def list_in_force(*, area: Jurisdiction, day: date) -> ReductionList | None:
    return (ReductionList.objects.filter(jurisdiction=area, season=season_of(day))
            .order_by("-version").first())


def newest_versions(lists: Iterable[ReductionList]) -> set[int]:
    """The ids among `lists` that are the newest version of their season (one query)."""
    lists = list(lists)
    tops = {(row["jurisdiction"], row["season"]): row["top"] for row in ReductionList.objects.filter(
        season__in={r.season for r in lists}).values("jurisdiction", "season").annotate(top=Max("version"))}
    return {r.id for r in lists if tops.get((r.jurisdiction_id, r.season)) == r.version}


def _next_version(area: Jurisdiction, season: str) -> int:
    top = ReductionList.objects.filter(jurisdiction=area, season=season).aggregate(top=Max("version"))["top"]
    return (top or 0) + 1


def _area(by) -> Jurisdiction:
    area = access.root_jurisdiction(by)
    if area is None:
        raise ListRefused(texts.message(gettext_noop("Your account has no area to keep a list for.")))
    return area


def reduction_list_create(*, by, season: str, note: str = "", now: datetime | None = None) -> ReductionList:
    """A new version of the season's list, holding a copy of the newest version's entries to edit."""
    access.require(by, "reduction.edit")
    problem = season_problem(season)
    if problem:
        raise ListRefused(problem)
    area = _area(by)
    with transaction.atomic():
        Jurisdiction.objects.select_for_update().get(pk=area.pk)  # one writer numbers a season's versions
        previous = ReductionList.objects.filter(jurisdiction=area, season=season).order_by("-version").first()
        created = ReductionList.objects.create(jurisdiction=area, season=season, version=_next_version(area, season),
                                               note=note[:200], created_at=now or timezone.now(), created_by=by)
        if previous is not None:
            copies = list(previous.entries.all())
            for entry in copies:
                entry.pk, entry.reduction_list = None, created
            ReductionEntry.objects.bulk_create(copies)
    return created


# --- one entry ------------------------------------------------------------------------------------------------------

@dataclass
class EntryData:
    """An entry as typed or read; `problems` maps a column key to its reason."""

    enterprise: Enterprise | None = None
    level: str = ""
    grade: str = ""
    site: Site | None = None
    process: str = ""
    allowed_share: Decimal | None = None
    factor: Factor | None = None
    measure: str = ""


def _plain(text: str) -> str:
    return text.strip().lower().replace("（", "(").replace("）", ")").replace(" ", "")


def _level_of(value: str) -> str | None:
    text = _plain(value)
    spellings = {Level.YELLOW: {"yellow", "黄", "黄色", "iii", "ⅲ"}, Level.ORANGE: {"orange", "橙", "橙色", "ii", "ⅱ"},
                 Level.RED: {"red", "红", "红色", "i", "ⅰ"}}
    for level, names in spellings.items():
        for language in ("zh-hans", "en"):
            with override(language):
                names.add(_plain(str(level.label)))
        if text in names:
            return level
    return None


def _grade_of(value: str) -> str | None:
    text = value.strip().upper().replace("＋", "+")
    if not text:
        return ""
    by_text = {"A+": Grade.A_PLUS, "A": Grade.A, "B": Grade.B, "C": Grade.C, "D": Grade.D, "EXEMPT": Grade.EXEMPT,
               "豁免": Grade.EXEMPT, "保障类": Grade.EXEMPT, "EXEMPT (保障类)": Grade.EXEMPT}
    return by_text.get(text)


def _share_of(value: Any) -> Decimal | None:
    text = cell_text(value).rstrip("%").strip() if value not in (None, "") else ""
    if not text:
        return None
    try:
        share = Decimal(text)
    except InvalidOperation:
        return None
    return share if share.is_finite() else None


def entry_problems(data: EntryData, *, raw: dict[str, Any] | None = None) -> dict[str, texts.Stored]:
    """What is wrong with one entry on its own, by column key."""
    raw = raw or {}
    problems: dict[str, texts.Stored] = {}
    if data.enterprise is None:
        problems["credit_code"] = texts.message(gettext_noop("No enterprise has the credit code %(value)s."),
                                                value=excerpt(raw.get("credit_code", "")))
    if data.level not in Level.values:
        problems["level"] = texts.message(gettext_noop("%(value)s is not a warning level: write yellow, orange "
                                                       "or red (黄色, 橙色, 红色)."),
                                          value=excerpt(raw.get("level", "")))
    if data.grade not in Grade.values:
        problems["grade"] = texts.message(gettext_noop("%(value)s is not a performance grade: A+, A, B, C, D or "
                                                       "exempt."), value=excerpt(raw.get("grade", "")))
    if data.allowed_share is None:
        problems["allowed_share"] = texts.message(gettext_noop("%(value)s is not a share in per cent."),
                                                  value=excerpt(raw.get("allowed_share", "")))
    elif not 0 <= data.allowed_share <= 100:
        problems["allowed_share"] = texts.message(gettext_noop("A share of normal emission is between 0 and 100 %%, "
                                                               "not %(value)s."), value=str(data.allowed_share))
    if raw.get("outlet") and data.site is None:
        problems["outlet"] = texts.message(gettext_noop("No outlet has the site code %(value)s."),
                                           value=excerpt(raw["outlet"]))
    elif data.site is not None and data.enterprise is not None and data.site.enterprise_id != data.enterprise.id:
        problems["outlet"] = texts.message(gettext_noop("The outlet %(site)s belongs to another enterprise."),
                                           site=data.site.code)
    elif data.site is None and not data.process.strip():
        problems["process"] = texts.message(gettext_noop("Name the outlet or the process that stops or limits."))
    if raw.get("factor") and data.factor is None:
        problems["factor"] = texts.message(gettext_noop("%(value)s is not a known factor code."),
                                           value=excerpt(raw["factor"]))
    if not data.measure.strip():
        problems["measure"] = texts.message(gettext_noop("Describe the measure."))
    return problems


def _key(data: EntryData) -> tuple:
    return (data.enterprise.id if data.enterprise else None, data.level,
            data.site.id if data.site else None, data.process.strip().lower())


def _duplicate() -> texts.Stored:
    return texts.message(gettext_noop("This enterprise is already listed at this level for the same outlet or "
                                      "process."))


def _require_newest(reduction_list: ReductionList) -> None:
    if reduction_list.id not in newest_versions([reduction_list]):
        raise ListRefused(texts.message(gettext_noop("Only the newest version of a season's list is edited; an "
                                                     "older one stays as it was issued.")))


def entry_save(*, by, reduction_list: ReductionList, data: EntryData,
               entry: ReductionEntry | None = None) -> ReductionEntry:
    """Adds or changes one entry of a list; ListRefused names the first problem, and nothing is written."""
    access.require(by, "reduction.edit", reduction_list)
    if entry is not None:
        access.require(by, "reduction.edit", entry)
    _require_newest(reduction_list)
    problems = entry_problems(data)
    if problems:
        raise ListRefused(next(iter(problems.values())))
    others = reduction_list.entries.select_related("enterprise", "site")
    if entry is not None:
        others = others.exclude(pk=entry.pk)
    key = _key(data)
    for other in others.filter(enterprise=data.enterprise, level=data.level):
        if _key(EntryData(enterprise=other.enterprise, level=other.level, site=other.site,
                          process=other.process)) == key:
            raise ListRefused(_duplicate())
    target = entry or ReductionEntry(reduction_list=reduction_list)
    for name in ("enterprise", "level", "grade", "site", "process", "allowed_share", "factor", "measure"):
        setattr(target, name, getattr(data, name))
    target.process, target.measure = data.process.strip()[:100], data.measure.strip()[:300]
    target.save()
    return target


def entry_delete(*, by, entry: ReductionEntry) -> None:
    access.require(by, "reduction.edit", entry)
    _require_newest(entry.reduction_list)
    entry.delete()


# --- the workbook ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str  # the column's English label (a msgid), or "" for the whole row
    reason: texts.Stored


@dataclass
class ImportResult:
    reduction_list: ReductionList | None
    errors: list[RowError]
    entries: int = 0


def _header_index(header: list[str]) -> tuple[dict[str, int], list[str]]:
    found: dict[str, int] = {}
    for column in COLUMNS:
        spellings = {column.key, column.label.lower()}
        for language in ("zh-hans", "en"):
            with override(language):
                spellings.add(gettext(column.label).lower())
        for index, name in enumerate(header):
            if name.strip().lower() in spellings:
                found[column.key] = index
    missing = [c.label for c in COLUMNS if c.key not in found and c.key not in ("enterprise", "grade", "outlet",
                                                                                 "process", "factor")]
    return found, missing


def _lookups(rows: list[tuple[int, list[Any]]], index: dict[str, int]):
    def values(key: str) -> set[str]:
        at = index.get(key)
        return {cell_text(cells[at]) for _, cells in rows if at is not None and at < len(cells)} - {""}

    enterprises = {e.credit_code: e for e in Enterprise.objects.filter(
        credit_code__in={v.upper() for v in values("credit_code")})}
    sites = {s.code: s for s in Site.objects.filter(code__in=values("outlet"), kind=SiteKind.OUTLET)}
    factors = {f.code: f for f in Factor.objects.filter(code__in=values("factor"))}
    return enterprises, sites, factors


def reduction_list_import(*, by, season: str, data: bytes, note: str = "",
                          now: datetime | None = None) -> ImportResult:
    """Reads a workbook into a new version of the season's list; with any bad row nothing is written."""
    access.require(by, "reduction.edit")
    problem = season_problem(season)
    if problem:
        return ImportResult(None, [RowError(SHEET_LABEL, 0, "", problem)])
    area = _area(by)
    try:
        table = read_table(data, max_rows=MAX_ROWS)
    except TableError as error:
        return ImportResult(None, [RowError(SHEET_LABEL, 0, "", texts.message(error.reason, **error.params))])
    index, missing = _header_index(table.header)
    if missing:
        return ImportResult(None, [RowError(SHEET_LABEL, 1, label, texts.message(
            gettext_noop("The header has no column %(column)s."), column=texts.message(label)))
            for label in missing])
    enterprises, sites, factors = _lookups(table.rows, index)
    labels = {c.key: c.label for c in COLUMNS}
    errors: list[RowError] = []
    entries: list[EntryData] = []
    seen: dict[tuple, int] = {}
    visible_ids = set(access.enterprises_visible_to(by).filter(id__in=[e.id for e in enterprises.values()])
                      .values_list("id", flat=True))
    for line, cells in table.rows:
        raw = {key: (cells[at] if at < len(cells) else "") for key, at in index.items()}
        text = {key: cell_text(value) for key, value in raw.items()}
        enterprise = enterprises.get(text.get("credit_code", "").upper())
        if enterprise is not None and enterprise.id not in visible_ids:
            enterprise = None
        grade = _grade_of(text.get("grade", ""))
        entry = EntryData(enterprise=enterprise, level=_level_of(text.get("level", "")) or "?",
                          grade=grade if grade is not None else "?",
                          site=sites.get(text.get("outlet", "")), process=text.get("process", ""),
                          allowed_share=_share_of(raw.get("allowed_share")),
                          factor=factors.get(text.get("factor", "")), measure=text.get("measure", ""))
        problems = entry_problems(entry, raw=text)
        for key, reason in problems.items():
            errors.append(RowError(SHEET_LABEL, line, labels[key], reason))
        if not problems:
            entry_key = _key(entry)
            if entry_key in seen:
                errors.append(RowError(SHEET_LABEL, line, labels["level"], texts.message(
                    gettext_noop("This enterprise is listed at this level for the same outlet or process in row "
                                 "%(row)s too."), row=seen[entry_key])))
            else:
                seen[entry_key] = line
                entries.append(entry)
    if not table.rows:
        errors.append(RowError(SHEET_LABEL, 2, "", texts.message(gettext_noop("The sheet has no entries."))))
    if errors:
        return ImportResult(None, errors)
    with transaction.atomic():
        Jurisdiction.objects.select_for_update().get(pk=area.pk)
        created = ReductionList.objects.create(jurisdiction=area, season=season, version=_next_version(area, season),
                                               note=note[:200], created_at=now or timezone.now(), created_by=by)
        ReductionEntry.objects.bulk_create([
            ReductionEntry(reduction_list=created, enterprise=e.enterprise, level=e.level, grade=e.grade, site=e.site,
                           process=e.process.strip()[:100], allowed_share=e.allowed_share or Decimal(0),
                           factor=e.factor,
                           measure=e.measure.strip()[:300]) for e in entries])
    return ImportResult(created, [], len(entries))


def _grade_text(grade: str) -> str:
    return "" if not grade else str(Grade(grade).label)


def export_rows(entries: Iterable[ReductionEntry]):
    """The rows of a list as the import reads them (levels and grades written in the reader's language)."""
    for entry in entries:
        yield [entry.enterprise.credit_code, entry.enterprise.name, str(Level(entry.level).label),
               _grade_text(entry.grade), entry.site.code if entry.site else "", entry.process,
               float(entry.allowed_share), entry.factor.code if entry.factor else "", entry.measure]


def workbook_bytes(rows: Iterable[list[Any]]) -> bytes:
    """A one-sheet workbook with the list's header in the active language; every text cell is safe."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(gettext(SHEET_LABEL))
    sheet.append([gettext(c.label) for c in COLUMNS])
    for row in rows:
        sheet.append([spreadsheet_safe(value) if isinstance(value, str) else value for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
