"""``lanqing device import``: register devices in bulk from a CSV (UTF-8/GBK) or XLSX file.

Columns (header names, any order, case-insensitive): ``mn``, ``password``, ``protocol`` (2005, 2017 or
2025), ``point``. A point is named ``SITECODE/POINTCODE`` (e.g. ``OUT-A/1``): the site must already be
registered (it carries the jurisdiction and enterprise); the point is created when the site has no point
with that code. An MN already registered is updated (password, protocol, point). Optional columns:
``crc_mode`` (strict, swapped, log_only) and ``logger_id`` (HJ 212-2025 data-logger ID, i23005, for
registration with 1001/1002). Every bad row is reported with its line, column and reason and changes
nothing; the good rows are saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from lanqing.monitoring.models import CrcMode, Device, Point, Protocol, Site
from lanqing.tabular import TableError, cell_text, read_table

REQUIRED = ("mn", "password", "protocol", "point")


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
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""

    def summary(self) -> str:
        if self.file_error:
            return f"lanqing device import: {self.file_error}"
        return (
            f"lanqing device import: {self.created} devices registered, {self.updated} updated, "
            f"{self.points_created} points created, {len(self.errors)} rows rejected"
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
    index = {name: header.index(name) for name in (*REQUIRED, "crc_mode", "logger_id") if name in header}
    sites = {site.code: site for site in Site.objects.all()}
    seen: dict[str, int] = {}
    with transaction.atomic():
        for line, values in table.rows:

            def cell(name: str, values=values) -> str:
                at = index.get(name)
                return (
                    cell_text(values[at])
                    if at is not None and at < len(values) and values[at] is not None
                    else ""
                )

            row = {name: cell(name) for name in index}
            error = _check(line, row, sites, seen)
            if error:
                result.errors.append(error)
                continue
            seen[row["mn"]] = line
            if not dry_run:
                _save(row, sites, result)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _check(line: int, row: dict[str, str], sites: dict[str, Site], seen: dict[str, int]) -> RowError | None:
    mn = row["mn"]
    if not mn:
        return RowError(line, "mn", "the MN is empty")
    if len(mn) > 27 or not mn.isascii() or any(c in mn for c in ";=&, "):
        return RowError(
            line, "mn", f"{mn!r} is not an MN: at most 27 ASCII characters without ; = & , or spaces"
        )
    if mn in seen:
        return RowError(line, "mn", f"MN {mn} also appears on line {seen[mn]}")
    password = row["password"]
    if not password:
        return RowError(line, "password", "the password is empty")
    if not password.isascii() or any(c in password for c in ";=&,"):
        return RowError(line, "password", "the password must be ASCII without ; = & or ,")
    if row["protocol"] not in Protocol.values:
        return RowError(line, "protocol", f"{row['protocol']!r} is not one of 2005, 2017, 2025")
    site_code, slash, point_code = row["point"].rpartition("/")
    if not slash or not site_code or not point_code:
        return RowError(line, "point", f"{row['point']!r} is not SITECODE/POINTCODE, e.g. OUT-A/1")
    if site_code not in sites:
        return RowError(line, "point", f"no site has the code {site_code!r}; register the site first")
    if len(point_code) > 30:
        return RowError(line, "point", "the point code is longer than 30 characters")
    crc_mode = row.get("crc_mode", "")
    if crc_mode and crc_mode not in CrcMode.values:
        return RowError(line, "crc_mode", f"{crc_mode!r} is not one of {', '.join(CrcMode.values)}")
    if len(row.get("logger_id", "")) > 40:
        return RowError(line, "logger_id", "the logger ID is longer than 40 characters")
    return None


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
    device.protocol = row["protocol"]
    if row.get("crc_mode"):
        device.crc_mode = row["crc_mode"]
    if row.get("logger_id"):
        device.logger_id = row["logger_id"]
    device.set_password(row["password"])
    device.save()
