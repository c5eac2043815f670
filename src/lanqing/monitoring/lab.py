"""Self-monitoring lab results (自行监测) an enterprise uploads: every row is checked, and the file goes in
whole or not at all. Each result becomes a measurement of source "manual" at the hour of sampling, which the
alert evaluation then judges against the outlet's limits like any hourly value."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from lanqing.monitoring.imports import RowError, _Lookups, _time, _value
from lanqing.monitoring.measurements import MeasurementRow, measurements_upsert
from lanqing.monitoring.models import (
    Factor,
    LabResult,
    LabUpload,
    LabUploadStatus,
    Measurement,
    Period,
    Point,
    Site,
    SiteKind,
    Source,
)
from lanqing.org import access
from lanqing.org.models import Enterprise
from lanqing.tabular import TableError, cell_text, read_table

# Column names accepted, English and Chinese; the first one is what the template file uses.
COLUMNS = {
    "outlet": ("outlet", "site", "排放口", "排放口编码", "站点编码"),
    "point": ("point", "点位", "点位编码"),
    "factor": ("factor", "因子", "因子编码"),
    "sampled": ("sampled", "time", "采样时间", "时间"),
    "value": ("value", "数值", "监测值"),
    "unit": ("unit", "单位"),
    "lab": ("lab", "检测机构", "实验室"),
    "report": ("report", "报告编号"),
}
REQUIRED = ("outlet", "factor", "sampled", "value", "lab", "report")
# A lab file is a few reports' worth of rows; more than this is not a lab file.
MAX_ROWS = 5000
MAX_ERRORS = 1000


@dataclass(frozen=True)
class _Row:
    point: Point
    factor: Factor
    sampled_at: datetime
    value: float
    unit: str
    lab: str
    report: str

    @property
    def hour(self) -> datetime:
        return self.sampled_at.replace(minute=0, second=0, microsecond=0)


def _unit_key(unit: str) -> str:
    return unit.lower().replace("³", "3").replace(" ", "")


class _Checker:
    def __init__(self, enterprise: Enterprise, positions: dict[str, int]) -> None:
        self.positions = positions
        self.lookups = _Lookups(Site.objects.filter(enterprise=enterprise, kind=SiteKind.OUTLET))
        self.tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.now = timezone.now()
        self.seen: dict[tuple, int] = {}

    def cell(self, cells: list, name: str):
        index = self.positions.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    def point(self, line: int, cells: list, errors: list[RowError]) -> Point | None:
        code = cell_text(self.cell(cells, "outlet"))
        point_code = cell_text(self.cell(cells, "point"))
        site = self.lookups.sites.get(code)
        if not code:
            errors.append(RowError(line, "outlet", gettext_noop("empty")))
            return None
        if site is None:
            errors.append(RowError(line, "outlet", gettext_noop("your enterprise has no outlet with code %(code)s"),
                                   {"code": code}))
            return None
        if point_code:
            point = self.lookups.points.get((site.id, point_code))
            if point is None:
                errors.append(RowError(line, "point", gettext_noop("outlet %(site)s has no point %(code)s"),
                                       {"site": code, "code": point_code}))
            return point
        point = self.lookups.only_point.get(site.id)
        if point is None:
            errors.append(RowError(line, "point", gettext_noop("the outlet has several points or none; name the point")))
        return point

    def factor(self, line: int, cells: list, errors: list[RowError]) -> Factor | None:
        name = cell_text(self.cell(cells, "factor"))
        factor = self.lookups.factors.get(name.lower())
        if not name:
            errors.append(RowError(line, "factor", gettext_noop("empty")))
        elif factor is None:
            errors.append(RowError(line, "factor", gettext_noop("unknown factor %(name)s"), {"name": name}))
        return factor

    def text(self, line: int, cells: list, name: str, limit: int, errors: list[RowError]) -> str:
        value = cell_text(self.cell(cells, name))
        if not value:
            errors.append(RowError(line, name, gettext_noop("empty")))
        elif len(value) > limit:
            errors.append(RowError(line, name, gettext_noop("longer than %(limit)s characters"), {"limit": limit}))
        return value

    def row(self, line: int, cells: list) -> tuple[_Row | None, list[RowError]]:
        errors: list[RowError] = []
        point = self.point(line, cells, errors)
        factor = self.factor(line, cells, errors)
        raw_time = self.cell(cells, "sampled")
        before = len(errors)
        when = _time(line, raw_time, None, self.tz, self.now, errors)
        for error in errors[before:]:
            error.column = "sampled"
        value = _value(line, cell_text(self.cell(cells, "value")), factor, errors)
        unit = cell_text(self.cell(cells, "unit"))
        if unit and factor is not None and factor.unit and _unit_key(unit) != _unit_key(factor.unit):
            errors.append(RowError(line, "unit", gettext_noop("%(unit)s is not the unit of %(factor)s, %(expected)s"),
                                   {"unit": unit, "factor": factor.code, "expected": factor.unit}))
        lab = self.text(line, cells, "lab", 100, errors)
        report = self.text(line, cells, "report", 60, errors)
        if errors:
            return None, errors
        assert point is not None
        assert factor is not None
        assert when is not None
        assert value is not None
        # A unit that matches is stored as the factor's own spelling (mg/m3 → mg/m³).
        row = _Row(point, factor, when, value, factor.unit or unit, lab, report)
        key = (point.id, factor.id, row.hour)
        if key in self.seen:
            return None, [RowError(line, "sampled", gettext_noop(
                "line %(line)s has a result of the same point and factor in the same hour"), {"line": self.seen[key]})]
        self.seen[key] = line
        return row, []


def _positions(header: list[str]) -> dict[str, int]:
    lowered = [name.strip().lower() for name in header]
    positions = {}
    for key, names in COLUMNS.items():
        for name in names:
            if name.lower() in lowered:
                positions[key] = lowered.index(name.lower())
                break
    return positions


def _conflicts(rows: list[tuple[int, _Row]]) -> list[RowError]:
    """Rows whose hour holds a value the point's device (or the bureau's import) sent, and rows already
    uploaded: a lab result never replaces online data, and the same report is not counted twice."""
    errors = []
    for line, row in rows:
        stored = (Measurement.objects.filter(point=row.point, factor=row.factor, period=Period.HOUR, time=row.hour)
                  .exclude(source=Source.MANUAL).exists())
        if stored:
            errors.append(RowError(line, "sampled", gettext_noop(
                "the point has an online value of this factor for this hour; a lab result does not replace it")))
        elif LabResult.objects.filter(point=row.point, factor=row.factor, sampled_at=row.sampled_at,
                                      report_number=row.report, upload__status=LabUploadStatus.ACCEPTED).exists():
            errors.append(RowError(line, "report", gettext_noop("report %(report)s was uploaded with this result already"),
                                   {"report": row.report}))
    return errors


@dataclass
class Checked:
    rows: list[tuple[int, _Row]]  # empty unless the file has no error
    errors: list[RowError]
    total: int  # rows read below the header


def lab_results_check(*, enterprise: Enterprise, content: bytes) -> Checked:
    """The rows of a file and every error in it, each with its line and column."""
    try:
        table = read_table(content, max_rows=MAX_ROWS)
    except TableError as exc:
        return Checked([], [RowError(0, "", exc.reason, exc.params)], 0)
    positions = _positions(table.header)
    missing = [name for name in REQUIRED if name not in positions]
    if missing:
        return Checked([], [RowError(1, "", gettext_noop("missing column(s): %(columns)s"),
                                     {"columns": ", ".join(missing)})], len(table.rows))
    if not table.rows:
        return Checked([], [RowError(1, "", gettext_noop("the file has no rows below its header"))], 0)
    checker = _Checker(enterprise, positions)
    rows: list[tuple[int, _Row]] = []
    errors: list[RowError] = []
    for line, cells in table.rows:
        row, row_errors = checker.row(line, cells)
        errors.extend(row_errors)
        if row is not None:
            rows.append((line, row))
    errors.extend(_conflicts(rows))
    errors.sort(key=lambda error: error.line)
    return Checked([] if errors else rows, errors, len(table.rows))


def lab_results_upload(*, enterprise: Enterprise, file_name: str, content: bytes, by: User,
                       now: datetime | None = None, is_demo: bool = False) -> LabUpload:
    """Keeps the file (for audit) with its outcome: accepted with every row stored as a lab result and a
    manual measurement, or refused with every error and nothing stored."""
    access.require(by, "labresult.upload", enterprise)
    now = now or timezone.now()
    checked = lab_results_check(enterprise=enterprise, content=content)
    rows, errors = checked.rows, checked.errors
    with transaction.atomic():
        upload = LabUpload.objects.create(
            enterprise=enterprise, file_name=file_name[:255], content=content, uploaded_by=by, uploaded_at=now,
            status=LabUploadStatus.REFUSED if errors else LabUploadStatus.ACCEPTED, rows_total=checked.total,
            errors=[error.as_dict() for error in errors[:MAX_ERRORS]], is_demo=is_demo)
        if errors:
            return upload
        LabResult.objects.bulk_create([
            LabResult(upload=upload, point=row.point, factor=row.factor, sampled_at=row.sampled_at, value=row.value,
                      unit=row.unit, lab=row.lab, report_number=row.report) for _line, row in rows])
        measurements_upsert(MeasurementRow(row.point.id, row.factor.id, Period.HOUR, row.hour, row.value, "N",
                                           Source.MANUAL) for _line, row in rows)
    return upload


def template_rows(enterprise: Enterprise) -> list[list[str]]:
    """Example rows for the upload template: the enterprise's own outlet and point codes."""
    points = Point.objects.filter(site__enterprise=enterprise, site__kind=SiteKind.OUTLET).select_related("site")
    return [[point.site.code, point.code, *(("a21026", "2026-03-01 09:30", "35.2", "mg/m3")
                                              if point.site.outlet_medium == "gas"
                                              else ("w01018", "2026-03-01 09:30", "42", "mg/L")),
             "古县环境检测有限公司", "GXJC-2026-0301"] for point in points[:3]]
