"""The HJ 212 CRC and the variants real devices send.

HJ 212-2017 Annex A (unchanged in HJ 212-2025 A.1) defines the register step as
``reg = (reg >> 8) ^ b`` followed by eight reflected-0xA001 shifts. That is *not* CRC-16/MODBUS: the
low byte of the register is dropped before each byte, so ``reg' = T[(reg >> 8) ^ b]`` with the usual
CRC-16/ARC table T. The high-byte map ``H(x) = T[x] >> 8`` is linear over GF(2) and has order 8
(H⁸ = identity), so the whole CRC is the table entry of an index built from XORs of the bytes grouped by
their distance from the end modulo 8. XOR-folding the segment as one big integer gives those eight
XORs without a per-byte Python loop; :func:`crc16_reference` is the standard's loop, kept for tests.
"""

from __future__ import annotations

import enum


def _make_table() -> tuple[int, ...]:
    table = []
    for index in range(256):
        reg = index
        for _ in range(8):
            reg = (reg >> 1) ^ 0xA001 if reg & 1 else reg >> 1
        table.append(reg)
    return tuple(table)


_TABLE = _make_table()


def _make_powers() -> tuple[bytes, ...]:
    high = bytes(entry >> 8 for entry in _TABLE)
    powers = [bytes(range(256))]
    for _ in range(7):
        powers.append(bytes(high[x] for x in powers[-1]))
    assert bytes(high[x] for x in powers[-1]) == bytes(range(256)), "H^8 must be the identity"
    return tuple(powers)


# _POWERS[r][x] = H^r(x); a byte at distance d from the end of the segment enters the final index as H^d(b).
_POWERS = _make_powers()
# The initial register's high byte 0xFF after n-1 steps, indexed by (n - 1) % 8.
_START = tuple(_POWERS[r][0xFF] for r in range(8))


_P0, _P1, _P2, _P3, _P4, _P5, _P6, _P7 = _POWERS


def crc16(data: bytes) -> int:
    """HJ 212 CRC of a data segment (the bytes between the length field and the CRC)."""
    n = len(data)
    if n == 0:
        return 0xFFFF
    # Big-endian, so the last byte is the lowest: a byte's bit offset is 8 × its distance from the end.
    folded = int.from_bytes(data, "big")
    bits = n << 3
    while bits > 64:
        # Fold the upper half onto the lower one at a multiple of 64 bits, which keeps the byte lanes
        # aligned (no padding to whole words needed: the missing top bytes are zeros).
        half = ((bits + 127) >> 7) << 6
        folded = (folded >> half) ^ (folded & ((1 << half) - 1))
        bits = half
    # Lane i (from the right) holds the XOR of the bytes at distance i (mod 8) from the end.
    lane = folded.to_bytes(8, "big")
    return _TABLE[
        _START[(n - 1) & 7]
        ^ _P0[lane[7]]
        ^ _P1[lane[6]]
        ^ _P2[lane[5]]
        ^ _P3[lane[4]]
        ^ _P4[lane[3]]
        ^ _P5[lane[2]]
        ^ _P6[lane[1]]
        ^ _P7[lane[0]]
    ]


def crc16_reference(data: bytes) -> int:
    """The Annex A procedure, byte by byte (slow; the oracle for :func:`crc16`)."""
    reg = 0xFFFF
    for byte in data:
        reg = (reg >> 8) ^ byte
        for _ in range(8):
            reg = (reg >> 1) ^ 0xA001 if reg & 1 else reg >> 1
    return reg


def crc16_modbus(data: bytes) -> int:
    """Standard CRC-16/MODBUS (``reg ^= b``); some CEMS loggers send this instead (hj212.md §5 [O])."""
    reg = 0xFFFF
    table = _TABLE
    for byte in data:
        reg = (reg >> 8) ^ table[(reg ^ byte) & 0xFF]
    return reg


def format_crc(value: int) -> bytes:
    # Standard: four hex digits, high byte first; the annex examples are upper case.
    return b"%04X" % value


class CrcMode(enum.StrEnum):
    """Per-device policy for the CRC field."""

    STRICT = "strict"
    # 21 of 50 packets in a real CEMS receiver log carry CRC-16/MODBUS with its two bytes swapped.
    ACCEPT_SWAPPED = "accept-swapped"
    LOG_ONLY = "log-only"


class CrcCheck(enum.StrEnum):
    """How a packet's CRC field compared with the segment."""

    OK = "ok"
    MODBUS_SWAPPED = "modbus-swapped"
    # Only under CrcMode.LOG_ONLY: the packet is kept although the CRC does not match.
    MISMATCH_LOGGED = "mismatch-logged"


def parse_crc_field(field: bytes) -> int | None:
    """The CRC field as an int, accepting lower-case hex; None when it is not four hex digits."""
    # isalnum() rules out the spaces, '+' and '_' that int(..., 16) would silently accept.
    if len(field) != 4 or not field.isalnum():
        return None
    try:
        return int(field, 16)
    except ValueError:
        return None


def check_crc(segment: bytes, received: int, mode: CrcMode) -> CrcCheck | None:
    """Compare a received CRC with the segment under a mode; None means reject."""
    if crc16(segment) == received:
        return CrcCheck.OK
    if mode is CrcMode.STRICT:
        return None
    modbus = crc16_modbus(segment)
    if ((modbus & 0xFF) << 8) | (modbus >> 8) == received:
        return CrcCheck.MODBUS_SWAPPED
    if mode is CrcMode.LOG_ONLY:
        return CrcCheck.MISMATCH_LOGGED
    return None
