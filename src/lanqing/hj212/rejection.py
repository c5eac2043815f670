"""What is recorded when bytes cannot become a packet."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lanqing.hj212.segment import Header


class Reason(enum.StrEnum):
    """Stable reason codes, stored beside every rejected frame."""

    # Framing: bytes that never formed a frame.
    JUNK = "junk"
    OVERFLOW = "overflow"
    TRUNCATED = "truncated"
    # Packet: a frame whose content failed a hard check.
    LENGTH_MISMATCH = "length-mismatch"
    BAD_CRC_FIELD = "bad-crc-field"
    CRC_MISMATCH = "crc-mismatch"
    ENCODING = "encoding"
    MALFORMED = "malformed"
    NO_KEY = "no-key"
    DECRYPT_FAILED = "decrypt-failed"


@dataclass(frozen=True, slots=True)
class Rejection:
    """A framing or parse failure: store it with the raw bytes; it never raises.

    ``raw`` is the rejected frame as received. For junk and overflow it is only the first
    ``RAW_PREVIEW`` bytes of the run (the framer never keeps a whole flood in memory) and ``size`` is the
    full number of bytes discarded. ``header`` is filled in whenever the header could be read, so a
    rejection can still be filed under the sender's MN.
    """

    reason: Reason
    message: str
    raw: bytes
    size: int
    header: Header | None = None


# Bytes of a discarded junk/overflow run kept for the audit trail.
RAW_PREVIEW = 256
