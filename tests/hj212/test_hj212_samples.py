"""Every packet of shared/specs/hj212_samples.txt gets the verdict recorded there."""

from __future__ import annotations

from datetime import datetime

import pytest

from lanqing.hj212 import CrcCheck, CrcMode, DataUpload, Packet, Period, Reason, Rejection, Version
from tests.hj212.samples import SAMPLES, parse_one


def test_the_samples_file_holds_fifty_packets_of_which_thirty_six_verify():
    assert len(SAMPLES) == 50
    assert sum(sample.crc_ok for sample in SAMPLES) == 36


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda sample: sample.id)
def test_each_sample_is_accepted_exactly_when_its_recorded_verdict_is_ok(sample):
    result = parse_one(sample.packet + b"\r\n")
    if sample.crc_ok:
        assert isinstance(result, Packet), result
        assert result.crc is CrcCheck.OK
    else:
        assert isinstance(result, Rejection)
        assert result.reason in (Reason.CRC_MISMATCH, Reason.LENGTH_MISMATCH)
        assert result.raw == sample.packet + b"\r\n"


SWAPPED = [sample for sample in SAMPLES if "MODBUS with its two bytes swapped" in sample.note]


def test_three_samples_carry_a_byte_swapped_modbus_crc():
    assert len(SWAPPED) == 3


@pytest.mark.parametrize("sample", SWAPPED, ids=lambda sample: sample.id)
def test_swapped_modbus_samples_are_rejected_strictly_and_accepted_in_swapped_mode(sample):
    assert parse_one(sample.packet + b"\r\n").reason is Reason.CRC_MISMATCH
    packet = parse_one(sample.packet + b"\r\n", crc_mode=CrcMode.ACCEPT_SWAPPED)
    assert isinstance(packet, DataUpload)
    assert packet.crc is CrcCheck.MODBUS_SWAPPED
    assert packet.over_length == (len(sample.packet) - 10 > 1024)


def test_over_length_samples_are_kept_and_flagged(sample_by_length):
    for prefix in ("##1025", "##1623"):
        packet = parse_one(sample_by_length(prefix).packet + b"\r\n", crc_mode=CrcMode.ACCEPT_SWAPPED)
        assert packet.over_length
        assert any("1024" in warning for warning in packet.warnings)


def test_the_air_minute_sample_decodes_to_eleven_measurements(sample_by_length):
    packet = parse_one(sample_by_length("##0411").packet + b"\r\n")
    measurements = list(packet.measurements())
    assert len(measurements) == 11
    o3 = next(m for m in measurements if m.code == "a05024")
    assert o3.period is Period.MINUTE
    assert o3.data_time == datetime(2022, 5, 13, 16, 26)
    assert o3.value == 63.0
    assert o3.flag == "N"
    assert packet.header.mn == "JLYP01_AIR01_0001"


def test_the_2005_cems_sample_maps_codes_and_converted_values(sample_by_length):
    packet = parse_one(sample_by_length("##0328").packet + b"\r\n")
    assert packet.version is Version.V2005
    by_code = {m.code: m for m in packet.measurements()}
    assert by_code["a34013"].source_code == "01"
    assert by_code["a34013"].converted == 0.0
    assert by_code["a19001"].flag == "D"
    assert by_code["a00000"].source_code == "B02"
    assert "S01" not in by_code


def test_the_2005_water_sample_maps_cod_and_ammonia(sample_by_length):
    packet = parse_one(
        sample_by_length(
            "##0139ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817000;B01-Rtd=36.91;011-Rtd=231.0,011-Flag=N;060-Rtd=1.803,060-Flag=N&&4980"
        ).packet
        + b"\r\n"
    )
    by_code = {m.code: m for m in packet.measurements()}
    assert by_code["w01018"].value == 231.0
    assert by_code["w21003"].value == 1.803
    assert by_code["w00000"].value == 36.91
    assert by_code["w01018"].data_time == datetime(2016, 8, 24, 0, 38, 17)


def test_vendor_three_digit_codes_of_a_flue_gas_cems_are_not_taken_for_water_codes(sample_by_length):
    packet = parse_one(sample_by_length("##0872").packet + b"\r\n")
    assert "023" in packet.fields
    assert "w20116" not in packet.fields


def test_a_bare_flag_after_a_factor_belongs_to_that_factor(sample_by_length):
    packet = parse_one(sample_by_length("##0121QN=20250131202809340;ST=39;CN=2011").packet + b"\r\n")
    assert packet.fields["a34001"] == {"Rtd": "92", "Flag": "N"}


def test_a_rejected_sample_still_names_its_device():
    sample = next(s for s in SAMPLES if b"PTYPE=1;PNUM=1;PNO=11" in s.packet)
    # Its length field is wrong, so it is a rejection; the header is still read for the audit trail.
    rejection = parse_one(sample.packet + b"\r\n")
    assert rejection.reason is Reason.LENGTH_MISMATCH
    assert rejection.header.mn == "YSRDWQGQ1000001001"


def test_a_2021_device_with_flag_8_is_accepted_as_version_2025(sample_by_length):
    packet = parse_one(sample_by_length("##0435").packet + b"\r\n")
    assert packet.version is Version.V2025
    assert len(list(packet.measurements())) == 11


def test_the_split_cems_sample_reports_its_packet_numbers_and_converted_fields(sample_by_length):
    packet = parse_one(sample_by_length("##0931").packet + b"\r\n")
    assert (packet.header.pnum, packet.header.pno, packet.header.split) == (2, 1, True)
    nox = packet.factors["a21002"]
    assert nox.fields["ZsCou"] == "0.000"
    assert nox.flag == "B"
    assert not nox.valid


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda sample: sample.id)
def test_the_values_the_receiver_stores_are_those_of_the_full_measurements(sample):
    # The receiver reads the lean stored_values(); anything else reads measurements(): they must agree.
    packet = parse_one(sample.packet + b"\r\n", crc_mode=CrcMode.LOG_ONLY)
    if not isinstance(packet, DataUpload):
        return
    full = [(m.code, m.value, m.flag, m.converted, m.cumulative) for m in packet.measurements()]
    assert list(packet.stored_values()) == full
