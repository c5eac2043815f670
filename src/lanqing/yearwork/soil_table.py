"""The soil register in one sheet, the layout the soil page exports and the import reads: each row is a key
supervision unit (类型 重点监管单位: the enterprise by its credit code, the year it was listed) or a contaminated
plot (类型 污染地块: name, township, lead unit, area, stage, the date its step is due). Every row is checked
first (problems name sheet, row, column and reason; nothing written when one is bad), then written in short
batches. A unit is known by its enterprise, a plot by its township and name, so importing an export changes
nothing; a plot whose stage or due date changes starts a new clock, as on the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.db import transaction

from lanqing import texts
from lanqing.locked import retry_locked
from lanqing.org import access
from lanqing.org.models import Enterprise, Jurisdiction, Level, Unit
from lanqing.tabular import excerpt
from lanqing.yearwork import table_reading
from lanqing.yearwork.models import Plot, PlotStage, SoilUnit
from lanqing.yearwork.task_table import _date

MAX_ROWS = 20_000
BATCH = 500
UNIT_WORD, PLOT_WORD = "重点监管单位", "污染地块"
COLUMNS = [
    ("type", "类型", "type", True),
    ("name", "名称", "name", True),
    ("credit_code", "统一社会信用代码", "credit code", False),
    ("township", "乡镇", "township", False),
    ("listed", "列入年度", "listed in", False),
    ("lead", "牵头单位", "lead unit", False),
    ("area_mu", "面积（亩）", "area (mu)", False),
    ("stage", "阶段", "stage", False),
    ("due", "步骤期限", "step due", False),
]
HEADERS_ZH = [zh for _f, zh, _en, _r in COLUMNS]
STAGE_WORD = {PlotStage.SUSPECTED: "疑似污染地块", PlotStage.INVESTIGATION: "调查中", PlotStage.CONFIRMED: "确认污染",
              PlotStage.RISK_ASSESSMENT: "风险评估", PlotStage.RISK_CONTROL: "风险管控或修复",
              PlotStage.CLOSED: "已移出名录"}


def headers_for_reader() -> list[str]:
    return table_reading.column_headers(COLUMNS)


@dataclass
class SoilReading:
    units: list[tuple[Enterprise, int]] = field(default_factory=list)
    plots: list[dict[str, Any]] = field(default_factory=list)
    errors: list[texts.Stored] = field(default_factory=list)
    total: int = 0


class _Row(table_reading.SheetRow[SoilReading]):
    columns = COLUMNS


class _Names:
    def __init__(self, by) -> None:
        county = access.jurisdictions_visible_to(by).filter(level=Level.COUNTY).first()
        prefix = county.prefix if county else "-"
        self.townships = {j.name: j for j in Jurisdiction.objects.filter(code__startswith=prefix,
                                                                        level=Level.TOWNSHIP)}
        self.units: dict[str, Unit] = {}
        for unit in access.units_visible_to(by):
            self.units[unit.name] = unit
            if unit.short_name:
                self.units.setdefault(unit.short_name, unit)
        self.stages = {word: stage.value for stage, word in STAGE_WORD.items()}
        for stage in PlotStage:
            self.stages[stage.value] = stage.value
            self.stages[str(stage.label).lower()] = stage.value


def _unit_row(row: _Row, seen: dict[str, int]) -> None:
    before = len(row.reading.errors)
    code = row.cell("credit_code").upper()
    enterprise = Enterprise.objects.filter(credit_code=code).first() if code else None
    if enterprise is None:
        row.bad("credit_code", texts.gettext_noop("no registered enterprise has the credit code “%(value)s”"),
                value=excerpt(code) or "—")
    elif code in seen:
        row.bad("credit_code", texts.gettext_noop("the same enterprise is in row %(other)s"), other=seen[code])
    else:
        seen[code] = row.line
    year = row.cell("listed")
    if not year.isdigit() or not 2000 <= int(year) <= 2100:
        row.bad("listed", texts.gettext_noop("“%(value)s” is not a year (2020)"), value=excerpt(year) or "—")
    if len(row.reading.errors) == before and enterprise is not None:
        row.reading.units.append((enterprise, int(year)))


def _plot_row(row: _Row, names: _Names, seen: dict[tuple[str, str], int]) -> None:
    before = len(row.reading.errors)
    name = row.cell("name")
    township = names.townships.get(row.cell("township"))
    if not name or len(name) > 200:
        row.bad("name", texts.gettext_noop("the plot's name is empty or longer than %(limit)s characters"),
                limit=200)
    if township is None:
        row.bad("township", texts.gettext_noop("no township named “%(name)s” in this county"),
                name=excerpt(row.cell("township")) or "—")
    elif (township.name, name) in seen:
        row.bad("name", texts.gettext_noop("the same plot of the same township is in row %(other)s"),
                other=seen[(township.name, name)])
    else:
        seen[(township.name, name)] = row.line
    lead = names.units.get(row.cell("lead"))
    if lead is None:
        row.bad("lead", texts.gettext_noop("no unit named “%(name)s” exists in this county"),
                name=excerpt(row.cell("lead")) or "—")
    area = None
    if row.cell("area_mu"):
        try:
            area = Decimal(row.cell("area_mu").replace(",", ""))
        except InvalidOperation:
            area = None
        if area is None or not area.is_finite() or area < 0 or area >= Decimal("1e10"):
            row.bad("area_mu", texts.gettext_noop("“%(value)s” is not an area (0 or more)"),
                    value=excerpt(row.cell("area_mu")))
            area = None
    stage = names.stages.get(row.cell("stage")) or names.stages.get(row.cell("stage").lower())
    if stage is None:
        row.bad("stage", texts.gettext_noop("“%(value)s” is not a stage (%(stages)s)"),
                value=excerpt(row.cell("stage")) or "—", stages="、".join(STAGE_WORD.values()))
    due = _date(row.raw("due")) if row.cell("due") else None
    if row.cell("due") and due is None:
        row.bad("due", texts.gettext_noop("“%(value)s” is not a date (2020-12-31)"), value=excerpt(row.cell("due")))
    if len(row.reading.errors) == before:
        row.reading.plots.append({"name": name, "township": township, "lead_unit": lead,
                                  "area_mu": area.quantize(Decimal("0.01")) if area is not None else None,
                                  "stage": stage, "stage_due": due})


def soil_read(*, by, data: bytes, file_name: str,
              on_checked: table_reading.Progress | None = None) -> SoilReading:
    reading = SoilReading()
    opened = table_reading.sheet_open(data, file_name=file_name, columns=COLUMNS, max_rows=MAX_ROWS,
                                      errors=reading.errors)
    if opened is None:
        return reading
    sheet, table, index = opened
    names = _Names(by)
    units_seen: dict[str, int] = {}
    plots_seen: dict[tuple[str, str], int] = {}
    reading.total = len(table.rows)
    for line, values in table_reading.rows_told(table, on_checked=on_checked, every=BATCH):
        row = _Row(reading=reading, sheet=sheet, line=line, values=values, index=index)
        kind = row.cell("type")
        if kind == UNIT_WORD:
            _unit_row(row, units_seen)
        elif kind == PLOT_WORD:
            _plot_row(row, names, plots_seen)
        else:
            row.bad("type", texts.gettext_noop("“%(value)s” is not a type of row (%(types)s)"),
                    value=excerpt(kind) or "—", types="、".join([UNIT_WORD, PLOT_WORD]))
    return reading


def soil_import(*, by, data: bytes, file_name: str, on_checked: table_reading.Progress | None = None,
                on_written: table_reading.Progress | None = None) -> tuple[int, list[texts.Stored]]:
    """Every row checked first, nothing written when one is bad; then BATCH rows per transaction."""
    access.require(by, "soil.manage")
    reading = soil_read(by=by, data=data, file_name=file_name, on_checked=on_checked)
    if reading.errors:
        return 0, reading.errors
    work: list[tuple[str, Any]] = [("unit", unit) for unit in reading.units] + [("plot", p) for p in reading.plots]
    if on_written is not None:
        on_written(0, len(work))
    for start in range(0, len(work), BATCH):
        retry_locked(partial(_write_batch, work[start:start + BATCH]), what="soil import")
        if on_written is not None:
            on_written(min(start + BATCH, len(work)), len(work))
    return len(work), []


def _write_batch(work: list[tuple[str, Any]]) -> None:
    with transaction.atomic():
        for kind, item in work:
            if kind == "unit":
                enterprise, year = item
                SoilUnit.objects.update_or_create(enterprise=enterprise, defaults={"listed_year": year})
                continue
            plot = Plot.objects.filter(township=item["township"], name=item["name"]).first()
            if plot is None:
                Plot.objects.create(**item)
                continue
            if (plot.stage, plot.stage_due) != (item["stage"], item["stage_due"]):
                plot.case = None  # a new step starts a new clock, as plot_stage_set does
            for name, value in item.items():
                setattr(plot, name, value)
            plot.save()


def unit_row(unit: SoilUnit) -> list:
    return [UNIT_WORD, unit.enterprise.name, unit.enterprise.credit_code, unit.enterprise.township.name,
            unit.listed_year, "", "", "", ""]


def plot_row(plot: Plot) -> list:
    return [PLOT_WORD, plot.name, "", plot.township.name, "", plot.lead_unit.name,
            plot.area_mu if plot.area_mu is not None else "", STAGE_WORD.get(PlotStage(plot.stage), plot.stage),
            plot.stage_due or ""]
