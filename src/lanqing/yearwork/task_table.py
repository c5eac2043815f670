"""The task list in the layout county offices circulate: read it (every row checked, nothing written when one
row is bad) and write it back in the same layout, so that an export imported again changes nothing.

Columns: 序号 (number, optional), 任务, 牵头单位, 配合单位, 责任乡镇, 完成时限, 目标, 节点 (optional). English
headers are read as well. Several units, townships or targets share a cell separated by 、 , ; (either width).
A target is "描述 3000户" (a number with a unit) or a text (a deliverable); a milestone is "2020-06-30 完成方案".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from lanqing import texts
from lanqing.cases.workdays import local_date
from lanqing.locked import retry_locked
from lanqing.org import access
from lanqing.org.models import Jurisdiction, Level, Unit
from lanqing.tabular import cell_text, excerpt, parse_local_datetime
from lanqing.yearwork import table_reading
from lanqing.yearwork.completion import progress_of, task_progress_compute
from lanqing.yearwork.models import Milestone, Plan, Target, Task, TaskImport

# A county's year has tens of tasks, a province's thousands; beyond this a file is a mistake or an attack.
MAX_ROWS = 20_000
# Rows per bulk statement and tasks written per transaction (each holds SQLite's write lock a moment only).
BATCH = 1000
# ``on_checked`` hears every PROGRESS_EVERY rows while an import checks them.
PROGRESS_EVERY = 500

# (field, Chinese header, English header, required)
COLUMNS = [
    ("number", "序号", "number", False),
    ("title", "任务", "task", True),
    ("lead", "牵头单位", "lead unit", True),
    ("support", "配合单位", "supporting units", False),
    ("townships", "责任乡镇", "townships", False),
    ("deadline", "完成时限", "deadline", True),
    ("targets", "目标", "targets", False),
    ("milestones", "节点", "milestones", False),
]
HEADERS_ZH = [zh for _f, zh, _en, _r in COLUMNS]


def headers_for_reader() -> list[str]:
    return table_reading.column_headers(COLUMNS)
SEPARATORS = re.compile(r"[、,，;；\n]+")
ITEM_SEPARATORS = re.compile(r"[;；\n]+")
# "改造 3000户", "PM2.5年均浓度 45 µg/m³": a description, then a number and a unit at the end.
NUMERIC_TARGET = re.compile(r"^(?P<description>.*?)\s*(?P<number>-?\d[\d,]*(?:\.\d+)?)\s*(?P<unit>[^\d\s]{0,12})$")
MILESTONE = re.compile(r"^(?P<date>\d{4}[-/.]\d{1,2}[-/.]\d{1,2})\s*(?P<title>.+)$")


@dataclass
class ParsedTask:
    line: int
    number: int | None
    title: str
    lead: Unit
    support: list[Unit]
    townships: list[Jurisdiction]
    deadline: date
    targets: list[tuple[str, Decimal | None, str]]
    milestones: list[tuple[date, str]]


@dataclass
class Reading:
    tasks: list[ParsedTask] = field(default_factory=list)
    errors: list[texts.Stored] = field(default_factory=list)


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _date(value: Any) -> date | None:
    moment = parse_local_datetime(value)
    if moment is None:
        text = cell_text(value).replace(".", "-")
        moment = parse_local_datetime(text)
    return moment.date() if moment is not None else None


class _Names:
    """The plan's units and townships by name, read once per import."""

    def __init__(self, plan: Plan) -> None:
        prefix = plan.jurisdiction.prefix
        self.units: dict[str, Unit] = {}
        for unit in Unit.objects.filter(jurisdiction__code__startswith=prefix):
            self.units[unit.name] = unit
            if unit.short_name:
                self.units.setdefault(unit.short_name, unit)
        self.townships = {j.name: j for j in Jurisdiction.objects.filter(code__startswith=prefix,
                                                                        level=Level.TOWNSHIP)}


class _Row:
    """One row being checked: each column has its method, and every problem is kept with sheet, row and column."""

    def __init__(self, *, reading: Reading, sheet: str, line: int, values: list, index: dict[str, int],
                 plan: Plan, names: _Names) -> None:
        self.reading, self.sheet, self.line, self.values, self.index = reading, sheet, line, values, index
        self.plan, self.names = plan, names
        self.first_day, self.last_day = date(plan.year, 1, 1), date(plan.year, 12, 31)

    def raw(self, name: str) -> Any:
        at = self.index.get(name)
        return self.values[at] if at is not None and at < len(self.values) else ""

    def cell(self, name: str) -> str:
        return cell_text(self.raw(name))

    def items(self, name: str, separators: re.Pattern) -> list[str]:
        return [part.strip() for part in separators.split(self.cell(name)) if part.strip()]

    def bad(self, column: str, reason: str, **params: Any) -> None:
        self.reading.errors.append(table_reading.sheet_problem(self.sheet, self.line, column, reason, **params))

    def number(self, numbers: dict[int, int]) -> int | None:
        text = self.cell("number")
        if not text:
            return None
        if not text.isdigit() or int(text) == 0:
            self.bad("序号", texts.gettext_noop("“%(value)s” is not a task number (1, 2, 3 …)"), value=excerpt(text))
            return None
        if int(text) in numbers:
            self.bad("序号", texts.gettext_noop("number %(number)s is also used in row %(other)s"),
                     number=int(text), other=numbers[int(text)])
            return None
        numbers[int(text)] = self.line
        return int(text)

    def title(self) -> str:
        title = self.cell("title")
        if not title:
            self.bad("任务", texts.gettext_noop("the task is empty"))
        elif len(title) > 300:
            self.bad("任务", texts.gettext_noop("the task is longer than %(limit)s characters"), limit=300)
        return title

    def unit(self, name: str, column: str) -> Unit | None:
        unit = self.names.units.get(name)
        if unit is None:
            self.bad(column, texts.gettext_noop("no unit named “%(name)s” exists in this county"),
                     name=excerpt(name) or "—")
        return unit

    def support(self, lead: Unit | None) -> list[Unit]:
        units = [self.unit(name, "配合单位") for name in self.items("support", SEPARATORS)]
        return list(dict.fromkeys(unit for unit in units if unit is not None and unit != lead))

    def townships(self) -> list[Jurisdiction]:
        found = []
        for name in self.items("townships", SEPARATORS):
            township = self.names.townships.get(name)
            if township is None:
                self.bad("责任乡镇", texts.gettext_noop("no township named “%(name)s” in this county"),
                         name=excerpt(name))
            elif township not in found:
                found.append(township)
        return found

    def in_year(self, day: date, column: str) -> bool:
        if self.first_day <= day <= self.last_day:
            return True
        self.bad(column, texts.gettext_noop("%(date)s lies outside the plan's year %(year)s"), date=day.isoformat(),
                 year=self.plan.year)
        return False

    def deadline(self) -> date | None:
        deadline = _date(self.raw("deadline"))
        if deadline is None:
            self.bad("完成时限", texts.gettext_noop("“%(value)s” is not a date (2020-12-31)"),
                     value=excerpt(self.raw("deadline")) or "—")
            return None
        return deadline if self.in_year(deadline, "完成时限") else None

    def targets(self) -> list[tuple[str, Decimal | None, str]]:
        targets: list[tuple[str, Decimal | None, str]] = []
        for item in self.items("targets", ITEM_SEPARATORS):
            match = NUMERIC_TARGET.match(item)
            amount = _number(match["number"]) if match else None
            if match is None or amount is None:
                targets.append((item[:200], None, ""))
            elif amount < 0:
                self.bad("目标", texts.gettext_noop("the target “%(value)s” is negative"), value=excerpt(item))
            else:
                targets.append((match["description"].strip()[:200], amount, match["unit"]))
        return targets

    def milestones(self) -> list[tuple[date, str]]:
        milestones: list[tuple[date, str]] = []
        for item in self.items("milestones", ITEM_SEPARATORS):
            match = MILESTONE.match(item)
            due = _date(match["date"]) if match else None
            if match is None or due is None:
                self.bad("节点", texts.gettext_noop("“%(value)s” is not a milestone (2020-06-30 完成方案)"),
                         value=excerpt(item))
            elif self.in_year(due, "节点"):
                milestones.append((due, match["title"].strip()[:200]))
        return milestones


def tasks_read(*, plan: Plan, data: bytes, file_name: str,
               on_checked: table_reading.Progress | None = None) -> Reading:
    """Every row checked; the problems name sheet, row, column and reason (stored texts); ``on_checked``
    hears how many rows are done."""
    reading = Reading()
    opened = table_reading.sheet_open(data, file_name=file_name, columns=COLUMNS, max_rows=MAX_ROWS,
                                      errors=reading.errors)
    if opened is None:
        return reading
    sheet, table, index = opened
    names = _Names(plan)
    numbers: dict[int, int] = {}
    for line, values in table_reading.rows_told(table, on_checked=on_checked, every=PROGRESS_EVERY):
        row = _Row(reading=reading, sheet=sheet, line=line, values=values, index=index, plan=plan, names=names)
        before = len(reading.errors)
        number, title = row.number(numbers), row.title()
        lead = row.unit(row.cell("lead"), "牵头单位")
        support, townships, deadline = row.support(lead), row.townships(), row.deadline()
        targets, milestones = row.targets(), row.milestones()
        if len(reading.errors) == before and lead is not None and deadline is not None:
            reading.tasks.append(ParsedTask(line, number, title, lead, support, townships, deadline, targets,
                                            milestones))
    return reading


def _write(plan: Plan, parsed: ParsedTask, number: int, now: datetime) -> Task:
    task, _created = Task.objects.update_or_create(
        plan=plan, number=number,
        defaults={"title": parsed.title, "lead_unit": parsed.lead, "deadline": parsed.deadline,
                  "is_demo": plan.is_demo})
    task.support_units.set(parsed.support)
    task.townships.set(parsed.townships)
    # Targets and milestones are matched by their text, so a re-import keeps what was achieved and reached.
    kept_targets = []
    for description, planned, unit in parsed.targets:
        target = task.targets.filter(description=description, planned__isnull=planned is None).first()
        if target is None:
            target = Target(task=task, description=description)
        target.planned, target.unit = planned, unit
        target.save()
        kept_targets.append(target.id)
    task.targets.exclude(id__in=kept_targets).delete()
    kept_milestones = []
    for due, title in parsed.milestones:
        milestone, _new = Milestone.objects.update_or_create(task=task, title=title, defaults={"due_date": due})
        kept_milestones.append(milestone.id)
    task.milestones.exclude(id__in=kept_milestones).delete()
    task_progress_compute(task=task, now=now, today=local_date(now))
    return task


def tasks_import(*, plan: Plan, by, data: bytes, file_name: str, now: datetime | None = None,
                 on_checked: table_reading.Progress | None = None,
                 on_written: table_reading.Progress | None = None) -> TaskImport:
    """Checks every row first and, when one is bad, writes nothing; then writes BATCH tasks per transaction (a
    task already in the plan under its number is updated, so importing the file again changes nothing). The
    file is kept with the outcome either way."""
    now = now or timezone.now()
    access.require(by, "keytask.manage", plan)
    reading = tasks_read(plan=plan, data=data, file_name=file_name, on_checked=on_checked)
    record = TaskImport(plan=plan, original_name=file_name[:200], by=by, uploaded_at=now, errors=reading.errors)
    record.file.save(f"tasks-{plan.id}-{now:%Y%m%d%H%M%S}.bin", ContentFile(data), save=False)
    if reading.errors:
        record.save()
        return record
    existing = set(plan.tasks.values_list("number", flat=True))
    next_number = max(existing, default=0)
    numbered: list[tuple[int, ParsedTask]] = []
    for parsed in reading.tasks:
        if parsed.number is None:
            next_number += 1
        number = parsed.number or next_number
        next_number = max(next_number, number)
        numbered.append((number, parsed))
    if on_written is not None:
        on_written(0, len(numbered))
    for start in range(0, len(numbered), BATCH):
        retry_locked(partial(_write_batch, plan, numbered[start:start + BATCH], existing, now), what="task import")
        if on_written is not None:
            on_written(min(start + BATCH, len(numbered)), len(numbered))
    record.task_count = len(reading.tasks)
    record.save()
    return record


def _write_batch(plan: Plan, numbered: list[tuple[int, ParsedTask]], existing: set[int], now: datetime) -> None:
    with transaction.atomic():
        fresh = []
        for number, parsed in numbered:
            if number in existing:
                _write(plan, parsed, number, now)
            else:
                fresh.append((number, parsed))
        _create(plan, fresh, now)


def _create(plan: Plan, fresh: list[tuple[int, ParsedTask]], now: datetime) -> None:
    """New tasks in a few statements per table (a province's list has thousands); nothing is reached or
    achieved yet, so their progress is computed from the parsed rows."""
    today = local_date(now)
    tasks = []
    for number, parsed in fresh:
        milestones = [Milestone(title=title, due_date=due) for due, title in parsed.milestones]
        targets = [Target(description=d, planned=p, unit=u) for d, p, u in parsed.targets]
        progress = progress_of(deadline=parsed.deadline, milestones=milestones, targets=targets, has_reports=False,
                               today=today)
        tasks.append(Task(plan=plan, number=number, title=parsed.title, lead_unit=parsed.lead,
                          deadline=parsed.deadline, status=progress.status, completion=progress.completion,
                          computed_at=now, is_demo=plan.is_demo))
    Task.objects.bulk_create(tasks, batch_size=BATCH)
    created = {task.number: task for task in Task.objects.filter(plan=plan, number__in=[n for n, _p in fresh])}
    support, places, targets, milestones = [], [], [], []
    for number, parsed in fresh:
        task = created[number]
        support += [Task.support_units.through(task=task, unit=unit) for unit in parsed.support]
        places += [Task.townships.through(task=task, jurisdiction=township) for township in parsed.townships]
        targets += [Target(task=task, description=d, planned=p, unit=u) for d, p, u in parsed.targets]
        milestones += [Milestone(task=task, title=title, due_date=due) for due, title in parsed.milestones]
    Task.support_units.through.objects.bulk_create(support, batch_size=BATCH)
    Task.townships.through.objects.bulk_create(places, batch_size=BATCH)
    Target.objects.bulk_create(targets, batch_size=BATCH)
    Milestone.objects.bulk_create(milestones, batch_size=BATCH)


def _amount(value: Decimal) -> str:
    return format(value.normalize(), "f")


def task_row(task: Task) -> list:
    """One task as a row of the import layout (lists prefetched by the caller)."""
    targets = "；".join(
        " ".join(filter(None, [t.description, f"{_amount(t.planned)}{t.unit}"])) if t.planned is not None
        else t.description for t in task.targets.all())
    milestones = "；".join(f"{m.due_date.isoformat()} {m.title}" for m in task.milestones.all())
    return [task.number, task.title, task.lead_unit.name, "、".join(u.name for u in task.support_units.all()),
            "、".join(t.name for t in task.townships.all()), task.deadline.isoformat(), targets, milestones]
