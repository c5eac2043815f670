"""``lanqing device import``: register devices in bulk from a CSV (UTF-8/GBK) or XLSX file.

Columns (header names, any order, case-insensitive): ``mn``, ``password``, ``protocol`` (2005, 2017 or
2025), ``point``. A point is named ``SITECODE/POINTCODE`` (e.g. ``OUT-A/1``): the site must already be
registered (it carries the jurisdiction and enterprise); the point is created when the site has no point
with that code. An MN already registered is updated (password, protocol, point). Optional columns:
``crc_mode`` (strict, swapped, log_only) and ``logger_id`` (HJ 212-2025 data-logger ID, i23005, for
registration with 1001/1002), and the settings sent to the device on connection (HJ 212 §6.7):
``reply_timeout`` and ``resend_count`` (1–99, together), ``rtd_interval`` (30–3600 s), ``min_interval``
(1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30 min), ``realtime_upload`` and ``status_upload`` (on or off), and
``sm4_key``, the 16-character key of an HJ 212-2025 device that encrypts, as text (stored sealed, as a key entered
in the web UI; a key equal to the current one is left as it is, so importing a file again does not restart
the key's 90-day rotation). An empty optional cell leaves the device's value as it is. Every bad row is
reported with its line, column and reason and changes nothing; the good rows are saved (in batches of
``WRITE_BATCH``, once every row has been checked).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from django.db import transaction

from lanqing.locked import retry_locked
from lanqing.monitoring.device_fields import (
    OPTIONAL,
    Problem,
    device_key_apply,
    device_password_apply,
    device_settings_apply,
    key_cell_problem,
    mn_problem,
    password_problem,
    protocol_problem,
    settings_problems,
)
from lanqing.monitoring.models import Device, Point, Site
from lanqing.tabular import TableError, cell_text, read_table

REQUIRED = ("mn", "password", "protocol", "point")
# Devices written per transaction: each batch holds the write lock well under a second.
WRITE_BATCH = 500


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    reason: str


@dataclass
class DeviceImport:
    created: int = 0
    updated: int = 0
    points_created: int = 0
    keys_set: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""

    def summary(self) -> str:
        if self.file_error:
            return f"lanqing device import: {self.file_error}"
        return (
            f"lanqing device import: {self.created} devices registered, {self.updated} updated, "
            f"{self.points_created} points created, {self.keys_set} keys set, {len(self.errors)} rows rejected"
        )


def devices_import(data: bytes, *, dry_run: bool = False) -> DeviceImport:
    result = DeviceImport()
    try:
        table = read_table(data)
    except TableError as exc:
        result.file_error = str(exc)
        return result
    header = [name.strip().lower() for name in table.header]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        result.file_error = f"line 1: the header lacks the column(s) {', '.join(missing)}"
        return result
    index = {name: header.index(name) for name in (*REQUIRED, *OPTIONAL) if name in header}
    sites = {site.code: site for site in Site.objects.all()}
    seen: dict[str, int] = {}
    good: list[dict[str, str]] = []
    # Every row is checked before anything is written; then the good rows are written WRITE_BATCH at a time,
    # each batch one short transaction, so that the receiver and the worker get their turns in between.
    for line, values in table.rows:

        def cell(name: str, values=values) -> str:
            at = index.get(name)
            return (
                cell_text(values[at])
                if at is not None and at < len(values) and values[at] is not None
                else ""
            )

        row = {name: cell(name) for name in index}
        key_at = index.get("sm4_key")
        key_problem = key_cell_problem(values[key_at] if key_at is not None and key_at < len(values) else None)
        error = _error(line, key_problem) if key_problem else _check(line, row, sites, seen)
        if error:
            result.errors.append(error)
            continue
        seen[row["mn"]] = line
        good.append(row)
    if dry_run:
        return result
    for start in range(0, len(good), WRITE_BATCH):
        part = retry_locked(partial(_save_batch, good[start : start + WRITE_BATCH], sites), what="device import")
        result.created += part.created
        result.updated += part.updated
        result.points_created += part.points_created
        result.keys_set += part.keys_set
    return result


def _save_batch(rows: list[dict[str, str]], sites: dict[str, Site]) -> DeviceImport:
    """One transaction; its counts are returned only once committed (a refused try is run again whole)."""
    part = DeviceImport()
    with transaction.atomic():
        for row in rows:
            _save(row, sites, part)
    return part


def _check(line: int, row: dict[str, str], sites: dict[str, Site], seen: dict[str, int]) -> RowError | None:
    mn = row["mn"]
    problem = mn_problem(mn)
    if problem:
        return _error(line, problem)
    if mn in seen:
        return RowError(line, "mn", f"MN {mn} also appears on line {seen[mn]}")
    problem = password_problem(row["password"]) or protocol_problem(row["protocol"])
    if problem:
        return _error(line, problem)
    site_code, slash, point_code = row["point"].rpartition("/")
    if not slash or not site_code or not point_code:
        return RowError(line, "point", f"{row['point']!r} is not SITECODE/POINTCODE, e.g. OUT-A/1")
    if site_code not in sites:
        return RowError(line, "point", f"no site has the code {site_code!r}; register the site first")
    if len(point_code) > 30:
        return RowError(line, "point", "the point code is longer than 30 characters")
    problems = settings_problems(row)
    return _error(line, problems[0]) if problems else None


def _error(line: int, problem: Problem) -> RowError:
    return RowError(line, problem.column, problem.english())


def _save(row: dict[str, str], sites: dict[str, Site], result: DeviceImport) -> None:
    site_code, _, point_code = row["point"].rpartition("/")
    point, created = Point.objects.get_or_create(
        site=sites[site_code], code=point_code, defaults={"name": f"{point_code}#"}
    )
    result.points_created += created
    device = Device.objects.filter(mn=row["mn"]).first()
    if device is None:
        device = Device(mn=row["mn"])
        result.created += 1
    else:
        result.updated += 1
    device.point = point
    device_settings_apply(device, row)
    device_password_apply(device, row["password"])
    device.save()
    result.keys_set += device_key_apply(device, row.get("sm4_key", ""))
