"""The one ingest function: received frames → raw packets stored → decoded → measurements, in one commit.

The receiver's writer thread calls :func:`ingest_batch` with a batch of frames from many connections. Every
frame becomes exactly one ``RawPacket`` row (good, bad or from an unknown device) and, when it is an
accepted data packet, measurement rows upserted on their natural key, so replaying a packet changes
nothing. The function returns, per frame, the verdict and the reply the device is owed; the caller sends
that reply only after the transaction has committed (durability first, issue 4 item 3).

Rows are written through the database drivers rather than the ORM, because the receiver's goal is ≥ 10,000
packets/s on SQLite: multi-row statements on SQLite, ``COPY`` on PostgreSQL (:func:`_insert`); upserts use
``ON CONFLICT … DO UPDATE`` on both.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import time as monotonic_clock
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from itertools import chain
from operator import itemgetter
from typing import Any

from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Min, Q
from django.utils import timezone as dj_timezone

from lanqing import hj212
from lanqing.hj212 import Frame, Packet, QnRtn, Rejection
from lanqing.hj212.crc import CrcMode
from lanqing.monitoring.measurements import JUDGED_PERIODS, new_values_announce
from lanqing.monitoring.models import (
    Device,
    DeviceKey,
    Factor,
    NewValue,
    Point,
    RawPacket,
    ReceiverProgress,
    Verdict,
)
from lanqing.monitoring.services import device_key_row

log = logging.getLogger(__name__)

# HJ 212 DataTime is Beijing time (UTC+8, no daylight saving).
CHINA = timezone(timedelta(hours=8))
# How long a device's registration is trusted before it is read again (admin edits take effect after this).
DEVICE_TTL = 30.0
# Don't write last_seen_at for a device more often than this: one UPDATE per device per interval.
SEEN_EVERY = 10.0
REASON_MAX = 300
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
        utc = _utc(local)
        value = None if utc is None else _db_time(utc)
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
        except Exception:  # a key sealed under another SECRET_KEY: encrypted packets will be rejected
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
    )


@dataclass(slots=True)
class Received:
    """One framer output with where and when it arrived."""

    item: Frame | Rejection
    peer: str
    received_at: datetime  # aware
    # The frame parsed with default options (strict CRC, no key), when the caller already did it: the
    # receiver parses on its event-loop thread so that parsing overlaps the writer thread's SQL.
    parsed: Packet | Rejection | None = None


@dataclass(slots=True)
class Outcome:
    accepted: bool
    reason: str
    mn: str = ""
    device_id: int | None = None
    packet: Packet | None = None
    # The reply owed to the device, to be sent after the commit (9014, 9013, or 9011 with a QnRtn).
    reply: bytes | None = None
    measurements: int = 0


@dataclass(slots=True)
class _Rows:
    raw: list[tuple] = field(default_factory=list)
    # natural key → the row's INSERT parameters; keyed so that a batch holds each key once (PostgreSQL
    # refuses to upsert one row twice in a statement) and the last value sent wins, as it would in order.
    measurements: dict[tuple, tuple] = field(default_factory=dict)
    facilities: dict[tuple, tuple] = field(default_factory=dict)
    info: dict[tuple, tuple] = field(default_factory=dict)
    seen: dict[int, datetime] = field(default_factory=dict)


def ingest_batch(
    batch: Sequence[Received],
    *,
    cache: DeviceCache,
    deferred: Deferred | None = None,
    turn: Callable[[], AbstractContextManager] = nullcontext,
    late: Callable[[], Sequence[Received]] | None = None,
) -> list[Outcome]:
    """Store and decode a batch in one transaction; returns one outcome per frame, in order.

    With ``deferred``, the batch's measurement rows are added to it instead of being written: the caller
    acknowledges on the raw packets and writes the measurements later with :func:`deferred_write`. The
    transaction then also records, for the first deferred batch, the arrival time from which a crash
    would have to decode again (``ReceiverProgress``).

    If the batch cannot be committed as a whole (a value the database refuses), each frame is retried
    alone, and a frame whose decoded rows still fail is kept as a raw packet with the error as reason.
    Exceptions escape only when even that fails (the database is down): then nothing was acknowledged.

    ``turn`` is entered around each write transaction, and only there, so that decoding in several
    processes overlaps (the receiver's ``WriteTurns``). ``late``, called once the turn is taken, returns
    frames that arrived meanwhile: they are decided and stored in the same transaction, their outcomes
    following the batch's. Why: with several receiver workers a writer often waits for its turn while the
    other commits, and frames that arrive then would otherwise wait for the next turn and another commit
    (measured with 2 workers: 5-6 % more packets per second and 5-6 µs less CPU per packet).
    """
    outcomes: list[Outcome] = []
    rows = _Rows()
    for received in batch:
        outcomes.append(_decide_safely(received, cache, rows))
    held: dict[tuple, tuple] = {}
    try:
        with turn():
            if late is not None:
                arrived = late()
                if arrived:
                    batch = [*batch, *arrived]
                    for received in arrived:
                        outcomes.append(_decide_safely(received, cache, rows))
            if deferred is not None and rows.measurements:
                held, rows.measurements = rows.measurements, {}
            with transaction.atomic():
                _write(rows)
                if held and deferred is not None and not deferred.measurements:
                    _progress_set(deferred.slot, min(received.received_at for received in batch))
    except Exception:
        if len(batch) == 1 and not held and not rows.measurements and not rows.facilities and not rows.info:
            raise
        log.exception("a batch of %d frames failed to commit; writing them one by one", len(batch))
    else:
        if held and deferred is not None:
            deferred.add(held)
        return outcomes
    with turn():
        if deferred is not None:
            deferred_write(deferred)  # older values first, so the frames written alone below win
        return [_ingest_alone(received, cache) for received in batch]


@dataclass(slots=True)
class Deferred:
    """Measurement rows of acknowledged packets, waiting to be written in one larger transaction.

    Why: each commit rewrites every index page it touches, and the natural-key index has a page per
    series; a batch of 100 packets touches ~600 of them for 600 rows. Written every few thousand packets
    the same pages carry many rows each (benchmarks/bench_receiver.py measures the difference).
    """

    slot: int
    measurements: dict[tuple, tuple] = field(default_factory=dict)
    since: float = 0.0  # monotonic time the oldest row was added

    def add(self, measurements: dict[tuple, tuple]) -> None:
        if not self.measurements:
            self.since = monotonic_clock.monotonic()
        # Later values replace earlier ones for the same key, as writing them in order would.
        self.measurements.update(measurements)

    @property
    def age(self) -> float:
        return monotonic_clock.monotonic() - self.since if self.measurements else 0.0


def deferred_write(deferred: Deferred) -> int:
    """Write the waiting measurements and clear the crash mark, in one transaction; returns the rows.

    Should the database refuse a row, the others are still written and the refused ones logged and
    dropped — kept, they would fail every later write too. Their packets are acknowledged and kept as raw
    bytes (``lanqing replay`` can decode them again). Only an unreachable database raises: then the rows
    stay waiting for the next try.
    """
    if not deferred.measurements:
        return 0
    try:
        with transaction.atomic():
            _write(_Rows(measurements=deferred.measurements))
            _progress_set(deferred.slot, None)
    except (IntegrityError, DataError):
        log.exception("%d deferred measurements failed to commit; writing them one by one", len(deferred.measurements))
        _write_each(deferred)
    written = len(deferred.measurements)
    deferred.measurements = {}
    return written


def _write_each(deferred: Deferred) -> None:
    # Foreign keys are checked only at commit (deferred constraints), where a savepoint cannot isolate
    # them: rows whose point or factor has gone are left out before writing.
    rows = deferred.measurements
    points = set(Point.objects.filter(id__in={key[0] for key in rows}).values_list("id", flat=True))
    factors = set(Factor.objects.filter(id__in={key[1] for key in rows}).values_list("id", flat=True))
    with transaction.atomic():
        for key, row in rows.items():
            if key[0] not in points or key[1] not in factors:
                log.error("measurement %s not stored: its point or factor no longer exists", key)
                continue
            try:
                with transaction.atomic():
                    _write(_Rows(measurements={key: row}))
            except (IntegrityError, DataError) as exc:
                log.error("measurement %s not stored (its raw packet is kept): %s", key, exc)
        _progress_set(deferred.slot, None)


def deferred_recover(
    slot: int, *, beyond: int | None = None, margin: timedelta = timedelta(minutes=1)
) -> ReplayCount | None:
    """After a crash: decode again the raw packets whose measurements this receiver worker had not written.

    ``beyond``: also take over the marks of workers numbered ``beyond`` and up, which a run with more
    workers left behind (worker 0 passes the number of workers now running). The margin covers wall-clock
    steps between the packets' arrival times. Replay is idempotent, so decoding a packet twice changes
    nothing. Returns None when nothing was pending.
    """
    slots = Q(slot=slot)
    if beyond is not None:
        slots |= Q(slot__gte=beyond)
    marks = ReceiverProgress.objects.filter(slots, pending_since__isnull=False)
    since = marks.aggregate(oldest=Min("pending_since"))["oldest"]
    if since is None:
        return None
    count = packets_replay(since=since - margin)
    marks.update(pending_since=None)
    return count


def _progress_set(slot: int, pending_since: datetime | None) -> None:
    ReceiverProgress.objects.update_or_create(slot=slot, defaults={"pending_since": pending_since})


def _ingest_alone(received: Received, cache: DeviceCache) -> Outcome:
    rows = _Rows()
    outcome = _decide_safely(received, cache, rows)
    try:
        with transaction.atomic():
            _write(rows)
        return outcome
    except Exception as exc:
        log.exception("%s: decoded rows of one packet failed; keeping only its raw bytes", received.peer)
        raw = list(rows.raw[0])
        raw[5] = Verdict.REJECTED
        raw[6] = _clip(f"storage-error: {exc}")
        with transaction.atomic():
            _write(_Rows(raw=[tuple(raw)]))
        return Outcome(False, raw[6], outcome.mn, outcome.device_id)


def _decide_safely(received: Received, cache: DeviceCache, rows: _Rows) -> Outcome:
    """``_decide``, but a bug in decoding one frame keeps that frame's bytes (rejected, with the error) and
    never costs the other frames of the batch their acknowledgement."""
    own = _Rows()
    try:
        outcome = _decide(received, cache, own)
    except Exception as exc:
        log.exception("%s: decoding a frame failed; keeping its bytes as rejected", received.peer)
        outcome = Outcome(False, _clip(f"decode-error: {exc!r}"))
        rows.raw.append(_raw_row(received, received.item.raw, outcome))
        return outcome
    rows.raw.extend(own.raw)
    if own.measurements:
        rows.measurements.update(own.measurements)
    if own.facilities:
        rows.facilities.update(own.facilities)
    if own.info:
        rows.info.update(own.info)
    if own.seen:
        rows.seen.update(own.seen)
    return outcome


def _decide(received: Received, cache: DeviceCache, rows: _Rows) -> Outcome:
    item = received.item
    if isinstance(item, Rejection):
        outcome = _rejection_outcome(item, cache)
        rows.raw.append(_raw_row(received, item.raw, outcome))
        return outcome
    result = received.parsed if received.parsed is not None else hj212.parse_frame(item)
    mn = _mn_of(result)
    device = cache.device(mn) if mn else None
    if device is not None and isinstance(result, Rejection) and _worth_retrying(result, device):
        result = hj212.parse_frame(item, crc_mode=device.crc_mode, key=device.key)
    if isinstance(result, Rejection):
        outcome = _rejection_outcome(result, cache, device)
    else:
        outcome = _packet_outcome(result, device, cache, received, rows)
    rows.raw.append(_raw_row(received, item.raw, outcome))
    return outcome


def _worth_retrying(rejection: Rejection, device: KnownDevice) -> bool:
    if rejection.reason is hj212.Reason.NO_KEY:
        return device.key is not None
    if rejection.reason in (hj212.Reason.CRC_MISMATCH, hj212.Reason.BAD_CRC_FIELD):
        return device.crc_mode is not CrcMode.STRICT
    return False


def _mn_of(result: Packet | Rejection) -> str:
    header = result.header
    return (header.mn or "")[:40] if header is not None else ""


def _rejection_outcome(
    rejection: Rejection, cache: DeviceCache, device: KnownDevice | None = None
) -> Outcome:
    mn = _mn_of(rejection)
    if device is None and mn:
        device = cache.device(mn)
    reason = f"{rejection.reason.value}: {rejection.message}"
    return Outcome(False, _clip(reason), mn, device.id if device else None)


def _packet_outcome(
    packet: Packet,
    device: KnownDevice | None,
    cache: DeviceCache,
    received: Received,
    rows: _Rows,
    *,
    check_password: bool = True,
) -> Outcome:
    header = packet.header
    mn = (header.mn or "")[:40]
    if device is None and isinstance(packet, hj212.Registration):
        return _registration_outcome(packet, cache, received, rows, mn)
    if device is None:
        reply = hj212.build_request_reply(packet, QnRtn.MN_WRONG) if header.ack_wanted else None
        return Outcome(False, "unknown-mn: no device is registered with this MN", mn, None, packet, reply)
    if check_password and not cache.password_ok(device, header.pw or ""):
        reply = hj212.build_request_reply(packet, QnRtn.PW_WRONG) if header.ack_wanted else None
        return Outcome(
            False, "wrong-pw: the password does not match the device's", mn, device.id, packet, reply
        )
    if not device.active:
        reply = hj212.build_request_reply(packet, QnRtn.REJECTED) if header.ack_wanted else None
        return Outcome(
            False, "inactive-device: the device is switched off in the registry", mn, device.id, packet, reply
        )
    notes = list(packet.warnings)
    count = _decode(packet, device, cache, received.received_at, rows, notes)
    if cache.seen_due(device.id):
        rows.seen[device.id] = received.received_at
    return Outcome(True, _clip("; ".join(notes)), mn, device.id, packet, hj212.reply_for(packet), count)


def _registration_outcome(
    packet: hj212.Registration, cache: DeviceCache, received: Received, rows: _Rows, mn: str
) -> Outcome:
    """HJ 212-2025 §6.8: a logger without an MN sends its hardware IDs (1001); when a device is registered
    under its logger ID, the answer is 1002 with that device's MN. Unknown loggers are kept as rejected."""
    logger_id = packet.hardware_ids().get("i23005", "")
    device = cache.device_by_logger(logger_id) if logger_id else None
    if device is None:
        reason = f"unknown-logger: no device is registered with logger ID {logger_id[:40]!r}"
        return Outcome(False, _clip(reason), mn, None, packet)
    reply = hj212.build_activation(hj212.Peer.of(packet), new_mn=device.mn, logger_id=logger_id)
    _decode(packet, device, cache, received.received_at, rows, [])  # keep the hardware IDs as site info
    reason = f"registration: logger {logger_id} is device {device.mn}; MN sent with 1002"
    return Outcome(True, _clip(reason), mn, device.id, packet, reply)


def _decode(
    packet: Packet,
    device: KnownDevice,
    cache: DeviceCache,
    received_at: datetime,
    rows: _Rows,
    notes: list[str],
) -> int:
    """Adds the packet's measurements, facility states and site information to ``rows``.

    Rows are stored as the finished parameter tuples of their INSERT, times already in the database's
    form, so that writing them builds nothing more per row (this loop runs 60,000 times a second).
    """
    count = 0
    if isinstance(packet, hj212.DataUpload):
        unknown: list[str] = []
        factors = cache.factors()
        scales = device.scales
        point_id = device.point_id
        measurements = rows.measurements
        # Every value of a packet shares its period and DataTime.
        period = packet.period
        period_value = period.value
        when: Any = cache.data_time(packet.data_time)
        if when is None and period is hj212.Period.RTD:
            when = _db_time(received_at.astimezone(UTC).replace(microsecond=0))
        for code, value, flag, converted, cumulative in packet.stored_values():
            factor_id = factors.get(code)
            if factor_id is None:
                factor_id = cache.factor_id(code)  # refreshes the catalogue now and then
                if factor_id is None:
                    unknown.append(code)
                    continue
            if when is None:
                notes.append(f"{code}: no usable DataTime, value not stored")
                continue
            scale = scales.get(code, 1.0)
            measurements[(point_id, factor_id, period_value, when)] = (
                point_id,
                factor_id,
                period_value,
                when,
                _finite(value, scale),
                (flag or "N")[:2],
                "device",
                _finite(converted, scale),
                _finite(cumulative, 1.0),
            )
            count += 1
        if unknown:
            notes.append(
                "factor codes not in the catalogue, kept only in the raw packet: "
                + ", ".join(sorted(set(unknown))[:10])
            )
    elif isinstance(packet, hj212.FacilityStatus):
        when = cache.data_time(packet.data_time) or _db_time(
            received_at.astimezone(UTC).replace(microsecond=0)
        )
        cn = packet.header.cn or ""
        for state in packet.facilities():
            facility = state.facility[:20]
            rows.facilities[(device.id, facility, cn, when)] = (
                device.id,
                facility,
                cn,
                when,
                state.state,
                _finite(state.run_hours, 1.0),
            )
    elif isinstance(packet, hj212.SiteInfo):
        when = cache.data_time(packet.data_time) or _db_time(
            received_at.astimezone(UTC).replace(microsecond=0)
        )
        for info in packet.items():
            pol_id, code = (info.pol_id or "")[:16], info.code[:16]
            rows.info[(device.id, pol_id, code, when)] = (device.id, pol_id, code, when, info.value)
    return count


def _utc(local: datetime | None) -> datetime | None:
    if local is None or not 2000 <= local.year <= 2100:
        return None
    return local.replace(tzinfo=CHINA).astimezone(UTC)


def _db_time(value: datetime) -> Any:
    """An aware datetime as the database driver takes it (on SQLite: text in UTC)."""
    return connection.ops.adapt_datetimefield_value(value)


def _finite(value: float | None, scale: float) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return value * scale


def _clip(text: str) -> str:
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


def _raw_row(received: Received, data: bytes, outcome: Outcome) -> tuple:
    return (
        received.received_at,
        received.peer[:64],
        outcome.mn,
        outcome.device_id,
        data,
        Verdict.ACCEPTED if outcome.accepted else Verdict.REJECTED,
        outcome.reason,
    )


# --- SQL ---------------------------------------------------------------------------------------------


# Measurement rows in (point, factor) order: consecutive upserts then land on neighbouring pages of the
# natural-key index instead of jumping across it for every row (measured: ~20 % less SQLite time). The
# sort is stable, so one series keeps the order its values arrived in.
_BY_SERIES = itemgetter(0, 1)


def _insert(table: str, columns: str, conflict: str, rows: list[tuple]) -> None:
    """``INSERT INTO table (columns) <rows> <conflict>``: the rows in as few round trips as the driver allows.

    The drivers are used directly: Django's cursor would rewrite the placeholders of every statement, and
    binds parameters in Python on PostgreSQL.
    """
    if not rows:
        return
    connection.ensure_connection()
    # The drivers' own errors as Django's (IntegrityError, DataError …), which the callers handle.
    with connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            # Staged rows vanish at commit: in autocommit they would be gone before they were moved.
            with nullcontext() if connection.in_atomic_block else transaction.atomic():
                _insert_postgresql(connection.connection, table, columns, conflict, rows)
        else:
            _insert_sqlite(connection.connection, f"INSERT INTO {table} ({columns})", conflict, rows)


def _insert_postgresql(raw_connection, table: str, columns: str, conflict: str, rows: list[tuple]) -> None:
    """``COPY`` the rows in; for an upsert into a temporary table first, then one ``INSERT … SELECT``.

    Why COPY: psycopg formats COPY rows in C, while the arrays of ``unnest`` (used before) were built in
    Python; measured on 26,400 measurement rows: 60–67 ms of the receiver's CPU instead of 187–209 ms,
    and the whole write 260–380 ms instead of 420–560 ms.
    """
    import psycopg

    with psycopg.Cursor(raw_connection) as cursor:
        if not conflict:
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # Per session; emptied at every commit. Created here each time rather than remembered: a rolled-back
        # transaction takes its creation with it.
        stage = f"lanqing_stage_{table}"
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        with cursor.copy(f"COPY {stage} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # Moved, not copied: a second write in the same transaction must not upsert these rows again.
        cursor.execute(
            f"WITH staged AS (DELETE FROM {stage} RETURNING {columns}) "
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM staged {conflict}"
        )


# Rows per SQLite statement: powers of two, so that a batch of any size takes a few statements whose text
# repeats (the driver keeps them prepared). 256 rows of 9 values stay far below SQLite's variable limit.
_SQLITE_ROWS = (256, 128, 64, 32, 16, 8, 4, 2, 1)
_sqlite_statements: dict[tuple[str, str, int, int], str] = {}
# SQLite's default since 3.32 is 32,766; older builds allow 999, which 256 rows of 9 would exceed.
_SQLITE_MAX_VARIABLES = 999 if sqlite3.sqlite_version_info < (3, 32, 0) else 32_766


def _insert_sqlite(raw_connection, head: str, tail: str, rows: list[tuple]) -> None:
    """Many rows per ``INSERT … VALUES (…), (…)`` statement.

    Why not ``executemany``: it binds, steps and resets the statement once per row, letting go of the
    interpreter lock around every step; one statement of many rows does that once. Measured on the
    benchmark's packets in one thread: the deferred write of measurements 28 → 22 µs per packet, the whole
    ingest about 5 % less CPU, and all of it inside the write turn that other receiver workers wait for.
    """
    width = len(rows[0])
    start, total = 0, len(rows)
    for size in _SQLITE_ROWS:
        if total - start < size or size * width > _SQLITE_MAX_VARIABLES:
            continue
        key = (head, tail, width, size)
        sql = _sqlite_statements.get(key)
        if sql is None:
            values = ", ".join(["(" + ", ".join("?" * width) + ")"] * size)
            sql = _sqlite_statements[key] = f"{head} VALUES {values} {tail}"
        while total - start >= size:
            raw_connection.execute(sql, list(chain.from_iterable(rows[start : start + size])))
            start += size


def _arrival_adapter() -> Callable[[datetime], Any]:
    """How arrival times reach the driver: Django's adaptation, on SQLite without its checks for aware values.

    Every raw packet has one, and it is converted inside the write turn. Django turns an aware datetime into
    text in the connection's zone (``make_naive`` then ``str``); done directly that is 1.7 µs a row instead
    of 2.8–4.5 µs (timeit, 40 rows), with the same text.
    """
    adapt = connection.ops.adapt_datetimefield_value
    zone = connection.timezone if connection.vendor == "sqlite" else None
    if zone is None:
        return adapt

    def arrival(value: datetime) -> Any:
        if value.utcoffset() is None:
            return adapt(value)
        return value.astimezone(zone).replace(tzinfo=None).isoformat(" ")

    return arrival


def _write(rows: _Rows) -> None:
    adapt = _arrival_adapter()
    measurements = list(rows.measurements.values())
    measurements.sort(key=_BY_SERIES)
    _insert(
        RawPacket._meta.db_table,
        "received_at, peer, mn, device_id, data, verdict, reason",
        "",
        [(adapt(r[0]), r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows.raw],
    )
    # Upserts on natural keys: equal values rewrite the same row, so a replayed packet changes nothing.
    _insert(
        "monitoring_measurement",
        "point_id, factor_id, period, time, value, flag, source, converted, cumulative",
        "ON CONFLICT (point_id, factor_id, period, time) DO UPDATE SET value = excluded.value, "
        "flag = excluded.flag, source = excluded.source, converted = excluded.converted, "
        "cumulative = excluded.cumulative",
        measurements,
    )
    # Hourly and daily values wait for detection's judgement (one row per point and hour, a few per packet
    # at most), and one job is queued for all of them: detection follows the receiver within seconds.
    new = {(m[0], m[2], m[3]) for m in measurements if m[2] in JUDGED_PERIODS}
    if new:
        _insert(NewValue._meta.db_table, "point_id, period, time", "", list(new))
        new_values_announce()
    _insert(
        "monitoring_facilityrun",
        "device_id, facility, cn, time, state, run_hours",
        "ON CONFLICT (device_id, facility, cn, time) DO UPDATE SET "
        "state = excluded.state, run_hours = excluded.run_hours",
        list(rows.facilities.values()),
    )
    _insert(
        "monitoring_deviceinfo",
        "device_id, pol_id, code, time, value",
        "ON CONFLICT (device_id, pol_id, code, time) DO UPDATE SET value = excluded.value",
        list(rows.info.values()),
    )
    if rows.seen:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {Device._meta.db_table} SET last_seen_at = %s, is_online = %s WHERE id = %s "
                "AND (last_seen_at IS NULL OR last_seen_at < %s)",
                [(adapt(when), True, device_id, adapt(when)) for device_id, when in rows.seen.items()],
            )


# --- Replay ------------------------------------------------------------------------------------------


@dataclass
class ReplayCount:
    packets: int = 0
    decoded: int = 0
    measurements: int = 0
    skipped: int = 0


def packets_replay(
    *,
    packets: Iterable[RawPacket] | None = None,
    mn: str | None = None,
    since: datetime | None = None,
    chunk: int = 2000,
) -> ReplayCount:
    """Decode stored raw packets again and upsert what they carry; raw packets themselves are not changed.

    Accepted packets are decoded without the password check (it passed when they arrived). Idempotent.
    """
    if packets is None:
        query = RawPacket.objects.filter(verdict=Verdict.ACCEPTED).order_by("id")
        if mn:
            query = query.filter(mn=mn)
        if since:
            query = query.filter(received_at__gte=since)
        packets = query.iterator(chunk_size=chunk)
    cache = DeviceCache()
    count = ReplayCount()
    rows = _Rows()
    for raw in packets:
        count.packets += 1
        data = bytes(raw.data)
        parsed = hj212.parse_bytes(data)
        mn_sent = _mn_of(parsed)
        device = cache.device(mn_sent) if mn_sent else None
        if device is not None and isinstance(parsed, Rejection) and _worth_retrying(parsed, device):
            parsed = hj212.parse_bytes(data, crc_mode=device.crc_mode, key=device.key)
        if isinstance(parsed, Rejection) or device is None:
            count.skipped += 1
            continue
        received = Received(Frame(data, 0), raw.peer, raw.received_at)
        outcome = _packet_outcome(parsed, device, cache, received, rows, check_password=False)
        if outcome.accepted:
            count.decoded += 1
        if len(rows.measurements) >= chunk:
            count.measurements += _flush_replay(rows)
            rows = _Rows()
    count.measurements += _flush_replay(rows)
    return count


def _flush_replay(rows: _Rows) -> int:
    rows.seen.clear()  # replay says nothing about whether a device is online now
    with transaction.atomic():
        _write(rows)
    return len(rows.measurements)


def devices_mark_offline(
    *, silent_for: timedelta = timedelta(minutes=15), now: datetime | None = None
) -> int:
    """Devices not heard from in ``silent_for`` are offline (also covers a receiver that died)."""
    now = now or dj_timezone.now()
    return (
        Device.objects.filter(is_online=True)
        .exclude(last_seen_at__gte=now - silent_for)
        .update(is_online=False)
    )
