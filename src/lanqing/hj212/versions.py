"""Protocol version from the Flag field.

HJ 212-2017 §6.3.3: Flag = V5..V0 (version) · D (bit 1, PNUM/PNO present) · A (bit 0, answer wanted).
HJ 212-2025 swaps the *letters* A and D but keeps the bit meanings (hj212_2025.md §4), so bit tests are
the same for every version.
"""

from __future__ import annotations

import enum


class Version(enum.IntEnum):
    UNKNOWN = 0
    V2005 = 2005
    V2017 = 2017
    V2025 = 2025


ACK = 0b01
SPLIT = 0b10

_BY_BITS = {0: Version.V2005, 1: Version.V2017, 2: Version.V2025}
_BITS = {Version.V2005: 0, Version.V2017: 1, Version.V2025: 2}

# CNs that exist only in HJ 212-2025 (hj212_2025.md §7 [Q]/[I]); a hint when Flag is missing.
CN_NEW_IN_2025 = frozenset({"1001", "1002", "1014", "2013", "2052", "2062", "2111", "3022", "3024", "9015"})


def version_of(
    flag: int | None, *, cn: str | None = None, resent: bool = False, encrypted: bool = False
) -> Version:
    """The version a packet claims; never decides acceptance (Flag=8 occurs on 2021 devices)."""
    if flag is not None:
        return _BY_BITS.get(flag >> 2, Version.UNKNOWN)
    # No Flag: HJ/T 212-2005 uploads carry none, unless a 2025-only feature says otherwise.
    if resent or encrypted or cn in CN_NEW_IN_2025:
        return Version.V2025
    return Version.V2005


def make_flag(version: Version, *, ack: bool = False, split: bool = False) -> int:
    bits = _BITS.get(version, 1)
    return bits << 2 | (SPLIT if split else 0) | (ACK if ack else 0)
