"""What becomes of one received frame: accepted or rejected with a reason, the reply the device is owed, and
the rows it stores (always its raw packet; for an accepted data packet also what it carries)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from lanqing import hj212
from lanqing.hj212 import Frame, Packet, QnRtn, Rejection
from lanqing.hj212.crc import CrcMode
from lanqing.monitoring.ingest.decode import decode_packet
from lanqing.monitoring.ingest.devices import DeviceCache, KnownDevice
from lanqing.monitoring.ingest.times import data_time_refusal
from lanqing.monitoring.ingest.write import Rows, measurements_merge
from lanqing.monitoring.models import Verdict

log = logging.getLogger(__name__)

REASON_MAX = 300


@dataclass(slots=True)
class Received:
    """One framer output with where and when it arrived."""

    item: Frame | Rejection
    peer: str
    received_at: datetime  # aware
    # The frame parsed with default options (strict CRC, no key), when the caller already did it: the
    # receiver parses on its event-loop thread so that parsing overlaps the writer thread's SQL.
    parsed: Packet | Rejection | None = None
    # False when the sender is past its budget of stored rejected frames (the receiver's per-address audit
    # budget): the frame is still judged and answered, but its raw packet is kept only if accepted.
    keep_rejected: bool = True


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


def decide_safely(received: Received, cache: DeviceCache, rows: Rows) -> Outcome:
    """``_decide``, but a bug in decoding one frame keeps that frame's bytes (rejected, with the error) and
    never costs the other frames of the batch their acknowledgement."""
    own = Rows()
    try:
        outcome = _decide(received, cache, own)
    except Exception as exc:
        log.exception("%s: decoding a frame failed; keeping its bytes as rejected", received.peer)
        outcome = Outcome(False, clip(f"decode-error: {exc!r}"))
        rows.raw.append(_raw_row(received, received.item.raw, outcome))
        return outcome
    if outcome.accepted or received.keep_rejected:
        rows.raw.extend(own.raw)
    if own.measurements:
        measurements_merge(rows.measurements, rows.origins, rows.revisions, own)
    if own.facilities:
        rows.facilities.update(own.facilities)
    if own.info:
        rows.info.update(own.info)
    if own.seen:
        rows.seen.update(own.seen)
    return outcome


def _decide(received: Received, cache: DeviceCache, rows: Rows) -> Outcome:
    item = received.item
    if isinstance(item, Rejection):
        outcome = _rejection_outcome(item, cache)
        rows.raw.append(_raw_row(received, item.raw, outcome))
        return outcome
    result = received.parsed if received.parsed is not None else hj212.parse_frame(item)
    mn = mn_of(result)
    device = cache.device(mn) if mn else None
    if device is not None and isinstance(result, Rejection) and worth_retrying(result, device):
        result = hj212.parse_frame(item, crc_mode=device.crc_mode, key=device.key)
    if isinstance(result, Rejection):
        outcome = _rejection_outcome(result, cache, device)
    else:
        outcome = packet_outcome(result, device, cache, received, rows)
    rows.raw.append(_raw_row(received, item.raw, outcome))
    return outcome


def worth_retrying(rejection: Rejection, device: KnownDevice) -> bool:
    """Whether parsing again with the device's own CRC mode and SM4 key could accept the frame."""
    if rejection.reason is hj212.Reason.NO_KEY:
        return device.key is not None
    if rejection.reason in (hj212.Reason.CRC_MISMATCH, hj212.Reason.BAD_CRC_FIELD):
        return device.crc_mode is not CrcMode.STRICT
    return False


def mn_of(result: Packet | Rejection) -> str:
    header = result.header
    return (header.mn or "")[:40] if header is not None else ""


def _rejection_outcome(
    rejection: Rejection, cache: DeviceCache, device: KnownDevice | None = None
) -> Outcome:
    mn = mn_of(rejection)
    if device is None and mn:
        device = cache.device(mn)
    reason = f"{rejection.reason.value}: {rejection.message}"
    return Outcome(False, clip(reason), mn, device.id if device else None)


def packet_outcome(
    packet: Packet,
    device: KnownDevice | None,
    cache: DeviceCache,
    received: Received,
    rows: Rows,
    *,
    check_password: bool = True,
) -> Outcome:
    """A parsed packet accepted (its contents added to ``rows``) or refused, with the reply it is owed."""
    header = packet.header
    mn = (header.mn or "")[:40]
    if device is None and isinstance(packet, hj212.Registration):
        return _registration_outcome(packet, cache, received, rows, mn)
    # An unknown MN and a wrong password get the same answer (QnRtn 2, "rejected"), so that a guesser cannot
    # first find which MNs exist; the stored reason tells them apart for the bureau.
    if device is None:
        reply = hj212.build_request_reply(packet, QnRtn.REJECTED) if header.ack_wanted else None
        return Outcome(False, "unknown-mn: no device is registered with this MN", mn, None, packet, reply)
    if check_password and not cache.password_ok(device, header.pw or ""):
        reply = hj212.build_request_reply(packet, QnRtn.REJECTED) if header.ack_wanted else None
        return Outcome(
            False, "wrong-pw: the password does not match the device's", mn, device.id, packet, reply
        )
    if not device.active:
        reply = hj212.build_request_reply(packet, QnRtn.REJECTED) if header.ack_wanted else None
        return Outcome(
            False, "inactive-device: the device is switched off in the registry", mn, device.id, packet, reply
        )
    if isinstance(packet, hj212.DataUpload):
        refusal = data_time_refusal(packet.data_time, received.received_at, device.commissioned_on)
        if refusal:
            reply = hj212.build_request_reply(packet, QnRtn.REJECTED) if header.ack_wanted else None
            return Outcome(False, clip(refusal), mn, device.id, packet, reply)
    notes = list(packet.warnings)
    count = decode_packet(packet, device, cache, received.received_at, rows, notes)
    if cache.seen_due(device.id):
        rows.seen[device.id] = received.received_at
    return Outcome(True, clip("; ".join(notes)), mn, device.id, packet, hj212.reply_for(packet), count)


def _registration_outcome(
    packet: hj212.Registration, cache: DeviceCache, received: Received, rows: Rows, mn: str
) -> Outcome:
    """HJ 212-2025 §6.8: a logger without an MN sends its hardware IDs (1001); when a device is registered
    under its logger ID, the answer is 1002 with that device's MN. Unknown loggers are kept as rejected."""
    logger_id = packet.hardware_ids().get("i23005", "")
    device = cache.device_by_logger(logger_id) if logger_id else None
    if device is None:
        reason = f"unknown-logger: no device is registered with logger ID {logger_id[:40]!r}"
        return Outcome(False, clip(reason), mn, None, packet)
    reply = hj212.build_activation(hj212.Peer.of(packet), new_mn=device.mn, logger_id=logger_id)
    decode_packet(packet, device, cache, received.received_at, rows, [])  # keep the hardware IDs as site info
    reason = f"registration: logger {logger_id} is device {device.mn}; MN sent with 1002"
    return Outcome(True, clip(reason), mn, device.id, packet, reply)


def clip(text: str) -> str:
    """``text`` cut to fit ``RawPacket.reason``."""
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


def _raw_row(received: Received, data: bytes, outcome: Outcome) -> tuple:
    """The frame's ``RawPacket`` row, in the column order of ``write.rows_write``."""
    return (
        received.received_at,
        received.peer[:64],
        outcome.mn,
        outcome.device_id,
        data,
        Verdict.ACCEPTED if outcome.accepted else Verdict.REJECTED,
        outcome.reason,
    )
