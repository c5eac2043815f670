from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lanqing.hj212.crc import (
    CrcCheck,
    CrcMode,
    check_crc,
    crc16,
    crc16_modbus,
    crc16_reference,
    format_crc,
    parse_crc_field,
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [(b"", 0xFFFF), (b"123456789", 0x2F80), (b"A", 0x7080)],
)
def test_crc_matches_the_check_values_of_the_spec(data, expected):
    assert crc16(data) == expected
    assert crc16_reference(data) == expected


def test_crc_of_the_annex_a_example_is_1c80_not_the_misprinted_1c08():
    segment = b"QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&"
    assert format_crc(crc16(segment)) == b"1C80"


def test_the_2025_annex_a1_example_gives_2200_and_modbus_would_not():
    segment = b"QN=20240601085857223;ST=32;CN=1011;PW=123456;MN=010000A8900016F000169DC0;Flag=9;CP=&&&&"
    assert crc16(segment) == 0x2200
    assert crc16_modbus(segment) != 0x2200


@given(st.binary(max_size=3000))
def test_fast_crc_equals_the_standards_byte_loop_for_any_bytes(data):
    assert crc16(data) == crc16_reference(data)


@given(st.binary(min_size=1, max_size=200))
def test_the_low_byte_of_a_non_empty_segments_crc_is_one_of_eight_values(data):
    # A consequence of the standard's register step (hj212.md §5): only 256 CRC values exist.
    assert crc16(data) & 0xFF in {0x00, 0x01, 0x40, 0x41, 0x80, 0x81, 0xC0, 0xC1}


def test_modbus_crc_matches_its_check_value():
    assert crc16_modbus(b"123456789") == 0x4B37


def test_lowercase_hex_is_read_like_uppercase():
    assert parse_crc_field(b"cc01") == parse_crc_field(b"CC01") == 0xCC01


@pytest.mark.parametrize("field", [b" CC0", b"+CC0", b"C_01", b"CC0", b"CC011", b"GG01", b"\xff\xff01"])
def test_a_crc_field_that_is_not_four_hex_digits_is_refused(field):
    assert parse_crc_field(field) is None


SEGMENT = b"QN=20231008125115215;ST=22;CN=9011;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&QnRtn=1&&"


def _swapped_modbus(data: bytes) -> int:
    value = crc16_modbus(data)
    return ((value & 0xFF) << 8) | (value >> 8)


def test_strict_mode_accepts_only_the_standard_crc():
    assert check_crc(SEGMENT, 0xCC01, CrcMode.STRICT) is CrcCheck.OK
    assert check_crc(SEGMENT, _swapped_modbus(SEGMENT), CrcMode.STRICT) is None


def test_swapped_mode_also_accepts_byte_swapped_modbus_but_not_garbage():
    assert check_crc(SEGMENT, _swapped_modbus(SEGMENT), CrcMode.ACCEPT_SWAPPED) is CrcCheck.MODBUS_SWAPPED
    assert check_crc(SEGMENT, crc16_modbus(SEGMENT), CrcMode.ACCEPT_SWAPPED) is None


def test_log_only_mode_keeps_a_wrong_crc_and_says_so():
    assert check_crc(SEGMENT, 0x1234, CrcMode.LOG_ONLY) is CrcCheck.MISMATCH_LOGGED
    assert check_crc(SEGMENT, 0xCC01, CrcMode.LOG_ONLY) is CrcCheck.OK
