"""Frame → Packet or Rejection: length, CRC, decryption and the hard checks, then typed decoding."""

from __future__ import annotations

from lanqing.hj212.crc import CrcCheck, CrcMode, check_crc, parse_crc_field
from lanqing.hj212.framing import STANDARD_MAX_SEGMENT, Frame
from lanqing.hj212.packets import Packet, build_packet
from lanqing.hj212.rejection import Reason, Rejection
from lanqing.hj212.segment import Header, parse_header, split_segment
from lanqing.hj212.sm4 import Sm4Error, decrypt_cp, is_encrypted
from lanqing.hj212.versions import version_of

_CP_OPEN = b"CP=&&"


def parse_frame(
    frame: Frame,
    *,
    crc_mode: CrcMode = CrcMode.STRICT,
    key: bytes | None = None,
    fallback_encoding: str | None = None,
) -> Packet | Rejection:
    """Decode one frame. Never raises: every failure is a :class:`Rejection` with a reason.

    ``key`` is the device's SM4 key (HJ 212-2025), needed only for encrypted packets.
    ``fallback_encoding`` (e.g. ``"gbk"``) is tried when a segment is not UTF-8, for devices configured so.
    """
    try:
        return _parse(frame, crc_mode, key, fallback_encoding)
    except Exception as exc:  # noqa: BLE001 - the contract is "a value, never an exception"; keep the bytes
        return Rejection(Reason.MALFORMED, f"unexpected parser error: {exc!r}", frame.raw, len(frame.raw))


def parse_bytes(data: bytes, **options) -> Packet | Rejection:
    """Parse one complete frame given as bytes (``##…`` through CR LF or the CRC)."""
    terminated = data.endswith(b"\r\n")
    if len(data) < 10 + 2 * terminated or not data.startswith(b"##") or not data[2:6].isdigit():
        return Rejection(Reason.MALFORMED, "not a frame: no ##LLLL header", data, len(data))
    return parse_frame(Frame(data, int(data[2:6]), terminated), **options)


def _reject(reason: Reason, message: str, frame: Frame, header: Header | None = None) -> Rejection:
    return Rejection(reason, message, frame.raw, len(frame.raw), header)


def _parse(frame: Frame, crc_mode: CrcMode, key: bytes | None, fallback_encoding: str | None):
    raw = frame.raw
    if frame.terminated:
        segment, crc_field = raw[6:-6], raw[-6:-2]
    else:
        segment, crc_field = raw[6:-4], raw[-4:]
    received = parse_crc_field(crc_field)
    warnings: list[str] = []
    encrypted = False
    cp_at = segment.find(_CP_OPEN)
    if cp_at != -1 and is_encrypted(segment[cp_at + 5 : cp_at + 8]):
        encrypted = True
        decrypted = _decrypt_segment(frame, segment, cp_at, key, warnings)
        if isinstance(decrypted, Rejection):
            return decrypted
        segment = decrypted
    try:
        text = segment.decode("utf-8")
    except UnicodeDecodeError:
        fallback_text = _decode_fallback(segment, fallback_encoding)
        if fallback_text is None:
            return _reject(Reason.ENCODING, "segment is not UTF-8", frame, _header_only(segment))
        text = fallback_text
    head, cp_text, closed = split_segment(text)
    header, header_warnings = parse_header(head)
    if header_warnings:
        warnings.extend(header_warnings)
    if not encrypted and frame.declared_length != len(segment):
        # LLLL is the UTF-8 byte count; some peers count characters when Chinese logs appear (§1 [O]).
        if frame.declared_length == len(text):
            warnings.append("length field counts characters, not bytes")
        else:
            return _reject(
                Reason.LENGTH_MISMATCH,
                f"declared length {frame.declared_length}, segment {len(segment)} bytes",
                frame,
                header,
            )
    crc = _crc_check(frame, segment, received, crc_mode, header)
    if isinstance(crc, Rejection):
        return crc
    if cp_text is None:
        return _reject(Reason.MALFORMED, "no CP=&& data area", frame, header)
    if not closed:
        warnings.append("CP area not closed by &&")
    if not frame.terminated:
        warnings.append("frame not terminated by CR LF")
    over_length = len(segment) > STANDARD_MAX_SEGMENT
    if over_length:
        warnings.append(f"segment of {len(segment)} bytes exceeds the standard's 1024")
    version = version_of(header.flag, cn=header.cn, resent=header.resent, encrypted=encrypted)
    return build_packet(header, version, cp_text, raw, crc, encrypted, over_length, warnings)


def _decrypt_segment(
    frame: Frame, segment: bytes, cp_at: int, key: bytes | None, warnings: list[str]
) -> bytes | Rejection:
    """The segment with its CP area decrypted (HJ 212-2025 SM4), or why it cannot be."""
    header = _header_only(segment[:cp_at])
    if key is None:
        return _reject(Reason.NO_KEY, "encrypted CP area but no SM4 key for this device", frame, header)
    wire_length = len(segment)
    try:
        plain_cp = decrypt_cp(segment[cp_at + 5 :], key)
    except Sm4Error as exc:
        return _reject(Reason.DECRYPT_FAILED, str(exc), frame, header)
    segment = segment[: cp_at + 5] + plain_cp
    try:
        segment.decode("utf-8")
    except UnicodeDecodeError:
        return _reject(Reason.DECRYPT_FAILED, "decrypted CP is not text: wrong key?", frame, header)
    # Both annex examples declare the plaintext length; accept the transmitted length as well.
    if frame.declared_length == wire_length:
        warnings.append("length field counts the encrypted text")
    elif frame.declared_length != len(segment):
        return _reject(
            Reason.LENGTH_MISMATCH,
            f"declared length {frame.declared_length}, plaintext segment {len(segment)} bytes",
            frame,
            header,
        )
    return segment


def _crc_check(
    frame: Frame, segment: bytes, received: int | None, crc_mode: CrcMode, header: Header | None
) -> CrcCheck | Rejection:
    if received is None:
        if crc_mode is not CrcMode.LOG_ONLY:
            return _reject(
                Reason.BAD_CRC_FIELD, f"CRC field {frame.crc_field!r} is not 4 hex digits", frame, header
            )
        return CrcCheck.MISMATCH_LOGGED
    checked = check_crc(segment, received, crc_mode)
    if checked is None:
        return _reject(
            Reason.CRC_MISMATCH,
            f"CRC field {frame.crc_field.decode('ascii')} does not match the segment",
            frame,
            header,
        )
    return checked


def _header_only(head: bytes) -> Header | None:
    text = head.decode("utf-8", "replace")
    header, _ = parse_header(split_segment(text)[0])
    return header


def _decode_fallback(segment: bytes, encoding: str | None) -> str | None:
    if encoding is None:
        return None
    try:
        return segment.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
