"""What the platform asks of a connected device: time calibration and history backfill (HJ 212 §6.7, §7).

One :class:`HostSession` per connection that has sent an accepted packet. It sees every accepted packet of
its device (``on_packet``) and a tick once a second. Commands go out through the connection; the device's
answers (9011, the 1011 upload, 9012, history packets) come back as ordinary frames, stored and
acknowledged like any other, so a backfilled hour lands through the same ingest as live data.

* Time: on the first packet and then every ``time_check_every``, send 1011; when the device's 1011 upload
  shows a clock off by more than ``time_tolerance``, send 1012 with our time. Also on a 1013 request.
* Settings (§6.7 steps 2–6): on the first packet of each connection, what the registry sets for the device —
  reply timeout and resend count (1000), real-time and minute intervals (1062, 1064), real-time upload on or
  off (2011 / 2012) and facility-status upload on or off (2021 / 2022). Nothing for settings left empty.
* Keys (HJ 212-2025 §6.4.3): an encrypting device whose SM4 key is older than ``key_max_age`` (keys
  rotate every 90 days), or that asks with 1014, gets a new key by 1014, encrypted with its current one; the
  new key is stored (sealed) and the old one retired when the device confirms with 9012 ExeRtn=1.
* Gaps: after an hourly packet, at most every ``gap_check_every``, look for missing hours in the last
  ``gap_lookback`` and request each missing range with 2061 BeginTime/EndTime (tables C.47–C.50).
"""

from __future__ import annotations

import logging
import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from lanqing import hj212
from lanqing.hj212 import CHINA, Cn
from lanqing.monitoring.ingest.decide import Outcome
from lanqing.monitoring.models import Device, DeviceClock
from lanqing.monitoring.services import device_key_replace, device_key_row
from lanqing.monitoring.transmission import device_hourly_gaps

if TYPE_CHECKING:
    from lanqing.receiver.server import Connection

log = logging.getLogger("lanqing.receiver")


@dataclass(frozen=True, kw_only=True)
class HostPolicy:
    time_tolerance: float = 60.0  # seconds a device clock may be off before we set it
    time_check_every: float = 24 * 3600.0
    gap_check_every: float = 3600.0
    gap_lookback: timedelta = timedelta(hours=48)
    max_ranges: int = 4  # history requests sent per check, oldest first
    calibrate_time: bool = True
    backfill: bool = True
    configure: bool = True  # send the registry's device settings on connection
    key_max_age: timedelta = timedelta(days=80)  # rotate before the standard's 90 days


class HostSession:
    __slots__ = (
        "conn",
        "device_id",
        "peer",
        "policy",
        "pending",
        "time_checked",
        "gaps_checked",
        "requested",
        "key_checked",
        "new_key",
        "configured",
    )

    def __init__(self, conn: Connection, device_id: int, packet: hj212.Packet, policy: HostPolicy) -> None:
        self.conn = conn
        self.device_id = device_id
        self.peer = hj212.Peer.of(packet)
        self.policy = policy
        self.pending: dict[str, str] = {}  # QN of a command we sent → what it was for
        self.time_checked = -1e18
        self.gaps_checked = -1e18
        self.requested: set[tuple[datetime, datetime]] = set()
        self.key_checked = False
        self.new_key: tuple[str, bytes] | None = None  # (QN of the 1014, key) awaiting the device's 9012
        self.configured = False

    def on_packet(self, outcome: Outcome) -> None:
        packet = outcome.packet
        if packet is None:
            return
        header = packet.header
        cn = header.cn or ""
        now = time.monotonic()
        if cn == Cn.TIME_CALIBRATION_REQUEST:
            self._send_time()
        elif cn == Cn.GET_TIME and isinstance(packet, hj212.ParameterUpload) and header.qn in self.pending:
            self._check_clock(packet)
        elif isinstance(packet, hj212.Reply) and packet.request_qn in self.pending:
            if cn == Cn.EXECUTION_RESULT and self.new_key and self.new_key[0] == packet.request_qn:
                if packet.exe_rtn == hj212.ExeRtn.SUCCESS:
                    self._key_confirmed(self.new_key[1])
                self.new_key = None
            if cn == Cn.EXECUTION_RESULT or (cn == Cn.REQUEST_REPLY and packet.qn_rtn not in (None, 1)):
                self.pending.pop(packet.request_qn or "", None)
        if packet.encrypted or cn == Cn.KEY_EXCHANGE:
            if not self.key_checked or cn == Cn.KEY_EXCHANGE:
                self.key_checked = True
                self._check_key(asked=cn == Cn.KEY_EXCHANGE)
        if self.policy.calibrate_time and now - self.time_checked > self.policy.time_check_every:
            self.time_checked = now
            self._send(hj212.build_get_time(self.peer, qn=self._qn()), "get-time")
        if self.policy.configure and not self.configured:
            self.configured = True
            device_id = self.device_id
            self.conn.server.writer.call(lambda: _settings_of(device_id)).add_done_callback(self._configure)
        if (
            self.policy.backfill
            and cn == Cn.HOUR_DATA
            and not header.split
            and not header.resent
            and now - self.gaps_checked > self.policy.gap_check_every
        ):
            self.gaps_checked = now
            self._look_for_gaps()

    def tick(self) -> None:
        # Requests the device never answered are forgotten after a while so `pending` stays small.
        if len(self.pending) > 32:
            self.pending.clear()

    # --- time -----------------------------------------------------------------------------------------

    def _check_clock(self, packet: hj212.ParameterUpload) -> None:
        device_time = packet.system_time
        if device_time is None:
            return
        now = datetime.now(CHINA).replace(tzinfo=None)
        offset = (device_time - now).total_seconds()
        corrected = abs(offset) > self.policy.time_tolerance
        # Within tolerance is the normal case: keep it out of the operator's log.
        log.log(
            logging.INFO if corrected else logging.DEBUG,
            "%s: %s clock is off by %+.0f s%s",
            self.conn.peer,
            self.peer.mn,
            offset,
            "; setting it" if corrected else "",
        )
        if corrected:
            self._send_time()
        device_id = self.device_id
        self.conn.server.writer.call(lambda: _record_clock(device_id, offset, corrected))

    def _send_time(self) -> None:
        self._send(hj212.build_set_time(self.peer, datetime.now(CHINA), qn=self._qn()), "set-time")

    # --- settings (§6.7 steps 2–6) --------------------------------------------------------------------

    def _configure(self, future) -> None:
        if future.cancelled() or future.exception() is not None or self.conn.closing:
            return
        settings: DeviceSettings | None = future.result()
        if settings is None:
            return
        # (what, builder, its arguments) for each setting the registry holds, in §6.7's order.
        wanted: list[tuple[str, Callable[..., bytes], dict]] = []
        if settings.reply_timeout and settings.resend_count:
            wanted.append(
                (
                    f"OverTime={settings.reply_timeout} ReCount={settings.resend_count}",
                    hj212.build_set_timeouts,
                    {"overtime": settings.reply_timeout, "recount": settings.resend_count},
                )
            )
        if settings.rtd_interval:
            wanted.append(
                (
                    f"RtdInterval={settings.rtd_interval}",
                    hj212.build_set_rtd_interval,
                    {"seconds": settings.rtd_interval},
                )
            )
        if settings.min_interval:
            wanted.append(
                (
                    f"MinInterval={settings.min_interval}",
                    hj212.build_set_min_interval,
                    {"minutes": settings.min_interval},
                )
            )
        for name, switch, start, stop in (
            ("real-time upload", settings.realtime_upload, hj212.build_start_realtime, hj212.build_stop_realtime),
            (
                "status upload",
                settings.status_upload,
                hj212.build_start_facility_status,
                hj212.build_stop_facility_status,
            ),
        ):
            if switch in ("on", "off"):
                wanted.append((f"{name} {switch}", start if switch == "on" else stop, {}))
        sent = []
        for what, build, arguments in wanted:
            try:
                frame = build(self.peer, **arguments, qn=self._qn())
            except ValueError as exc:  # a value written past the registry's validation
                log.warning("%s: %s: setting %s not sent: %s", self.conn.peer, self.peer.mn, what, exc)
                continue
            self._send(frame, "setting")
            sent.append(what)
        if sent:
            log.info("%s: %s: sending its settings: %s", self.conn.peer, self.peer.mn, ", ".join(sent))

    # --- SM4 keys (HJ 212-2025) ----------------------------------------------------------------------

    def _check_key(self, *, asked: bool) -> None:
        device_id, max_age = self.device_id, self.policy.key_max_age
        future = self.conn.server.writer.call(lambda: _key_due(device_id, max_age, asked))
        future.add_done_callback(self._send_key)

    def _send_key(self, future) -> None:
        if future.cancelled() or future.exception() is not None or self.conn.closing or self.new_key:
            return
        current = future.result()
        if current is None:
            return
        # ASCII letters and digits: NewSK travels as text inside CP (the annex example is 16 characters).
        new = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(16)).encode()
        peer = hj212.Peer(self.peer.mn, self.peer.pw, self.peer.st, hj212.Version.V2025, current)
        qn = self._qn()
        self.new_key = (qn, new)
        log.info("%s: %s gets a new SM4 key (1014)", self.conn.peer, self.peer.mn)
        self._send(hj212.build_key_update(peer, new, created=datetime.now(CHINA), qn=qn), "key")

    def _key_confirmed(self, new: bytes) -> None:
        device_id, mn, writer = self.device_id, self.peer.mn, self.conn.server.writer

        def store() -> None:
            _key_store(device_id, new)
            writer.cache.forget(mn)  # the writer's next packet from this device decrypts with the new key

        writer.call(store)
        log.info("%s: %s confirmed its new SM4 key", self.conn.peer, mn)

    # --- history backfill -----------------------------------------------------------------------------

    def _look_for_gaps(self) -> None:
        device_id = self.device_id
        lookback = self.policy.gap_lookback
        future = self.conn.server.writer.call(
            lambda: device_hourly_gaps(device_id=device_id, until=datetime.now(UTC), lookback=lookback)
        )
        future.add_done_callback(self._request_gaps)

    def _request_gaps(self, future) -> None:
        if future.cancelled() or future.exception() is not None or self.conn.closing:
            return
        ranges = [r for r in future.result() if r not in self.requested][: self.policy.max_ranges]
        for begin, end in ranges:
            self.requested.add((begin, end))
            local_begin = begin.astimezone(CHINA).replace(tzinfo=None)
            local_end = end.astimezone(CHINA).replace(tzinfo=None)
            log.info(
                "%s: %s hourly data missing %s … %s; requesting it",
                self.conn.peer,
                self.peer.mn,
                local_begin,
                local_end,
            )
            self._send(
                hj212.build_history_request(self.peer, Cn.HOUR_DATA, local_begin, local_end, qn=self._qn()),
                "history",
            )

    # --- plumbing -------------------------------------------------------------------------------------

    def _qn(self) -> str:
        qn = hj212.new_qn()
        while qn in self.pending:  # two commands in the same millisecond
            qn = str(int(qn) + 1)
        return qn

    def _send(self, frame: bytes, purpose: str) -> None:
        qn = frame.split(b"QN=", 1)[1][:17].decode("ascii", "replace") if b"QN=" in frame else ""
        self.pending[qn] = purpose
        self.conn.queue(frame)


@dataclass(frozen=True)
class DeviceSettings:
    reply_timeout: int | None
    resend_count: int | None
    rtd_interval: int | None
    min_interval: int | None
    realtime_upload: str
    status_upload: str


def _settings_of(device_id: int) -> DeviceSettings | None:
    row = (
        Device.objects.filter(id=device_id)
        .values_list(
            "reply_timeout", "resend_count", "rtd_interval", "min_interval", "realtime_upload", "status_upload"
        )
        .first()
    )
    return DeviceSettings(*row) if row else None


def _record_clock(device_id: int, offset: float, corrected: bool) -> None:
    DeviceClock.objects.update_or_create(
        device_id=device_id,
        defaults={"checked_at": timezone.now(), "offset_seconds": offset, "corrected": corrected},
    )


def _key_due(device_id: int, max_age: timedelta, asked: bool) -> bytes | None:
    """The device's current key when it should get a new one, else None."""
    key = device_key_row(device_id)
    if key is None or not (asked or key.created_at < timezone.now() - max_age):
        return None
    return key.open()


def _key_store(device_id: int, new: bytes) -> None:
    device_key_replace(device_id=device_id, raw=new)
