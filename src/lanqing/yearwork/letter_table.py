"""The targets of the responsibility letters in one sheet, the layout the letters list exports and the import
reads: one row per signed target, naming its letter by year and township or unit. Every row is checked first
(problems name sheet, row, column and reason; nothing written when one is bad), then written in short batches.
A letter missing for its party and year is created; a target is known by its letter and its wording and is
updated in place (targets not in the file are left as they are). Only letters whose targets changed are
computed again, so importing an export changes nothing. The export adds two columns the import ignores: 是否达标
and 计算时间, what lanqing computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from lanqing import texts
from lanqing.locked import retry_locked
from lanqing.monitoring.models import Site
from lanqing.org import access
from lanqing.org.models import Jurisdiction, Level, Unit
from lanqing.tabular import excerpt
from lanqing.yearwork import table_reading
from lanqing.yearwork.measured import letter_targets_compute
from lanqing.yearwork.models import Letter, LetterTarget, Measure

MAX_ROWS = 20_000
BATCH = 500
COLUMNS = [
    ("year", "年度", "year", True),
    ("township", "乡镇", "township", False),
    ("unit", "单位", "unit", False),
    ("measure", "考核指标", "measured by", True),
    ("description", "目标", "target", True),
    ("value", "目标值", "target value", True),
    ("at_most", "不超过", "at most", False),
    ("site", "站点编码", "site code", False),
    ("measured", "实测值", "measured", False),
]
HEADERS_ZH = [zh for _f, zh, _en, _r in COLUMNS]
EXPORT_HEADERS_ZH = [*HEADERS_ZH, "是否达标", "计算时间"]
MEASURE_WORD = {Measure.PM25_ANNUAL_MEAN: "PM2.5年均浓度", Measure.GOOD_DAYS_RATIO: "优良天数比例",
                Measure.HOUSEHOLDS_CONVERTED: "清洁取暖改造户数", Measure.SECTION_CLASS: "断面水质类别",
                Measure.CASES_ON_TIME: "案件按期办结率", Measure.OTHER: "其他"}
YES, NO = ("是", "yes", "y", "true", "1"), ("否", "no", "n", "false", "0", "")


def headers_for_reader() -> list[str]:
    return table_reading.column_headers(COLUMNS)


@dataclass
class LetterReading:
    targets: list[dict[str, Any]] = field(default_factory=list)
    errors: list[texts.Stored] = field(default_factory=list)
    total: int = 0


class _Row(table_reading.SheetRow[LetterReading]):
    columns = COLUMNS

    def amount(self, name: str) -> Decimal | None:
        try:
            value = Decimal(self.cell(name).replace(",", ""))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value < 0 or value >= Decimal("1e10"):
            self.bad(name, texts.gettext_noop("“%(value)s” is not a number (0 or more)"),
                     value=excerpt(self.cell(name)) or "—")
            return None
        return value.quantize(Decimal("0.01"))


class _Names:
    def __init__(self, county: Jurisdiction, by) -> None:
        self.county = county
        self.townships = {j.name: j for j in Jurisdiction.objects.filter(code__startswith=county.prefix,
                                                                        level=Level.TOWNSHIP)}
        self.units: dict[str, Unit] = {}
        for unit in Unit.objects.filter(jurisdiction__code__startswith=county.prefix):
            self.units[unit.name] = unit
            if unit.short_name:
                self.units.setdefault(unit.short_name, unit)
        self.sites = {site.code: site for site in access.visible(by, Site.objects.all())}
        self.measures: dict[str, str] = {word: measure.value for measure, word in MEASURE_WORD.items()}
        for measure in Measure:
            self.measures[measure.value] = measure.value
            self.measures[str(measure.label).lower()] = measure.value


def _party(row: _Row, names: _Names) -> tuple[Jurisdiction | None, Unit | None, bool]:
    township_name, unit_name = row.cell("township"), row.cell("unit")
    if bool(township_name) == bool(unit_name):
        row.bad("township", texts.gettext_noop("name either a township or a unit, not both or neither"))
        return None, None, False
    if township_name:
        township = names.townships.get(township_name)
        if township is None:
            row.bad("township", texts.gettext_noop("no township named “%(name)s” in this county"),
                    name=excerpt(township_name))
        return township, None, township is not None
    unit = names.units.get(unit_name)
    if unit is None:
        row.bad("unit", texts.gettext_noop("no unit named “%(name)s” exists in this county"), name=excerpt(unit_name))
    return None, unit, unit is not None


def _check(row: _Row, names: _Names, seen: dict[tuple, int]) -> dict[str, Any] | None:
    before = len(row.reading.errors)
    year = row.cell("year")
    if not year.isdigit() or not 2000 <= int(year) <= 2100:
        row.bad("year", texts.gettext_noop("“%(value)s” is not a year (2020)"), value=excerpt(year) or "—")
    township, unit, party_known = _party(row, names)
    measure = names.measures.get(row.cell("measure")) or names.measures.get(row.cell("measure").lower())
    if measure is None:
        row.bad("measure", texts.gettext_noop("“%(value)s” is not a measure (%(measures)s)"),
                value=excerpt(row.cell("measure")) or "—", measures="、".join(MEASURE_WORD.values()))
    description = row.cell("description")
    if not description or len(description) > 200:
        row.bad("description", texts.gettext_noop("the target is empty or longer than %(limit)s characters"),
                limit=200)
    elif party_known and year.isdigit():
        key = (int(year), township, unit, description)
        if key in seen:
            row.bad("description", texts.gettext_noop("the same target of the same letter is in row %(other)s"),
                    other=seen[key])
        seen[key] = row.line
    value = row.amount("value")
    at_most_text = row.cell("at_most").lower()
    if at_most_text not in YES + NO:
        row.bad("at_most", texts.gettext_noop("“%(value)s” is neither 是 nor 否"), value=excerpt(row.cell("at_most")))
    site = names.sites.get(row.cell("site")) if row.cell("site") else None
    if row.cell("site") and site is None:
        row.bad("site", texts.gettext_noop("no site you see has the code “%(value)s”"), value=excerpt(row.cell("site")))
    measured = row.amount("measured") if row.cell("measured") and measure == Measure.OTHER else None
    if len(row.reading.errors) > before:
        return None
    return {"year": int(year), "township": township, "unit": unit, "measure": measure, "description": description,
            "target_value": value, "at_most": at_most_text in YES, "site": site, "measured": measured}


def letters_read(*, by, data: bytes, file_name: str,
                 on_checked: table_reading.Progress | None = None) -> LetterReading:
    reading = LetterReading()
    opened = table_reading.sheet_open(data, file_name=file_name, columns=COLUMNS, max_rows=MAX_ROWS,
                                      errors=reading.errors)
    if opened is None:
        return reading
    sheet, table, index = opened
    county = access.jurisdictions_visible_to(by).filter(level=Level.COUNTY).first()
    if county is None:
        reading.errors.append(texts.message(texts.gettext_noop("Only a county's bureau imports letters.")))
        return reading
    names = _Names(county, by)
    seen: dict[tuple, int] = {}
    reading.total = len(table.rows)
    for line, values in table_reading.rows_told(table, on_checked=on_checked, every=BATCH):
        checked = _check(_Row(reading=reading, sheet=sheet, line=line, values=values, index=index), names, seen)
        if checked is not None:
            reading.targets.append(checked)
    return reading


def letters_import(*, by, data: bytes, file_name: str, on_checked: table_reading.Progress | None = None,
                   on_written: table_reading.Progress | None = None) -> tuple[int, list[texts.Stored]]:
    """Every row checked first, nothing written when one is bad; then BATCH targets per transaction."""
    access.require(by, "letter.manage")
    reading = letters_read(by=by, data=data, file_name=file_name, on_checked=on_checked)
    if reading.errors:
        return 0, reading.errors
    county = access.jurisdictions_visible_to(by).filter(level=Level.COUNTY).get()
    if on_written is not None:
        on_written(0, len(reading.targets))
    for start in range(0, len(reading.targets), BATCH):
        retry_locked(partial(_write_batch, county, reading.targets[start:start + BATCH]), what="letter import")
        if on_written is not None:
            on_written(min(start + BATCH, len(reading.targets)), len(reading.targets))
    return len(reading.targets), []


FIELDS = ("measure", "target_value", "at_most", "site", "measured")


def _write_batch(county: Jurisdiction, targets: list[dict[str, Any]]) -> None:
    now = timezone.now()
    changed: dict[int, Letter] = {}
    with transaction.atomic():
        for item in targets:
            letter = Letter.objects.filter(year=item["year"], township=item["township"], unit=item["unit"]).first()
            if letter is None:
                letter = Letter.objects.create(jurisdiction=county, year=item["year"], township=item["township"],
                                               unit=item["unit"], created_at=now)
            target = LetterTarget.objects.filter(letter=letter, description=item["description"]).first()
            if target is None:
                target = LetterTarget(letter=letter, description=item["description"])
            elif item["measure"] != Measure.OTHER:
                item = {**item, "measured": target.measured}  # a figure lanqing computes is not the file's
            if target.pk and all(getattr(target, name) == item[name] for name in FIELDS):
                continue
            if item["measure"] == Measure.OTHER and (not target.pk or target.measured != item["measured"]):
                target.measured_at = now if item["measured"] is not None else None
            for name in FIELDS:
                setattr(target, name, item[name])
            target.save()
            changed[letter.id] = letter
        for letter in changed.values():
            letter_targets_compute(letter=letter, now=now)


def target_row(target: LetterTarget) -> list:
    """One target as a row of the import layout, then whether it is met and when it was computed."""
    letter = target.letter
    return [letter.year, letter.township.name if letter.township else "", letter.unit.name if letter.unit else "",
            MEASURE_WORD.get(Measure(target.measure), target.measure), target.description, target.target_value,
            "是" if target.at_most else "否", target.site.code if target.site else "",
            target.measured if target.measure == Measure.OTHER and target.measured is not None else "",
            "" if target.met is None else ("是" if target.met else "否"), target.measured_at or ""]
