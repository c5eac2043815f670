"""HJ 212 (2005 / 2017 / 2025) as a sans-I/O library: bytes in, typed packets out, replies back.

No sockets, no asyncio, no Django, no clock except for default QNs. A receiver does, per connection::

    framer = Framer(max_length=9999)
    for item in framer.feed(data):                # and framer.close() at end of stream / idle timeout
        if isinstance(item, Rejection):           # junk, overflow, truncated frame: store with reason
            ...
            continue
        result = parse_frame(item, crc_mode=device.crc_mode, key=device.sm4_key)
        if isinstance(result, Rejection):         # length/CRC/encoding/decryption: store, no reply
            ...
        else:                                     # a Packet: store raw + verdict, then
            reply = reply_for(result)             # 9014 / 9013 or None, sent after the commit
            for m in result.measurements():       # Measurement tuples (2017 codes, naive UTC+8 times)
                ...

Contract:

* ``Framer.feed`` and ``parse_frame`` never raise on any input; every byte ends in a :class:`Frame` →
  :class:`Packet`, or in a :class:`Rejection` (``reason`` code, ``message``, ``raw`` bytes, ``size``,
  best-effort ``header`` with the MN). The framer holds at most ``max_length + 12`` bytes of a frame.
* Hard checks only: length field (UTF-8 bytes, or characters when they differ), CRC per
  :class:`CrcMode`, SM4 decryption. Everything else is tolerated and listed in ``Packet.warnings``.
* Unknown commands and codes are kept (generic :class:`Packet`, codes verbatim); 2005 codes map to
  2017 ones in ``Factor.code`` with the sent code in ``source_code``.
* ``Packet.version`` comes from Flag (``Flag >> 2``: 0 → 2005, 1 → 2017, 2 → 2025) and decides the
  reply template, never acceptance.
* Builders (``build_*``) raise ``ValueError`` on arguments outside the standard's ranges.
"""

from lanqing.hj212.build import (
    CHINA,
    Peer,
    build_activation,
    build_data,
    build_data_reply,
    build_execution_result,
    build_frame,
    build_get_min_interval,
    build_get_rtd_interval,
    build_get_time,
    build_heartbeat,
    build_history_request,
    build_key_update,
    build_notification_reply,
    build_request_reply,
    build_set_min_interval,
    build_set_password,
    build_set_rtd_interval,
    build_set_time,
    build_set_timeouts,
    build_start_facility_status,
    build_start_realtime,
    build_stop_facility_status,
    build_stop_realtime,
    new_qn,
    reply_for,
)
from lanqing.hj212.codes import Cn, ExeRtn, Period, QnRtn
from lanqing.hj212.crc import CrcCheck, CrcMode, crc16
from lanqing.hj212.framing import Frame, Framer
from lanqing.hj212.packets import (
    DataUpload,
    FacilityStatus,
    Factor,
    HistoryRequest,
    KeyExchange,
    Measurement,
    Notification,
    Packet,
    ParameterUpload,
    Registration,
    Reply,
    SiteInfo,
)
from lanqing.hj212.parse import parse_bytes, parse_frame
from lanqing.hj212.rejection import Reason, Rejection
from lanqing.hj212.segment import Header
from lanqing.hj212.versions import Version

__all__ = [
    "CHINA",
    "Cn",
    "CrcCheck",
    "CrcMode",
    "DataUpload",
    "ExeRtn",
    "FacilityStatus",
    "Factor",
    "Frame",
    "Framer",
    "Header",
    "HistoryRequest",
    "KeyExchange",
    "Measurement",
    "Notification",
    "Packet",
    "ParameterUpload",
    "Peer",
    "Period",
    "QnRtn",
    "Reason",
    "Registration",
    "Rejection",
    "Reply",
    "SiteInfo",
    "Version",
    "build_activation",
    "build_data",
    "build_data_reply",
    "build_execution_result",
    "build_frame",
    "build_get_min_interval",
    "build_get_rtd_interval",
    "build_get_time",
    "build_heartbeat",
    "build_history_request",
    "build_key_update",
    "build_notification_reply",
    "build_request_reply",
    "build_set_min_interval",
    "build_set_password",
    "build_set_rtd_interval",
    "build_set_time",
    "build_set_timeouts",
    "build_start_facility_status",
    "build_start_realtime",
    "build_stop_facility_status",
    "build_stop_realtime",
    "crc16",
    "new_qn",
    "parse_bytes",
    "parse_frame",
    "reply_for",
]
