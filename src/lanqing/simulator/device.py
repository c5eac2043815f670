"""A simulated data logger without I/O: what it sends at a given time and how it answers the host.

Values are deterministic functions of (MN, factor, interval start) plus the device's faults, or come from
the device's `readings` (the demo's history generator), so the hourly values a device resends for a history
request equal what it would have sent live, and tests can predict them. Times are the device's own clock (Beijing time, naive), which may be off (``clock_offset``) until
the host sets it with 1012.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from lanqing import hj212
from lanqing.hj212 import Cn, ExeRtn, Peer, QnRtn, Version
from lanqing.hj212.codes import GAS_2005, WATER_2005
from lanqing.hj212.segment import format_time
from lanqing.hj212.versions import make_flag

CHINA = timedelta(hours=8)


@dataclass(frozen=True)
class FactorSpec:
    code: str
    base: float
    swing: float  # diurnal amplitude, share of base
    noise: float  # share of base
    converted: bool = False  # sends Zs* (flue gas pollutants)
    cumulative: float | None = None  # Cou per hour = value × this (emission kg, discharge m³)
    decimals: int = 2


# Typical magnitudes: county air station (µg/m³, CO mg/m³), a coking plant stack (mg/m³, O2 %, flow m³/s),
# a wastewater outlet (mg/L, pH, flow L/s).
KINDS: dict[str, tuple[str, tuple[FactorSpec, ...]]] = {
    "air": (
        "22",
        (
            FactorSpec("a34004", 38, 0.35, 0.15, decimals=0),
            FactorSpec("a34002", 70, 0.30, 0.15, decimals=0),
            FactorSpec("a21026", 12, 0.30, 0.15, decimals=0),
            FactorSpec("a21004", 28, 0.40, 0.15, decimals=0),
            FactorSpec("a21005", 0.8, 0.30, 0.10, decimals=2),
            FactorSpec("a05024", 80, 0.60, 0.10, decimals=0),
        ),
    ),
    "gas": (
        "31",
        (
            FactorSpec("a21026", 25, 0.10, 0.10, converted=True, cumulative=0.02),
            FactorSpec("a21002", 80, 0.10, 0.10, converted=True, cumulative=0.06),
            FactorSpec("a34013", 6, 0.10, 0.15, converted=True, cumulative=0.005),
            FactorSpec("a19001", 9.5, 0.03, 0.03, decimals=1),
            FactorSpec("a00000", 35, 0.10, 0.05, decimals=1, cumulative=3600),
        ),
    ),
    "water": (
        "32",
        (
            FactorSpec("w01018", 32, 0.15, 0.10, cumulative=0.01, decimals=1),
            FactorSpec("w21003", 1.8, 0.15, 0.10, cumulative=0.0005, decimals=3),
            FactorSpec("w01001", 7.3, 0.01, 0.01, decimals=2),
            FactorSpec("w00000", 12, 0.20, 0.05, cumulative=3.6, decimals=2),
        ),
    ),
}
_TO_2005 = {v: k for k, v in {**WATER_2005, **GAS_2005}.items()}

FAULTS = frozenset({"offline", "exceedance", "constant", "bad-crc", "junk", "split", "slow"})

# The readings of every factor for the hour starting at a UTC time, as (value, HJ 212 flag), or None when the
# device has nothing for that hour (it was offline).
Readings = Callable[[datetime], "dict[str, tuple[float, str]] | None"]


def _unit(*parts: Any) -> float:
    """A stable pseudo-random number in [0, 1) from its arguments."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass
class SimDevice:
    mn: str
    pw: str = "123456"
    kind: str = "air"
    version: Version = Version.V2017
    faults: frozenset[str] = frozenset()
    clock_offset: timedelta = timedelta(0)
    rtd_interval: int = 30  # seconds; the host may set it (1062)
    min_interval: int = 10  # minutes; the host may set it (1064)
    realtime_on: bool = True  # the host switches real-time uploads off (2012) and on (2011)
    factors: tuple[FactorSpec, ...] = ()
    key: bytes | None = None
    # Hours (interval starts) the device failed to send live, e.g. during an offline spell.
    missed_hours: set[datetime] = field(default_factory=set)
    # Where the values come from instead of the built-in curves: the demo passes the generator its stored
    # history was made with, so that the live values continue that history (same factors, no jump, the
    # same offline spells) instead of starting another one.
    readings: Readings | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if not self.factors:
            self.factors = KINDS[self.kind][1]

    @property
    def st(self) -> str:
        return KINDS[self.kind][0]

    @property
    def peer(self) -> Peer:
        return Peer(self.mn, self.pw, self.st, self.version, self.key)

    def clock(self, utc_now: datetime) -> datetime:
        """The device's own (Beijing, naive) time at a platform UTC time."""
        return utc_now.replace(tzinfo=None) + CHINA + self.clock_offset

    # --- values ---------------------------------------------------------------------------------------

    def _hour_readings(self, at: datetime) -> dict[str, tuple[float, str]] | None:
        assert self.readings is not None
        hour = at.replace(minute=0, second=0, microsecond=0) - CHINA
        return self.readings(hour.replace(tzinfo=UTC))

    def silent(self, at: datetime) -> bool:
        """Whether the device sends nothing at this (device) time: its readings have no values for the hour."""
        return self.readings is not None and self._hour_readings(at) is None

    def _read(self, spec: FactorSpec, start: datetime, span: timedelta) -> tuple[float, str]:
        assert self.readings is not None
        now = self._hour_readings(start) or {}
        value, flag = now.get(spec.code, (0.0, "D"))
        if span < timedelta(hours=1):
            # Within the hour, real-time and minute values move from this hour's value towards the next's.
            following = (self._hour_readings(start + timedelta(hours=1)) or {}).get(spec.code)
            if following is not None:
                share = (start.minute * 60 + start.second) / 3600
                value = value + (following[0] - value) * share
        return round(value, spec.decimals), flag

    def value(self, spec: FactorSpec, start: datetime, span: timedelta) -> float:
        if self.readings is not None:
            return self._read(spec, start, span)[0]
        hour = start.hour + start.minute / 60
        diurnal = 1 + spec.swing * math.sin((hour - 9) / 24 * 2 * math.pi)
        noise = 1 + spec.noise * (2 * _unit(self.mn, spec.code, start, span) - 1)
        value = spec.base * diurnal * noise
        if "constant" in self.faults:
            value = spec.base  # a stuck analyser: the same value hour after hour
        if "exceedance" in self.faults and _unit(self.mn, "exceed", start.date(), start.hour) < 0.1:
            value *= 4
        return round(value, spec.decimals)

    def flag(self, spec: FactorSpec, start: datetime) -> str:
        if self.readings is not None:
            return self._read(spec, start, timedelta(hours=1))[1]
        # Now and then an instrument is calibrating or in maintenance (HJ 212 Table 8 flags C, M).
        roll = _unit(self.mn, spec.code, "flag", start)
        return "C" if roll < 0.01 else "M" if roll < 0.015 else "N"

    def factor_fields(self, start: datetime, span: timedelta, *, realtime: bool = False) -> dict[str, dict]:
        fields: dict[str, dict] = {}
        for spec in self.factors:
            value = self.value(spec, start, span)
            code = _TO_2005.get(spec.code, spec.code) if self.version is Version.V2005 else spec.code
            if realtime:
                item: dict[str, Any] = {"Rtd": value}
                if spec.converted:
                    item["ZsRtd"] = round(value * 1.1, spec.decimals)
            else:
                low, high = round(value * 0.9, spec.decimals), round(value * 1.1, spec.decimals)
                item = {"Min": low, "Avg": value, "Max": high}
                if spec.converted:
                    item["ZsAvg"] = round(value * 1.1, spec.decimals)
                if spec.cumulative is not None:
                    item["Cou"] = round(value * spec.cumulative * span / timedelta(hours=1), 3)
            item["Flag"] = self.flag(spec, start)
            fields[code] = item
        return fields

    # --- packets --------------------------------------------------------------------------------------

    def realtime(self, at: datetime) -> bytes:
        at = at.replace(microsecond=0)
        return hj212.build_data(
            self.peer,
            Cn.REALTIME_DATA,
            at,
            self.factor_fields(at, timedelta(0), realtime=True),
            ack=False,
            qn=hj212.new_qn(at),
        )

    def minute(self, start: datetime) -> bytes:
        span = timedelta(minutes=self.min_interval)
        return hj212.build_data(
            self.peer, Cn.MINUTE_DATA, start, self.factor_fields(start, span), qn=hj212.new_qn(start + span)
        )

    def hourly(
        self, start: datetime, *, qn: str | None = None, split: bool = False, resent: bool = False
    ) -> list[bytes]:
        """The hourly packet(s) for the hour starting at ``start``; ``split`` makes two sub-packets
        (PNUM=2, PNO=1/2), each repeating DataTime with half of the factors (tables C.47–C.50)."""
        fields = self.factor_fields(start, timedelta(hours=1))
        resent = resent and self.version is Version.V2025
        if not split or len(fields) < 2:
            return [hj212.build_data(self.peer, Cn.HOUR_DATA, start, fields, qn=qn, resent=resent)]
        items = list(fields.items())
        half = len(items) // 2
        parts = [dict(items[:half]), dict(items[half:])]
        return [
            hj212.build_data(
                self.peer, Cn.HOUR_DATA, start, part, qn=_next_qn(qn, i), pnum=2, pno=i + 1, resent=resent
            )
            for i, part in enumerate(parts)
        ]

    def heartbeat(self) -> bytes:
        return hj212.build_heartbeat(self.peer)

    # --- answering the host ---------------------------------------------------------------------------

    def answer(self, packet: hj212.Packet, utc_now: datetime) -> Iterator[tuple[bytes, bool]]:
        """Frames to send in answer to a host packet, each with whether to wait for a 9014 after it.

        Request flow (HJ 212-2017 §7): 9011 QnRtn → the answer (for get commands) → 9012 ExeRtn. History:
        each hour as new-QN packets (split in two), waiting for the host's 9014 after each, then 9012.
        """
        cn = packet.header.cn or ""
        if cn.startswith("90"):
            return
        if packet.header.mn != self.mn or packet.header.pw != self.pw:
            if packet.header.ack_wanted:
                yield (
                    hj212.build_request_reply(
                        packet, QnRtn.MN_WRONG if packet.header.mn != self.mn else QnRtn.PW_WRONG
                    ),
                    False,
                )
            return
        if cn in (Cn.STOP_REALTIME, Cn.STOP_FACILITY_STATUS):
            if cn == Cn.STOP_REALTIME:
                self.realtime_on = False
            yield hj212.build_notification_reply(packet), False
            return
        yield hj212.build_request_reply(packet, QnRtn.READY), False
        if cn == Cn.KEY_EXCHANGE and isinstance(packet, hj212.KeyExchange) and packet.new_key:
            new_key = packet.new_key.encode("latin-1")
            yield hj212.build_execution_result(packet, ExeRtn.SUCCESS), False
            self.key = new_key  # from now on (after the 9012 went out) data are encrypted with the new key
            return
        if cn == Cn.GET_TIME:
            yield (
                hj212.build_frame(
                    cn=Cn.GET_TIME,
                    st=self.st,
                    mn=self.mn,
                    pw=self.pw,
                    cp=f"SystemTime={format_time(self.clock(utc_now))}",
                    qn=packet.header.qn,
                    flag=make_flag(self.version),
                ),
                False,
            )
        elif cn == Cn.REALTIME_DATA:
            self.realtime_on = True
        elif cn == Cn.SET_RTD_INTERVAL and isinstance(packet, hj212.ParameterUpload):
            seconds = packet.rtd_interval
            if seconds is None or not 30 <= seconds <= 3600:
                yield hj212.build_execution_result(packet, ExeRtn.BAD_CONDITIONS), False
                return
            self.rtd_interval = seconds
        elif cn == Cn.SET_MIN_INTERVAL and isinstance(packet, hj212.ParameterUpload):
            minutes = packet.min_interval
            if minutes not in (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30):
                yield hj212.build_execution_result(packet, ExeRtn.BAD_CONDITIONS), False
                return
            self.min_interval = minutes
        elif cn == Cn.SET_TIME and isinstance(packet, hj212.ParameterUpload) and packet.system_time:
            self.clock_offset = packet.system_time - (utc_now.replace(tzinfo=None) + CHINA)
        elif cn == Cn.HOUR_DATA and isinstance(packet, hj212.HistoryRequest):
            yield from self._history(packet, utc_now)
            return
        yield hj212.build_execution_result(packet, ExeRtn.SUCCESS), False

    def _history(self, packet: hj212.HistoryRequest, utc_now: datetime) -> Iterator[tuple[bytes, bool]]:
        """The hours asked for, as new-QN packets (split in two), then the 9012 saying whether any was sent."""
        begin, end = packet.begin, packet.end
        if begin is None or end is None or end < begin or end - begin > timedelta(days=31):
            yield hj212.build_execution_result(packet, ExeRtn.BAD_CONDITIONS), False
            return
        hour = begin.replace(minute=0, second=0, microsecond=0)
        sent = 0
        while hour <= end:
            if hour <= self.clock(utc_now) - timedelta(hours=1) and not self.silent(hour):
                for frame in self.hourly(hour, qn=hj212.new_qn(), split=True, resent=True):
                    # HJ/T 212-2005 uploads carry no Flag, so no 9014 comes back to wait for.
                    yield frame, self.version is not Version.V2005
                    sent += 1
                self.missed_hours.discard(hour)
            hour += timedelta(hours=1)
        yield hj212.build_execution_result(packet, ExeRtn.SUCCESS if sent else ExeRtn.NO_DATA), False


def _next_qn(qn: str | None, i: int) -> str | None:
    if qn is None:
        return None
    return str(int(qn) + i) if qn.isdigit() else qn
