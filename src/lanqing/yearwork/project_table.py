"""Projects and their funds in one sheet, the layout the projects list exports and the import reads: every row
checked first (problems name sheet, row, column and reason; nothing written when one is bad), then written in
short batches. A project is known by its year and name in the county, so importing an export changes nothing.

Columns: 年度, 类别, 项目名称, 牵头单位, 乡镇 (optional), 面积（亩）, 面积（公顷） (read only when 亩 is empty),
计划开工, 计划完成, 进度（%）, then budget, allocated and spent in yuan for each source of funds (中央, 省级, 县级,
企业). A source whose three cells are empty has no fund row. English headers are read as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from lanqing import texts
from lanqing.locked import retry_locked
from lanqing.org import access
from lanqing.org.models import Jurisdiction, Level, Unit
from lanqing.tabular import excerpt
from lanqing.yearwork import table_reading
from lanqing.yearwork.models import MU_PER_HECTARE, FundSource, Project, ProjectFund, ProjectKind
from lanqing.yearwork.task_table import _date

MAX_ROWS = 20_000
BATCH = 500
MAX_YUAN = Decimal("1e12")

SOURCE_WORDS = [(FundSource.CENTRAL, "中央", "central"), (FundSource.PROVINCIAL, "省级", "provincial"),
                (FundSource.COUNTY, "县级", "county"), (FundSource.ENTERPRISE, "企业", "enterprise")]
MONEY = [("budget", "预算", "budget"), ("allocated", "到位", "allocated"), ("spent", "支出", "spent")]
COLUMNS = [
    ("year", "年度", "year", True),
    ("kind", "类别", "kind", True),
    ("name", "项目名称", "project", True),
    ("lead", "牵头单位", "lead unit", True),
    ("township", "乡镇", "township", False),
    ("area_mu", "面积（亩）", "area (mu)", False),
    ("area_ha", "面积（公顷）", "area (hectares)", False),
    ("start", "计划开工", "planned start", True),
    ("end", "计划完成", "planned completion", True),
    ("progress", "进度（%）", "progress (%)", False),
    *[(f"{source}_{money}", f"{zh}{money_zh}（元）", f"{en} {money_en} (yuan)", False)
      for source, zh, en in SOURCE_WORDS for money, money_zh, money_en in MONEY],
]
HEADERS_ZH = [zh for _f, zh, _en, _r in COLUMNS]
# The offices' words for the kinds of project; the codes and the English names are read as well.
KIND_WORD = {ProjectKind.GAS: "天然气替代", ProjectKind.MINE: "矿山生态修复", ProjectKind.RURAL: "农村污水垃圾",
             ProjectKind.TOWN: "城镇污水垃圾", ProjectKind.WATER: "水污染防治", ProjectKind.UPGRADE: "产业结构调整",
             ProjectKind.OTHER: "其他"}


def headers_for_reader() -> list[str]:
    return table_reading.column_headers(COLUMNS)


def _kinds() -> dict[str, str]:
    names: dict[str, str] = {word: kind.value for kind, word in KIND_WORD.items()}
    for kind in ProjectKind:
        names[kind.value] = kind.value
        names[str(kind.label).lower()] = kind.value
    return names


@dataclass
class ParsedProject:
    line: int
    values: dict[str, Any]
    funds: dict[str, tuple[Decimal, Decimal, Decimal] | None]


@dataclass
class ProjectReading:
    projects: list[ParsedProject] = field(default_factory=list)
    errors: list[texts.Stored] = field(default_factory=list)
    total: int = 0


class _Row(table_reading.SheetRow[ProjectReading]):
    """One project row being checked: every problem is kept with sheet, row and column."""

    columns = COLUMNS

    def number(self, name: str, *, limit: Decimal, reason: str) -> Decimal | None:
        text = self.cell(name).replace(",", "")
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value < 0 or value >= limit:
            self.bad(name, reason, value=excerpt(self.cell(name)))
            return None
        return value.quantize(Decimal("0.01"))

    def year(self) -> int | None:
        text = self.cell("year")
        if not text.isdigit() or not 2000 <= int(text) <= 2100:
            self.bad("year", texts.gettext_noop("“%(value)s” is not a year (2020)"), value=excerpt(text) or "—")
            return None
        return int(text)

    def day(self, name: str) -> date | None:
        day = _date(self.raw(name))
        if day is None:
            self.bad(name, texts.gettext_noop("“%(value)s” is not a date (2020-12-31)"),
                     value=excerpt(self.cell(name)) or "—")
        return day

    def area(self) -> Decimal | None:
        reason = texts.gettext_noop("“%(value)s” is not an area (0 or more)")
        if self.cell("area_mu"):
            return self.number("area_mu", limit=Decimal("1e10"), reason=reason)
        if self.cell("area_ha"):
            hectares = self.number("area_ha", limit=Decimal("1e9"), reason=reason)
            return None if hectares is None else hectares * MU_PER_HECTARE
        return None

    def progress(self) -> int:
        text = self.cell("progress").rstrip("%")
        if not text:
            return 0
        if not text.isdigit() or int(text) > 100:
            self.bad("progress", texts.gettext_noop("“%(value)s” is not a percentage from 0 to 100"),
                     value=excerpt(self.cell("progress")))
            return 0
        return int(text)

    def funds(self) -> dict[str, tuple[Decimal, Decimal, Decimal] | None]:
        funds: dict[str, tuple[Decimal, Decimal, Decimal] | None] = {}
        reason = texts.gettext_noop("“%(value)s” is not an amount of yuan (0 or more)")
        for source, _zh, _en in SOURCE_WORDS:
            names = [f"{source}_{money}" for money, _mzh, _men in MONEY]
            if not any(self.cell(name) for name in names):
                funds[source] = None
                continue
            amounts = [self.number(name, limit=MAX_YUAN, reason=reason) if self.cell(name) else Decimal("0.00")
                       for name in names]
            if all(amount is not None for amount in amounts):
                funds[source] = (amounts[0], amounts[1], amounts[2])  # type: ignore[assignment]
        return funds


class _Names:
    def __init__(self, county: Jurisdiction, by) -> None:
        self.units: dict[str, Unit] = {}
        for unit in access.units_visible_to(by):
            self.units[unit.name] = unit
            if unit.short_name:
                self.units.setdefault(unit.short_name, unit)
        self.townships = {j.name: j for j in Jurisdiction.objects.filter(code__startswith=county.prefix,
                                                                        level=Level.TOWNSHIP)}
        self.kinds = _kinds()


def _check(row: _Row, names: _Names, seen: dict[tuple[int, str], int]) -> ParsedProject | None:
    before = len(row.reading.errors)
    year, name = row.year(), row.cell("name")
    if not name or len(name) > 200:
        row.bad("name", texts.gettext_noop("the project's name is empty or longer than %(limit)s characters"),
                limit=200)
    elif year is not None and (year, name) in seen:
        row.bad("name", texts.gettext_noop("the same project of the same year is in row %(other)s"),
                other=seen[(year, name)])
    elif year is not None:
        seen[(year, name)] = row.line
    kind = names.kinds.get(row.cell("kind")) or names.kinds.get(row.cell("kind").lower())
    if kind is None:
        row.bad("kind", texts.gettext_noop("“%(value)s” is not a kind of project (%(kinds)s)"),
                value=excerpt(row.cell("kind")) or "—", kinds="、".join(KIND_WORD.values()))
    lead = names.units.get(row.cell("lead"))
    if lead is None:
        row.bad("lead", texts.gettext_noop("no unit named “%(name)s” exists in this county"),
                name=excerpt(row.cell("lead")) or "—")
    township = names.townships.get(row.cell("township")) if row.cell("township") else None
    if row.cell("township") and township is None:
        row.bad("township", texts.gettext_noop("no township named “%(name)s” in this county"),
                name=excerpt(row.cell("township")))
    start, end = row.day("start"), row.day("end")
    if start is not None and end is not None and end < start:
        row.bad("end", texts.gettext_noop("the planned completion lies before the start"))
    area, progress, funds = row.area(), row.progress(), row.funds()
    if len(row.reading.errors) > before:
        return None
    return ParsedProject(row.line, {"year": year, "kind": kind, "name": name, "lead_unit": lead,
                                    "township": township, "area_mu": area, "planned_start": start,
                                    "planned_end": end, "progress": progress}, funds)


def projects_read(*, by, data: bytes, file_name: str,
                  on_checked: table_reading.Progress | None = None) -> ProjectReading:
    reading = ProjectReading()
    opened = table_reading.sheet_open(data, file_name=file_name, columns=COLUMNS, max_rows=MAX_ROWS,
                                      errors=reading.errors)
    if opened is None:
        return reading
    sheet, table, index = opened
    county = access.jurisdictions_visible_to(by).filter(level=Level.COUNTY).first()
    if county is None:
        reading.errors.append(texts.message(texts.gettext_noop("Only a county's bureau imports projects.")))
        return reading
    names = _Names(county, by)
    seen: dict[tuple[int, str], int] = {}
    reading.total = len(table.rows)
    for line, values in table_reading.rows_told(table, on_checked=on_checked, every=BATCH):
        parsed = _check(_Row(reading=reading, sheet=sheet, line=line, values=values, index=index), names, seen)
        if parsed is not None:
            reading.projects.append(parsed)
    return reading


def projects_import(*, by, data: bytes, file_name: str, on_checked: table_reading.Progress | None = None,
                    on_written: table_reading.Progress | None = None) -> tuple[int, list[texts.Stored]]:
    """Every row checked first, nothing written when one is bad; then BATCH projects per transaction, each
    with its funds (a project of the same year and name is updated)."""
    access.require(by, "project.manage")
    reading = projects_read(by=by, data=data, file_name=file_name, on_checked=on_checked)
    if reading.errors:
        return 0, reading.errors
    county = access.jurisdictions_visible_to(by).filter(level=Level.COUNTY).get()
    if on_written is not None:
        on_written(0, len(reading.projects))
    for start in range(0, len(reading.projects), BATCH):
        retry_locked(partial(_write_batch, county, reading.projects[start:start + BATCH]), what="project import")
        if on_written is not None:
            on_written(min(start + BATCH, len(reading.projects)), len(reading.projects))
    return len(reading.projects), []


def _write_batch(county: Jurisdiction, parsed: list[ParsedProject]) -> None:
    now = timezone.now()
    with transaction.atomic():
        for item in parsed:
            project, _created = Project.objects.update_or_create(
                jurisdiction=county, year=item.values["year"], name=item.values["name"],
                defaults=item.values, create_defaults={**item.values, "created_at": now})
            for source, amounts in item.funds.items():
                if amounts is None:
                    ProjectFund.objects.filter(project=project, source=source).delete()
                else:
                    ProjectFund.objects.update_or_create(project=project, source=source, defaults={
                        "budget": amounts[0], "allocated": amounts[1], "spent": amounts[2]})


def project_row(project: Project) -> list:
    """One project as a row of the import layout (funds prefetched by the caller)."""
    funds = {fund.source: fund for fund in project.funds.all()}
    money: list = []
    for source, _zh, _en in SOURCE_WORDS:
        fund = funds.get(source)
        money += [getattr(fund, name) for name, _mzh, _men in MONEY] if fund else ["", "", ""]
    return [project.year, KIND_WORD.get(ProjectKind(project.kind), project.kind), project.name,
            project.lead_unit.name, project.township.name if project.township else "",
            project.area_mu if project.area_mu is not None else "",
            project.area_hectares if project.area_hectares is not None else "",
            project.planned_start, project.planned_end, project.progress, *money]
