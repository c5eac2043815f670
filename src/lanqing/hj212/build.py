"""Builders: replies to field packets, host commands, and field packets for simulators and tests.

Every builder returns a complete frame (``##`` LLLL segment CRC CR LF) as bytes. Header field order is
the standard's (HJ 212-2017 §6.3.3; HJ 212-2025 adds ``RF`` after PNUM/PNO). Replies follow the template
of the packet's version (hj212.md §7, §9; hj212_2025.md §11).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from lanqing.hj212.codes import UNVERIFIED, Cn, ExeRtn, QnRtn
from lanqing.hj212.crc import crc16, format_crc
from lanqing.hj212.packets import Packet
from lanqing.hj212.segment import format_time
from lanqing.hj212.sm4 import encrypt_cp
from lanqing.hj212.versions import Version, make_flag

# HJ 212 timestamps are Beijing time.
CHINA = timezone(timedelta(hours=8))
MAX_SEGMENT = 9999
REPLY_ST = "91"

CpValue = str | int | float | datetime


@dataclass(frozen=True, slots=True)
class Peer:
    """The device a command goes to, as the platform knows it."""

    mn: str
    pw: str
    st: str
    version: Version = Version.V2017
    # The device's current SM4 key (HJ 212-2025); used where §6.4.4 requires encryption.
    key: bytes | None = None

    @classmethod
    def of(cls, packet: Packet, *, key: bytes | None = None) -> Peer:
        header = packet.header
        version = packet.version if packet.version is not Version.UNKNOWN else Version.V2017
        return cls(header.mn or "", header.pw or "", header.st or "", version, key)


def new_qn(when: datetime | None = None) -> str:
    """A QN: ``YYYYMMDDhhmmsszzz`` in Beijing time (HJ 212-2017 Table 3)."""
    when = datetime.now(CHINA) if when is None else when
    if when.tzinfo is not None:
        when = when.astimezone(CHINA)
    return when.strftime("%Y%m%d%H%M%S") + f"{when.microsecond // 1000:03d}"


def format_value(value: CpValue) -> str:
    if isinstance(value, datetime):
        return format_time(value)
    return str(value)


def format_cp(items: Mapping[str, CpValue] | Iterable[tuple[str, CpValue]], *, sep: str = ";") -> str:
    pairs = items.items() if isinstance(items, Mapping) else items
    return sep.join(f"{key}={format_value(value)}" for key, value in pairs)


def frame_segment(segment: bytes, *, crc_over: bytes | None = None, declared: int | None = None) -> bytes:
    """``##`` + LLLL + segment + CRC + CR LF; the CRC and length may come from a plaintext twin."""
    length = len(segment) if declared is None else declared
    if length > MAX_SEGMENT:
        raise ValueError(f"segment of {length} bytes does not fit the 4-digit length field")
    return b"##%04d%s%s\r\n" % (length, segment, format_crc(crc16(segment if crc_over is None else crc_over)))


def build_frame(
    *,
    cn: str,
    st: str,
    mn: str,
    pw: str,
    cp: str = "",
    qn: str | None = None,
    flag: int | None = None,
    pnum: int | None = None,
    pno: int | None = None,
    resent: bool = False,
    key: bytes | None = None,
) -> bytes:
    """Any packet. ``qn``/``flag`` None leave the field out (HJ/T 212-2005 style); ``key`` encrypts CP."""
    parts = []
    if qn is not None:
        parts.append(f"QN={qn}")
    parts += [f"ST={st}", f"CN={cn}", f"PW={pw}", f"MN={mn}"]
    if flag is not None:
        parts.append(f"Flag={flag}")
    if pnum is not None and pno is not None:
        parts += [f"PNUM={pnum}", f"PNO={pno}"]
    if resent:
        parts.append("RF=1")
    head = (";".join(parts) + ";CP=&&").encode("utf-8")
    plain_cp = cp.encode("utf-8")
    plain = head + plain_cp + b"&&"
    if key is None:
        return frame_segment(plain)
    # HJ 212-2025 Annex A.2: CRC and length of the plaintext packet, then encrypt the CP area.
    wire = head + encrypt_cp(plain_cp, key) + b"&&"
    return frame_segment(wire, crc_over=plain, declared=len(plain))


def _command(
    peer: Peer, cn: str, cp: str = "", *, qn: str | None, ack: bool = True, key: bytes | None = None
) -> bytes:
    return build_frame(
        cn=cn,
        st=peer.st,
        mn=peer.mn,
        pw=peer.pw,
        cp=cp,
        qn=qn or new_qn(),
        flag=make_flag(peer.version, ack=ack),
        key=key,
    )


# --- Replies to field packets --------------------------------------------------------------------


def build_data_reply(packet: Packet) -> bytes:
    """9014 for an upload, in the template of the packet's version."""
    if packet.version is Version.V2005:
        # HJ/T 212-2005 names the acknowledged upload's CN inside CP (hj212.md §9 [O]).
        return _reply(packet, Cn.DATA_REPLY, f"CN={packet.header.cn}")
    return _reply(packet, Cn.DATA_REPLY, "")


def build_notification_reply(packet: Packet) -> bytes:
    """9013: answers a 9015 heartbeat (HJ 212-2025 C.54), a 1013 time-calibration request, a 2012/2022 notice."""
    return _reply(packet, Cn.NOTIFICATION_REPLY, "")


def build_request_reply(packet: Packet, qn_rtn: QnRtn | int) -> bytes:
    """9011 with QnRtn, e.g. ``QnRtn.PW_WRONG`` for a request from a device with a wrong password."""
    return _reply(packet, Cn.REQUEST_REPLY, f"QnRtn={int(qn_rtn)}")


def build_execution_result(packet: Packet, exe_rtn: ExeRtn | int) -> bytes:
    """9012 with ExeRtn, closing a request (field side, for simulators)."""
    return _reply(packet, Cn.EXECUTION_RESULT, f"ExeRtn={int(exe_rtn)}")


def _reply(packet: Packet, cn: str, cp: str) -> bytes:
    header = packet.header
    mn, pw = header.mn or "", header.pw or ""
    if packet.version is Version.V2005:
        # HJ/T 212-2005 replies carry the request's QN inside CP and Flag=0 (hj212.md §9 [O]).
        inner = [f"QN={header.qn}"] if header.qn else []
        if cp:
            inner.append(cp)
        return build_frame(
            cn=cn, st=REPLY_ST, mn=mn, pw=pw, cp=";".join(inner), flag=UNVERIFIED["reply_2005_flag"]
        )
    # Replies never ask for an answer: Flag=4 (2017) / Flag=8 (2025, Table C.18).
    version = Version.V2025 if packet.version is Version.V2025 else Version.V2017
    return build_frame(cn=cn, st=REPLY_ST, mn=mn, pw=pw, cp=cp, qn=header.qn, flag=make_flag(version))


def reply_for(packet: Packet) -> bytes | None:
    """The reply the standard requires for a packet received from a device, or None.

    9013 for a heartbeat (9015) or a time-calibration request (1013); 9014 for any other packet whose
    Flag asks for an answer; never a reply to a 90xx reply (hj212.md §12).
    """
    cn = packet.header.cn or ""
    if cn in (Cn.HEARTBEAT, Cn.TIME_CALIBRATION_REQUEST):
        return build_notification_reply(packet)
    if cn.startswith("90") or not packet.header.ack_wanted:
        return None
    return build_data_reply(packet)


# --- Host commands (platform → data logger) -------------------------------------------------------


def build_set_timeouts(peer: Peer, *, overtime: int, recount: int, qn: str | None = None) -> bytes:
    """1000: response timeout in seconds and retry count (each 0 < n ≤ 99, HJ 212-2017 Table 4)."""
    if not (0 < overtime <= 99 and 0 < recount <= 99):
        raise ValueError("OverTime and ReCount must be 1..99")
    return _command(peer, Cn.SET_TIMEOUTS, f"OverTime={overtime};ReCount={recount}", qn=qn)


def build_get_time(peer: Peer, *, pol_id: str | None = None, qn: str | None = None) -> bytes:
    """1011: ask for the logger's (or one instrument's) clock."""
    return _command(peer, Cn.GET_TIME, f"PolId={pol_id}" if pol_id else "", qn=qn)


def build_set_time(
    peer: Peer, system_time: datetime, *, pol_id: str | None = None, qn: str | None = None
) -> bytes:
    """1012: set the clock; ``system_time`` is Beijing time (aware datetimes are converted)."""
    if system_time.tzinfo is not None:
        system_time = system_time.astimezone(CHINA).replace(tzinfo=None)
    items: list[tuple[str, CpValue]] = [("PolId", pol_id)] if pol_id else []
    items.append(("SystemTime", system_time))
    return _command(peer, Cn.SET_TIME, format_cp(items), qn=qn)


def build_get_rtd_interval(peer: Peer, *, qn: str | None = None) -> bytes:
    return _command(peer, Cn.GET_RTD_INTERVAL, qn=qn)


def build_set_rtd_interval(peer: Peer, seconds: int, *, qn: str | None = None) -> bytes:
    """1062: realtime upload interval, 30–3600 s (HJ 212-2017 Table 4)."""
    if not 30 <= seconds <= 3600:
        raise ValueError("RtdInterval must be 30..3600 s")
    return _command(peer, Cn.SET_RTD_INTERVAL, f"RtdInterval={seconds}", qn=qn)


def build_get_min_interval(peer: Peer, *, qn: str | None = None) -> bytes:
    return _command(peer, Cn.GET_MIN_INTERVAL, qn=qn)


MIN_INTERVALS = frozenset({1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30})  # HJ 212-2017 Table 4


def build_set_min_interval(peer: Peer, minutes: int, *, qn: str | None = None) -> bytes:
    if minutes not in MIN_INTERVALS:
        raise ValueError(f"MinInterval must be one of {sorted(MIN_INTERVALS)}")
    return _command(peer, Cn.SET_MIN_INTERVAL, f"MinInterval={minutes}", qn=qn)


def build_set_password(peer: Peer, new_pw: str, *, qn: str | None = None) -> bytes:
    return _command(peer, Cn.SET_PASSWORD, f"NewPW={new_pw}", qn=qn)


def build_start_realtime(peer: Peer, *, qn: str | None = None) -> bytes:
    """2011 from the host: start realtime uploads."""
    return _command(peer, Cn.REALTIME_DATA, qn=qn)


def build_stop_realtime(peer: Peer, *, qn: str | None = None) -> bytes:
    """2012: notification, answered by the device with 9013."""
    return _command(peer, Cn.STOP_REALTIME, qn=qn)


def build_start_facility_status(peer: Peer, *, qn: str | None = None) -> bytes:
    return _command(peer, Cn.FACILITY_STATUS, qn=qn)


def build_stop_facility_status(peer: Peer, *, qn: str | None = None) -> bytes:
    return _command(peer, Cn.STOP_FACILITY_STATUS, qn=qn)


HISTORY_CNS = frozenset({Cn.DAY_DATA, Cn.FACILITY_RUN_TIME, Cn.MINUTE_DATA, Cn.HOUR_DATA})


def build_history_request(
    peer: Peer, cn: str, begin: datetime, end: datetime, *, pol_id: str | None = None, qn: str | None = None
) -> bytes:
    """2031/2041/2051/2061 with BeginTime/EndTime: ask a logger to resend a range (tables C.47–C.50)."""
    if cn not in HISTORY_CNS:
        raise ValueError(f"CN {cn} is not a history request")
    if end < begin:
        raise ValueError("EndTime before BeginTime")
    items: list[tuple[str, CpValue]] = [("PolId", pol_id)] if pol_id else []
    items += [("BeginTime", begin), ("EndTime", end)]
    return _command(peer, cn, format_cp(items), qn=qn)


def build_activation(peer: Peer, *, new_mn: str, logger_id: str, qn: str | None = None) -> bytes:
    """1002 (HJ 212-2025 §6.8): the platform assigns an MN to the logger that registered with 1001."""
    # [U] layout from one implementation: logger ID in CP, the assigned MN in the header.
    code = UNVERIFIED["activation_info_code"]
    target = Peer(new_mn, peer.pw, peer.st, Version.V2025, peer.key)
    return _command(target, Cn.ACTIVATE, f"{code}-Info={logger_id}", qn=qn)


def build_key_update(peer: Peer, new_key: bytes, *, created: datetime, qn: str | None = None) -> bytes:
    """1014: send a new SM4 key, encrypted with the current one (HJ 212-2025 §6.4.3–6.4.4)."""
    if len(new_key) != 16:
        raise ValueError("an SM4 key has 16 bytes")
    created_field, key_field = UNVERIFIED["key_fields"]
    cp = f"{created_field}={new_qn(created)},{key_field}={new_key.decode('latin-1')}"
    return _command(peer, Cn.KEY_EXCHANGE, cp, qn=qn, key=peer.key)


# --- Field packets (data loggers; simulators and tests) -------------------------------------------


def format_factors(factors: Mapping[str, Mapping[str, CpValue]]) -> str:
    """``code-Suffix=value`` joined by ``,`` within a factor and ``;`` between factors."""
    return ";".join(
        ",".join(f"{code}-{suffix}={format_value(value)}" for suffix, value in fields.items())
        for code, fields in factors.items()
    )


def build_data(
    peer: Peer,
    cn: str,
    data_time: datetime,
    factors: Mapping[str, Mapping[str, CpValue]],
    *,
    qn: str | None = None,
    ack: bool = True,
    pnum: int | None = None,
    pno: int | None = None,
    resent: bool = False,
) -> bytes:
    """A data upload (2011/2051/2061/2031 …); encrypted with ``peer.key`` when the peer has one."""
    cp = f"DataTime={format_time(data_time)}"
    if factors:
        cp += ";" + format_factors(factors)
    legacy = peer.version is Version.V2005
    split = pnum is not None and pno is not None
    return build_frame(
        cn=cn,
        st=peer.st,
        mn=peer.mn,
        pw=peer.pw,
        cp=cp,
        qn=None if legacy else (qn or new_qn()),
        flag=None if legacy else make_flag(peer.version, ack=ack, split=split),
        pnum=pnum,
        pno=pno,
        resent=resent,
        key=peer.key,
    )


def build_heartbeat(peer: Peer, *, qn: str | None = None) -> bytes:
    """9015 (HJ 212-2025): the logger says it is online; the platform answers 9013."""
    return _command(peer, Cn.HEARTBEAT, qn=qn)
