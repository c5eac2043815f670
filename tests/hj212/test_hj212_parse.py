"""Tolerant header and CP reading, versions, typed packets, and the never-raise contract."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from lanqing.hj212 import (
    CrcCheck,
    CrcMode,
    DataUpload,
    FacilityStatus,
    HistoryRequest,
    KeyExchange,
    Notification,
    Packet,
    ParameterUpload,
    Reason,
    Registration,
    Rejection,
    Reply,
    SiteInfo,
    Version,
    parse_bytes,
)
from lanqing.hj212.build import frame_segment
from lanqing.hj212.segment import cp_items, parse_header, parse_time
from lanqing.hj212.versions import version_of


def packet(segment: str, **options) -> Packet | Rejection:
    return parse_bytes(frame_segment(segment.encode("utf-8")), **options)


def test_header_fields_are_read_in_any_order_and_qn_and_flag_may_be_missing():
    result = packet("MN=M1;PW=123456;CN=2011;ST=32;CP=&&DataTime=20200101000000;w01018-Rtd=12.5&&")
    assert isinstance(result, DataUpload)
    assert (result.header.mn, result.header.pw, result.header.cn, result.header.st) == (
        "M1",
        "123456",
        "2011",
        "32",
    )
    assert result.header.qn is None
    assert result.header.flag is None
    assert result.version is Version.V2005


def test_a_comma_in_the_header_and_a_missing_semicolon_before_cp_are_tolerated():
    result = packet("QN=20160801085857534,ST=32;CN=2011;PW=1;MN=M;Flag=5CP=&&DataTime=20200101000000&&")
    assert result.header.qn == "20160801085857534"
    assert result.header.st == "32"
    assert result.header.flag == 5
    assert result.version is Version.V2017


def test_unknown_header_keys_are_kept_as_extras():
    header, _ = parse_header("QN=1;ST=22;CN=2011;PW=1;MN=M;Flag=4;PTYPE=7;")
    assert header.extra == {"PTYPE": "7"}


def test_log_text_between_double_slashes_is_one_opaque_value():
    items = cp_items("DataTime=20200101000000;PolId=w01018;i21001-Info=//a=1;b,2 日志//;i12001-Info=0")
    assert ("i21001-Info", "a=1;b,2 日志") in items
    assert ("i12001-Info", "0") in items


def test_site_info_keeps_each_item_with_the_instrument_named_before_it():
    result = packet(
        "QN=20200101000000000;ST=32;CN=3020;PW=1;MN=M;Flag=4;"
        "CP=&&DataTime=20200101000000;i22001-Info=0;PolId=w01018;i12001-Info=1;i21001-Info=//x;y=z//&&"
    )
    assert isinstance(result, SiteInfo)
    assert [(i.pol_id, i.code, i.value) for i in result.items()] == [
        (None, "i22001", "0"),
        ("w01018", "i12001", "1"),
        ("w01018", "i21001", "x;y=z"),
    ]


def test_chinese_log_text_with_a_character_count_in_the_length_field_is_accepted():
    segment = "QN=1;ST=32;CN=3020;PW=1;MN=M;Flag=4;CP=&&i21001-Info=//设备重启//&&".encode()
    declared = len(segment.decode())
    frame = b"##%04d" % declared + segment[:] + frame_segment(segment)[-6:]
    result = parse_bytes(frame)
    assert isinstance(result, SiteInfo)
    assert "length field counts characters, not bytes" in result.warnings


def test_cp_runs_to_the_last_double_ampersand_and_spaces_are_trimmed():
    result = packet("QN=1;ST=22;CN=2011;PW=1;MN=M;Flag=4;CP=&& DataTime=20200101000000 ; a21026-Rtd = 3 &&")
    assert result.fields == {"a21026": {"Rtd": "3"}}
    assert result.data_time == datetime(2020, 1, 1)


def test_a_cp_area_without_closing_ampersands_is_kept_with_a_warning():
    result = packet("QN=1;ST=22;CN=2011;PW=1;MN=M;Flag=4;CP=&&DataTime=20200101000000;a21026-Rtd=3")
    assert result.fields["a21026"]["Rtd"] == "3"
    assert "CP area not closed by &&" in result.warnings


def test_a_segment_without_cp_is_a_malformed_rejection_that_names_the_device():
    result = packet("QN=1;ST=22;CN=2011;PW=1;MN=M7;Flag=4")
    assert result.reason is Reason.MALFORMED
    assert result.header.mn == "M7"


def test_vendor_keys_with_a_dash_split_at_the_last_dash():
    result = packet("ST=32;CN=2011;PW=1;MN=M;CP=&&DataTime=20191226182116;Nh3-scr-Rtd=4.1;S08-Rtd=-271.755&&")
    assert result.fields["Nh3-scr"] == {"Rtd": "4.1"}
    assert result.fields["a01013"] == {"Rtd": "-271.755"}


def test_a_z_suffixed_2005_code_is_the_converted_value_of_its_base():
    result = packet("ST=31;CN=2011;PW=1;MN=M;CP=&&DataTime=20200101000000;01-Rtd=5.0;01z-Rtd=7.5&&")
    [measurement] = list(result.measurements())
    assert (measurement.code, measurement.value, measurement.converted) == ("a34013", 5.0, 7.5)


def test_pnum_and_pno_inside_cp_are_lifted_into_the_header():
    result = packet("QN=1;ST=21;CN=2011;PW=1;MN=M;Flag=5;CP=&&PNUM=3;PNO=2;DataTime=20200101000000&&")
    assert (result.header.pnum, result.header.pno) == (3, 2)


def test_the_resent_marker_rf_1_is_read():
    result = packet("QN=1;ST=31;CN=2061;PW=1;MN=M;Flag=9;RF=1;CP=&&DataTime=20250101000000;a21026-Avg=1&&")
    assert result.header.resent
    assert result.version is Version.V2025


def test_the_two_letter_2025_flag_td_is_kept():
    result = packet(
        "QN=1;ST=45;CN=2011;PW=1;MN=M;Flag=8;CP=&&DataTime=20260101000000;p99101-Rtd=1,p99101-Flag=Td&&"
    )
    [measurement] = list(result.measurements())
    assert measurement.flag == "Td"


def test_versions_follow_the_flag_bits_and_2025_hints_when_flag_is_missing():
    assert version_of(4) is Version.V2017
    assert version_of(7) is Version.V2017
    assert version_of(9) is Version.V2025
    assert version_of(3) is Version.V2005
    assert version_of(64) is Version.UNKNOWN
    assert version_of(None) is Version.V2005
    assert version_of(None, cn="9015") is Version.V2025
    assert version_of(None, resent=True) is Version.V2025


def test_an_unknown_command_is_kept_as_a_generic_packet():
    result = packet("QN=1;ST=32;CN=3024;PW=1;MN=M;Flag=9;CP=&&PolId=w01018&&")
    assert type(result) is Packet
    assert result.cp == {"PolId": "w01018"}


def test_each_command_family_gets_its_typed_packet():
    base = "QN=20240601085857223;ST=32;PW=1;MN=M;Flag=8;CP=&&{}&&"
    cases = {
        "CN=2021": ("DataTime=20200101000000;SB1-RS=1;SB2-RS=4", FacilityStatus),
        "CN=2041": ("DataTime=20200101000000;SB1-RT=23.5", FacilityStatus),
        "CN=9015": ("", Notification),
        "CN=1013": ("", Notification),
        "CN=9012": ("ExeRtn=1", Reply),
        "CN=1011": ("SystemTime=20200101120000", ParameterUpload),
        "CN=1014": ("SKCreateTime=20240601085857223,NewSK=0000000000000000", KeyExchange),
        "CN=1001": ("i23005-Info=L1;i23006-Info=CPU9;i23007-Info=MAC", Registration),
        "CN=2061": ("BeginTime=20200101000000;EndTime=20200101050000", HistoryRequest),
    }
    for cn, (cp, cls) in cases.items():
        result = packet(f"{cn};" + base.format(cp))
        assert type(result) is cls, cn
    status = packet("CN=2021;" + base.format(cases["CN=2021"][0]))
    assert [(s.facility, s.state) for s in status.facilities()] == [("SB1", 1), ("SB2", 4)]
    run = packet("CN=2041;" + base.format(cases["CN=2041"][0]))
    assert run.facilities()[0].run_hours == 23.5
    clock = packet("CN=1011;" + base.format(cases["CN=1011"][0]))
    assert clock.system_time == datetime(2020, 1, 1, 12)
    key = packet("CN=1014;" + base.format(cases["CN=1014"][0]))
    assert key.new_key == "0000000000000000"
    assert key.key_created == datetime(2024, 6, 1, 8, 58, 57, 223000)
    reg = packet("CN=1001;" + base.format(cases["CN=1001"][0]))
    assert reg.hardware_ids() == {"i23005": "L1", "i23006": "CPU9", "i23007": "MAC"}
    history = packet("CN=2061;" + base.format(cases["CN=2061"][0]))
    assert (history.begin, history.end) == (datetime(2020, 1, 1), datetime(2020, 1, 1, 5))


def test_a_2005_reply_reports_the_request_qn_from_inside_cp():
    result = packet("ST=91;CN=9011;PW=1;MN=M;Flag=0;CP=&&QN=20040516010101001;QnRtn=1&&")
    assert result.request_qn == "20040516010101001"
    assert result.qn_rtn == 1


def test_times_accept_14_and_17_digits_and_refuse_nonsense():
    assert parse_time("20160824003817") == datetime(2016, 8, 24, 0, 38, 17)
    assert parse_time("20160824003817123") == datetime(2016, 8, 24, 0, 38, 17, 123000)
    assert parse_time("20161324003817") is None
    assert parse_time("２０１６０８２４００３８１７") is None
    assert parse_time("") is None


def test_a_non_utf8_segment_is_rejected_unless_the_device_is_configured_for_gbk():
    segment = "QN=1;ST=32;CN=3020;PW=1;MN=M;Flag=4;CP=&&i21001-Info=//设备重启//&&".encode("gbk")
    frame = frame_segment(segment)
    assert parse_bytes(frame).reason is Reason.ENCODING
    assert isinstance(parse_bytes(frame, fallback_encoding="gbk"), SiteInfo)


def test_a_wrong_crc_is_kept_under_log_only_with_its_check_recorded():
    good = frame_segment(b"QN=1;ST=22;CN=2011;PW=1;MN=M;Flag=4;CP=&&&&")
    bad = good[:-6] + b"0000\r\n"
    assert parse_bytes(bad).reason is Reason.CRC_MISMATCH
    assert parse_bytes(bad, crc_mode=CrcMode.LOG_ONLY).crc is CrcCheck.MISMATCH_LOGGED
    assert parse_bytes(good[:-6] + b"zz!!\r\n").reason is Reason.BAD_CRC_FIELD


ALPHABET = st.sampled_from(
    [
        "QN=",
        "ST=",
        "CN=",
        "2011",
        "PW=",
        "MN=",
        "Flag=",
        "9",
        "4",
        "CP=&&",
        "&&",
        ";",
        ",",
        "=",
        "-",
        "//",
        "a21026-Rtd",
        "Flag",
        "RF=1",
        "{0x",
        "E4",
        "}",
        " ",
        "PNUM=",
        "PNO=",
        "DataTime=",
        "20200101000000",
        "设",
    ]
)


@settings(max_examples=400)
@given(st.lists(ALPHABET, max_size=40), st.sampled_from(list(CrcMode)), st.booleans())
def test_no_exception_escapes_the_parser_for_protocol_shaped_garbage(parts, mode, with_key):
    segment = "".join(parts).encode("utf-8")
    result = parse_bytes(frame_segment(segment), crc_mode=mode, key=b"0" * 16 if with_key else None)
    assert isinstance(result, Packet | Rejection)
    if isinstance(result, Packet):
        list(result.measurements())
        result.factors  # noqa: B018 - building the typed view must not raise either


@given(st.binary(max_size=400), st.sampled_from(list(CrcMode)))
def test_no_exception_escapes_the_parser_for_random_bytes(data, mode):
    result = parse_bytes(b"##%04d" % len(data) + data + b"ABCD\r\n", crc_mode=mode)
    assert isinstance(result, Packet | Rejection)
