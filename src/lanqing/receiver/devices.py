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
reported with its line, column and reason and changes nothing; the good rows are saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from lanqing.monitoring.models import MIN_INTERVALS, CrcMode, Device, Point, Protocol, Site
from lanqing.monitoring.services import device_key_current, device_key_replace
from lanqing.tabular import TableError, cell_text, read_table

REQUIRED = ("mn", "password", "protocol", "point")
# Optional whole-number settings: column → (lowest, highest, allowed values or None).
NUMBER_SETTINGS: dict[str, tuple[int, int, tuple[int, ...] | None]] = {
    "reply_timeout": (1, 99, None),
    "resend_count": (1, 99, None),
    "rtd_interval": (30, 3600, None),
    "min_interval": (1, 30, MIN_INTERVALS),
}
SWITCH_SETTINGS = ("realtime_upload", "status_upload")
OPTIONAL = ("crc_mode", "logger_id", "sm4_key", *NUMBER_SETTINGS, *SWITCH_SETTINGS)
SM4_KEY_LENGTH = 16


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
            key_at = index.get("sm4_key")
            error = _key_cell_error(line, values[key_at] if key_at is not None and key_at < len(values) else None)
            error = error or _check(line, row, sites, seen)
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
    key = row.get("sm4_key", "")
    if key and (len(key) != SM4_KEY_LENGTH or not key.isascii() or not key.isprintable()):
        # Not echoed: the message goes to a terminal and maybe a log.
        return RowError(line, "sm4_key", f"the key is not {SM4_KEY_LENGTH} printable ASCII characters")
    if key and row["protocol"] != Protocol.HJ212_2025:
        return RowError(line, "sm4_key", "only HJ 212-2025 devices (protocol 2025) encrypt with a key")
    return _check_settings(line, row)


def _key_cell_error(line: int, value: object) -> RowError | None:
    # A spreadsheet keeps 15 significant digits of a number: a 16-digit key typed into a number cell has lost
    # its last digit before the file is saved, and would be stored wrong without a word.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return RowError(line, "sm4_key", "the key is in a number cell, which keeps only 15 digits; enter it as text")
    return None


def _check_settings(line: int, row: dict[str, str]) -> RowError | None:
    for name, (lowest, highest, allowed) in NUMBER_SETTINGS.items():
        text = row.get(name, "")
        if not text:
            continue
        number = _whole_number(text)
        if number is None or not lowest <= number <= highest or (allowed and number not in allowed):
            expected = ", ".join(map(str, allowed)) if allowed else f"a whole number from {lowest} to {highest}"
            return RowError(line, name, f"{text!r} is not {'one of ' if allowed else ''}{expected}")
    if bool(row.get("reply_timeout")) != bool(row.get("resend_count")):
        column = "resend_count" if row.get("reply_timeout") else "reply_timeout"
        return RowError(line, column, "the reply timeout and the resend count are set together (CN 1000)")
    for name in SWITCH_SETTINGS:
        text = row.get(name, "").lower()
        if text and text not in ("on", "off"):
            return RowError(line, name, f"{row[name]!r} is not on or off")
    return None


def _whole_number(text: str) -> int | None:
    # Spreadsheets hand integers over as "30.0".
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() else None


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
    for name in NUMBER_SETTINGS:
        if row.get(name):
            setattr(device, name, _whole_number(row[name]))
    for name in SWITCH_SETTINGS:
        if row.get(name):
            setattr(device, name, row[name].lower())
    device.set_password(row["password"])
    device.save()
    key = row.get("sm4_key", "").encode("ascii")
    if key and device_key_current(device.id) != key:
        device_key_replace(device.id, key)
        result.keys_set += 1
