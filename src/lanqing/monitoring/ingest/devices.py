"""The receiver's copy of the device registry: what it needs to know about each MN, read in one go.

Besides registrations it keeps the other small lookups that every frame needs: factor ids, checked
passwords, converted DataTimes, and when each device's last-seen time was last written.
"""

from __future__ import annotations

import logging
import time as monotonic_clock
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cryptography.exceptions import InvalidTag

from lanqing.hj212.crc import CrcMode
from lanqing.monitoring.ingest.times import data_time_utc, db_time
from lanqing.monitoring.models import Device, DeviceKey, Factor
from lanqing.monitoring.services import device_key_row

log = logging.getLogger(__name__)

# How long a device's registration is trusted before it is read again (admin edits take effect after this).
DEVICE_TTL = 30.0
# Don't write last_seen_at for a device more often than this: one UPDATE per device per interval.
SEEN_EVERY = 10.0
# Bound on the MNs remembered as unregistered between two refreshes of the device cache.
STRANGERS_MAX = 100_000
# Bound on the memo of converted DataTimes (a device's clock can send any time; memory must not grow).
TIMES_MAX = 50_000

_CRC_MODES = {"strict": CrcMode.STRICT, "swapped": CrcMode.ACCEPT_SWAPPED, "log_only": CrcMode.LOG_ONLY}
# Mass-concentration units as powers of a thousand of ng/m³; a device's unit_overrides names one of these.
_MASS_UNITS = {"ng/m3": 0, "ug/m3": 1, "mg/m3": 2, "g/m3": 3}


def unit_scale(sent: str, wanted: str) -> float | None:
    """Factor that turns a value in ``sent`` into ``wanted`` (ng/m³ → µg/m³ is 0.001); None if unknown."""

    def norm(unit: str) -> str:
        return unit.strip().lower().replace("³", "3").replace("µ", "u").replace("μ", "u")

    a, b = _MASS_UNITS.get(norm(sent)), _MASS_UNITS.get(norm(wanted))
    if norm(sent) == norm(wanted):
        return 1.0
    if a is None or b is None:
        return None
    return 1000.0 ** (a - b)


@dataclass(frozen=True, slots=True)
class KnownDevice:
    id: int
    mn: str
    point_id: int
    password_hash: str
    crc_mode: CrcMode
    active: bool
    # factor code → multiplier from the device's unit to ours (only for codes the device overrides)
    scales: dict[str, float]
    key: bytes | None
    # Local (Beijing) date from which its data can be real; None when the registry does not say.
    commissioned_on: date | None = None

    def check_password(self, raw: str) -> bool:
        return Device(password_hash=self.password_hash).check_password(raw)


class DeviceCache:
    """Device registrations and factor ids, read once and refreshed after ``DEVICE_TTL`` seconds.

    All registered devices are read together, in three queries, when the copy is older than the TTL: a
    county has hundreds of devices, not millions, and read one by one each cost about 1.4 ms of the
    writer's time (two ORM queries), at every expiry and for every device that reconnects to another
    receiver worker. An MN not in the copy (registered since, a key just rotated, or unknown) is read
    alone and remembered until the next refresh, so a stranger sending many packets costs one query.

    Used by one thread only (the receiver's writer); replay makes its own.
    """

    def __init__(self, *, ttl: float = DEVICE_TTL) -> None:
        self.ttl = ttl
        self._devices: dict[str, KnownDevice] = {}
        self._devices_at = -1e9
        # MNs found in no registration since the last refresh; bounded apart from the devices, for these are
        # chosen by whoever connects.
        self._strangers: set[str] = set()
        self._passwords: dict[tuple[int, str], bool] = {}
        self._factors: dict[str, int] = {}
        self._factors_at = -1e9
        self._seen: dict[int, float] = {}
        # DataTime as sent (naive Beijing time) → the database's value for it in UTC. A batch repeats a few
        # dozen distinct DataTimes, and consecutive batches mostly the same ones; converting and adapting
        # each value cost more than the rest of decoding a measurement.
        self._times: dict[datetime | None, Any] = {}

    def device(self, mn: str) -> KnownDevice | None:
        if monotonic_clock.monotonic() - self._devices_at >= self.ttl:
            self._load_all()
        try:
            return self._devices[mn]
        except KeyError:
            if mn in self._strangers:
                return None
        known = self._load(mn)
        if known is not None:
            self._devices[mn] = known
        else:
            if len(self._strangers) >= STRANGERS_MAX:
                self._strangers.clear()
            self._strangers.add(mn)
        return known

    def device_by_logger(self, logger_id: str) -> KnownDevice | None:
        """The device registered under an HJ 212-2025 logger ID (i23005), for 1001 registrations."""
        mn = Device.objects.filter(logger_id=logger_id).values_list("mn", flat=True).first()
        return self.device(mn) if mn else None

    def password_ok(self, device: KnownDevice, pw: str) -> bool:
        key = (device.id, pw)
        ok = self._passwords.get(key)
        if ok is None:
            ok = device.check_password(pw)
            if len(self._passwords) > 100_000:
                self._passwords.clear()
            self._passwords[key] = ok
        return ok

    def factor_id(self, code: str) -> int | None:
        found = self._factors.get(code)
        if found is None and monotonic_clock.monotonic() - self._factors_at > self.ttl:
            self._factors = dict(Factor.objects.values_list("code", "id"))
            self._factors_at = monotonic_clock.monotonic()
            found = self._factors.get(code)
        return found

    def factors(self) -> dict[str, int]:
        """Factor code → id, for looking up every value of a packet without a call each."""
        return self._factors

    def data_time(self, local: datetime | None) -> Any:
        """The database value of a DataTime (Beijing time), or None when it is missing or implausible."""
        try:
            return self._times[local]
        except KeyError:
            pass
        utc = data_time_utc(local)
        value = None if utc is None else db_time(utc)
        if len(self._times) >= TIMES_MAX:
            self._times.clear()
        self._times[local] = value
        return value

    def seen_due(self, device_id: int) -> bool:
        now = monotonic_clock.monotonic()
        if now - self._seen.get(device_id, -1e9) < SEEN_EVERY:
            return False
        self._seen[device_id] = now
        return True

    def seen_reset(self, device_id: int) -> None:
        """The device's connection closed: write its next packet's time (and "online") without delay."""
        self._seen.pop(device_id, None)

    def forget(self, mn: str | None = None) -> None:
        if mn is None:
            self._devices.clear()
            self._devices_at = -1e9
        else:
            self._devices.pop(mn, None)
            self._strangers.discard(mn)

    def _load_all(self) -> None:
        self._devices_at = monotonic_clock.monotonic()
        devices = list(Device.objects.select_related("point__site"))
        keys = _current_keys(DeviceKey.objects.filter(retired_at__isnull=True))
        factors = _factors_by_code({code for device in devices for code in _overrides(device)})
        self._devices = {device.mn: _known(device, keys.get(device.id), factors) for device in devices}
        self._strangers.clear()

    def _load(self, mn: str) -> KnownDevice | None:
        device = Device.objects.select_related("point__site").filter(mn=mn).first()
        if device is None:
            return None
        return _known(device, device_key_row(device.id), _factors_by_code(_overrides(device)))


def _overrides(device: Device) -> dict:
    return device.unit_overrides if isinstance(device.unit_overrides, dict) else {}


def _factors_by_code(codes) -> dict[str, Factor]:
    return {factor.code: factor for factor in Factor.objects.filter(code__in=list(codes))} if codes else {}


def _current_keys(rows) -> dict[int, DeviceKey]:
    """Device id → its newest unretired key, from ``rows`` (a DeviceKey query); for all devices at once what
    ``services.device_key_row`` is for one."""
    current: dict[int, DeviceKey] = {}
    for row in rows.order_by("device_id", "created_at", "id"):
        current[row.device_id] = row  # later rows are newer
    return current


def _known(device: Device, key_row: DeviceKey | None, factors: dict[str, Factor]) -> KnownDevice:
    """The receiver's view of a registered device; ``factors`` holds at least its overridden codes."""
    site_kind = device.point.site.kind
    scales: dict[str, float] = {}
    for code, unit in _overrides(device).items():
        factor = factors.get(code)
        if factor is None:
            continue  # not in the catalogue: such values are not stored anyway
        scale = unit_scale(str(unit), factor.unit_at(site_kind))
        if scale is None:
            log.warning(
                "device %s: cannot convert %s from %r to %r; values kept as sent",
                device.mn,
                code,
                unit,
                factor.unit_at(site_kind),
            )
        elif scale != 1.0:
            scales[code] = scale
    key = None
    if key_row is not None:
        try:
            key = key_row.open()
        except (InvalidTag, ValueError):  # a key sealed under another SECRET_KEY: encrypted packets will be rejected
            log.error("device %s: its SM4 key cannot be unsealed (SECRET_KEY changed?)", device.mn)
    return KnownDevice(
        device.id,
        device.mn,
        device.point_id,
        device.password_hash,
        _CRC_MODES.get(device.crc_mode, CrcMode.STRICT),
        device.is_active,
        scales,
        key,
        device.commissioned_on,
    )
