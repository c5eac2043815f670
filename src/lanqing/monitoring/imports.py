"""Importing measurements from CSV/XLSX files: every bad row reported with line, column and reason."""

from __future__ import annotations

import math
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from lanqing import texts
from lanqing.monitoring.measurements import MeasurementRow, measurements_upsert
from lanqing.monitoring.models import Factor, MeasurementImport, Period, Point, Site, Source
from lanqing.tabular import TableError, cell_text, excerpt, parse_local_datetime, read_table

# Column names accepted, English and Chinese; the first one is what the template file uses.
COLUMNS = {
    "site": ("site", "站点", "站点编码"),
    "point": ("point", "点位", "点位编码"),
    "factor": ("factor", "因子", "因子编码"),
    "period": ("period", "周期", "数据类型"),
    "time": ("time", "时间", "监测时间"),
    "value": ("value", "数值", "监测值"),
    "flag": ("flag", "标记", "数据标记"),
}
REQUIRED = ("site", "factor", "time", "value")
PERIOD_NAMES = {"rtd": Period.RTD, "min": Period.MIN, "hour": Period.HOUR, "day": Period.DAY,
                "实时": Period.RTD, "分钟": Period.MIN, "小时": Period.HOUR, "日": Period.DAY}
# HJ 212-2017 data flags, plus the two-letter flags of 2025 that start with one of them.
FLAGS = set("NFMSDCTB")


@dataclass
class RowError:
    line: int
    column: str
    reason: str  # an English msgid with %(name)s placeholders
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        # A report quotes a bad cell by a short excerpt only: a cell can hold thousands of characters.
        params = {name: excerpt(value) if isinstance(value, str) else value for name, value in self.params.items()}
        return {"line": self.line, "column": self.column, "reason": self.reason, "params": params}


def describe_error(error: dict) -> str:
    """The error in the active language."""
    return gettext(error["reason"]) % error.get("params", {})


@dataclass
class ImportResult:
    rows_total: int = 0
    rows_written: int = 0
    rows_unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_error: RowError | None = None

    @property
    def rows_rejected(self) -> int:
        return len({error.line for error in self.errors})

    @property
    def imported_nothing(self) -> bool:
        return self.rows_written == 0 and self.rows_unchanged == 0

    def summary(self) -> str:
        if self.file_error:
            return gettext("The file was not imported: %(reason)s") % {
                "reason": describe_error(self.file_error.as_dict())}
        if self.rows_total and self.rows_rejected == self.rows_total:
            return gettext("Nothing was imported: all %(count)s rows have errors.") % {"count": self.rows_total}
        return gettext("%(total)s rows read: %(written)s imported or changed, %(unchanged)s already present, "
                       "%(rejected)s rejected.") % {
            "total": self.rows_total, "written": self.rows_written, "unchanged": self.rows_unchanged,
            "rejected": self.rows_rejected}


class _Lookups:
    """Sites, points and factors by code, limited to what the importing user may see."""

    def __init__(self, sites):
        self.sites = {site.code: site for site in sites}
        self.points: dict[tuple[int, str], Point] = {}
        self.only_point: dict[int, Point | None] = {}
        for point in Point.objects.filter(site__in=list(self.sites.values())).order_by("id"):
            self.points[(point.site_id, point.code)] = point
            self.only_point[point.site_id] = point if point.site_id not in self.only_point else None
        self.factors: dict[str, Factor] = {}
        for factor in Factor.objects.all():
            for name in (factor.code, factor.code_2005, factor.name_zh, factor.name_en):
                if name:
                    self.factors.setdefault(name.lower(), factor)


def import_measurements(data: bytes, *, sites=None) -> ImportResult:
    """Validate every row; import the good ones. `sites` limits the sites a row may name (the user's scope)."""
    result = ImportResult()
    try:
        table = read_table(data)
    except TableError as exc:
        result.file_error = RowError(0, "", exc.reason, exc.params)
        return result
    positions = _column_positions(table.header)
    missing = [name for name in REQUIRED if name not in positions]
    if missing:
        result.file_error = RowError(1, "", gettext_noop("missing column(s): %(columns)s"), {"columns": ", ".join(missing)})
        return result
    lookups = _Lookups(sites if sites is not None else Site.objects.all())
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    now = timezone.now()
    good: list[MeasurementRow] = []
    seen: dict[tuple, int] = {}
    result.rows_total = len(table.rows)
    for line, cells in table.rows:
        row, errors = _validate(line, cells, positions, lookups, tz, now)
        if row is not None and row.key in seen:
            errors.append(RowError(line, "time", gettext_noop("repeats line %(line)s (same point, factor, period and time)"),
                                   {"line": seen[row.key]}))
            row = None
        if errors:
            result.errors.extend(errors)
            continue
        assert row is not None
        seen[row.key] = line
        good.append(row)
    count = measurements_upsert(good)
    result.rows_written = count.written
    result.rows_unchanged = count.unchanged
    return result


def _column_positions(header: list[str]) -> dict[str, int]:
    positions = {}
    lowered = [name.strip().lower() for name in header]
    for key, names in COLUMNS.items():
        for name in names:
            if name.lower() in lowered:
                positions[key] = lowered.index(name.lower())
                break
    return positions


def _point(line: int, site_code: str, point_code: str, lookups: _Lookups, errors: list[RowError]) -> Point | None:
    site = lookups.sites.get(site_code)
    point = None
    if not site_code:
        errors.append(RowError(line, "site", gettext_noop("empty")))
    elif site is None:
        errors.append(RowError(line, "site", gettext_noop("no site with code %(code)s that you may import for"),
                               {"code": site_code}))
    elif point_code:
        point = lookups.points.get((site.id, point_code))
        if point is None:
            errors.append(RowError(line, "point", gettext_noop("site %(site)s has no point %(code)s"),
                                   {"site": site_code, "code": point_code}))
    else:
        point = lookups.only_point.get(site.id)
        if point is None:
            errors.append(RowError(line, "point", gettext_noop("the site has several points or none; name the point")))
    return point


def _time(line: int, raw_time, period: str | None, tz, now: datetime, errors: list[RowError]) -> datetime | None:
    local = parse_local_datetime(raw_time)
    when: datetime | None = None
    if local is None:
        errors.append(RowError(line, "time", gettext_noop("%(value)s is not a date and time such as 2026-03-01 14:00"),
                               {"value": cell_text(raw_time)}))
    else:
        when = local.replace(tzinfo=tz)
        if when > now:
            errors.append(RowError(line, "time", gettext_noop("%(value)s lies in the future"), {"value": cell_text(raw_time)}))
        elif period == Period.HOUR and (local.minute or local.second):
            errors.append(RowError(line, "time", gettext_noop("an hourly value starts on the hour")))
        elif period == Period.DAY and (local.hour or local.minute or local.second):
            errors.append(RowError(line, "time", gettext_noop("a daily value starts at midnight")))
    return when


def _value(line: int, raw_value: str, factor: Factor | None, errors: list[RowError]) -> float | None:
    value: float | None = None
    if not raw_value:
        errors.append(RowError(line, "value", gettext_noop("empty")))
    else:
        try:
            value = float(raw_value)
        except ValueError:
            errors.append(RowError(line, "value", gettext_noop("%(value)s is not a number"), {"value": raw_value}))
        else:
            if not math.isfinite(value):
                errors.append(RowError(line, "value", gettext_noop("%(value)s is not a number"), {"value": raw_value}))
            elif value < 0 and factor is not None and factor.kind != "parameter":
                errors.append(RowError(line, "value", gettext_noop("a concentration cannot be negative")))
    return value


def _validate(line, cells, positions, lookups: _Lookups, tz, now) -> tuple[MeasurementRow | None, list[RowError]]:
    def cell(name: str):
        index = positions.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    errors: list[RowError] = []
    point = _point(line, cell_text(cell("site")), cell_text(cell("point")), lookups, errors)

    factor_name = cell_text(cell("factor"))
    factor = lookups.factors.get(factor_name.lower())
    if not factor_name:
        errors.append(RowError(line, "factor", gettext_noop("empty")))
    elif factor is None:
        errors.append(RowError(line, "factor", gettext_noop("unknown factor %(name)s"), {"name": factor_name}))

    period_name = cell_text(cell("period")).lower() or "hour"
    period = PERIOD_NAMES.get(period_name)
    if period is None:
        errors.append(RowError(line, "period", gettext_noop("%(value)s is not one of rtd, min, hour, day"),
                               {"value": period_name}))

    when = _time(line, cell("time"), period, tz, now, errors)
    value = _value(line, cell_text(cell("value")), factor, errors)

    flag = cell_text(cell("flag")) or "N"
    if not (1 <= len(flag) <= 2 and flag[0] in FLAGS):
        errors.append(RowError(line, "flag", gettext_noop("%(value)s is not an HJ 212 data flag (N, F, M, S, D, C, T, B)"),
                               {"value": flag}))

    if errors:
        return None, errors
    assert point is not None
    assert factor is not None
    assert period is not None
    assert when is not None
    return MeasurementRow(point.id, factor.id, period, when, value, flag, Source.IMPORT), []


def import_record_run(record: MeasurementImport, *, sites=None) -> ImportResult:
    """Runs an uploaded file kept in a MeasurementImport and stores the outcome on it."""
    result = import_measurements(bytes(record.content), sites=sites)
    record.rows_total = result.rows_total
    record.rows_written = result.rows_written
    record.rows_unchanged = result.rows_unchanged
    record.rows_rejected = result.rows_rejected
    record.errors = [error.as_dict() for error in result.errors[:5000]]
    message, record.message_text = texts.split(
        texts.message(result.file_error.reason, **result.file_error.params) if result.file_error else "")
    record.message = message[:300]
    record.status = "failed" if result.file_error else "done"
    record.save()
    return result
