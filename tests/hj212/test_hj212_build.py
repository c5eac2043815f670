"""Every builder, checked byte for byte against the standard's examples where one exists."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from lanqing.hj212 import (
    Cn,
    ExeRtn,
    HistoryRequest,
    ParameterUpload,
    Peer,
    QnRtn,
    Reply,
    Version,
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
    parse_bytes,
    reply_for,
)

MN = "010000A8900016F000169DC0"
QN17 = "20160801085857223"
QN25 = "20240601085857223"
DEVICE_2017 = Peer(MN, "123456", "32", Version.V2017)
DEVICE_2025 = Peer(MN, "123456", "32", Version.V2025)


def upload(version: Version, *, ack: bool = True, qn: str = QN17):
    peer = Peer(MN, "123456", "22", version)
    return parse_bytes(build_data(peer, "2011", datetime(2020, 1, 1), {"a21026": {"Rtd": 1}}, qn=qn, ack=ack))


def test_the_annex_a_set_rtd_interval_command_is_reproduced_exactly():
    peer = Peer(MN, "100000", "32", Version.V2017)
    expected = b"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n"
    assert build_set_rtd_interval(peer, 30, qn=QN17) == expected


def test_the_2025_annex_a1_get_time_command_is_reproduced_exactly():
    expected = b"##0087QN=20240601085857223;ST=32;CN=1011;PW=123456;MN=010000A8900016F000169DC0;Flag=9;CP=&&&&2200\r\n"
    assert build_get_time(DEVICE_2025, qn=QN25) == expected


@pytest.mark.parametrize(
    ("builder", "expected"),
    [
        (lambda p: build_data_reply(p), b"CN=9014;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&3240"),
        (
            lambda p: build_request_reply(p, QnRtn.READY),
            b"CN=9011;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&QnRtn=1&&1B00",
        ),
        (
            lambda p: build_execution_result(p, ExeRtn.SUCCESS),
            b"CN=9012;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&ExeRtn=1&&6240",
        ),
        (
            lambda p: build_notification_reply(p),
            b"CN=9013;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&2A80",
        ),
    ],
)
def test_2017_replies_match_the_derived_vectors_of_the_spec(builder, expected):
    frame = builder(upload(Version.V2017))
    assert frame.startswith(b"##00")
    assert frame.endswith(expected + b"\r\n")
    assert frame[6:].startswith(b"QN=20160801085857223;ST=91;")


def test_2025_data_and_notification_replies_use_flag_8():
    packet = upload(Version.V2025, qn=QN25)
    assert build_data_reply(packet) == (
        b"##0087QN=20240601085857223;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;Flag=8;CP=&&&&21C0\r\n"
    )
    assert build_notification_reply(packet) == (
        b"##0087QN=20240601085857223;ST=91;CN=9013;PW=123456;MN=010000A8900016F000169DC0;Flag=8;CP=&&&&3900\r\n"
    )


def test_a_2005_upload_is_acknowledged_in_the_2005_template():
    packet = parse_bytes(
        build_frame(
            cn="2051", st="32", mn="88888880000001", pw="123456", cp="DataTime=20200101000000", flag=1
        )
    )
    assert packet.version is Version.V2005
    reply = parse_bytes(build_data_reply(packet))
    assert isinstance(reply, Reply)
    assert reply.header.qn is None
    assert reply.header.flag == 0
    assert reply.cp == {"CN": "2051"}


def test_the_2025_set_timeouts_command_matches_the_derived_vector():
    assert build_set_timeouts(DEVICE_2025, overtime=5, recount=3, qn=QN25) == (
        b"##0107QN=20240601085857223;ST=32;CN=1000;PW=123456;MN=010000A8900016F000169DC0;Flag=9;"
        b"CP=&&OverTime=5;ReCount=3&&E681\r\n"
    )


def test_the_key_update_matches_the_derived_1014_vector_when_no_key_is_set():
    created = datetime(2024, 6, 1, 8, 58, 57, 223000)
    assert build_key_update(DEVICE_2025, b"0" * 16, created=created, qn=QN25) == (
        b"##0140QN=20240601085857223;ST=32;CN=1014;PW=123456;MN=010000A8900016F000169DC0;Flag=9;"
        b"CP=&&SKCreateTime=20240601085857223,NewSK=0000000000000000&&EA41\r\n"
    )


def test_a_key_update_is_encrypted_with_the_current_key_and_readable_with_it():
    current = b"K" * 16
    frame = build_key_update(
        Peer(MN, "123456", "32", Version.V2025, current), b"N" * 16, created=datetime(2025, 1, 1)
    )
    assert b"{0x" in frame
    packet = parse_bytes(frame, key=current)
    assert packet.encrypted
    assert packet.new_key == "N" * 16


def test_reply_for_answers_uploads_that_ask_heartbeats_and_calibration_requests_only():
    assert reply_for(upload(Version.V2017, ack=True)) is not None
    assert reply_for(upload(Version.V2017, ack=False)) is None
    heartbeat = parse_bytes(build_heartbeat(DEVICE_2025, qn=QN25))
    assert parse_bytes(reply_for(heartbeat)).header.cn == Cn.NOTIFICATION_REPLY
    calibration = parse_bytes(build_frame(cn="1013", st="32", mn=MN, pw="1", qn=QN17, flag=5))
    assert parse_bytes(reply_for(calibration)).header.cn == Cn.NOTIFICATION_REPLY
    data_reply = parse_bytes(build_data_reply(upload(Version.V2017)))
    assert reply_for(data_reply) is None


def test_a_wrong_password_gets_qnrtn_3():
    reply = parse_bytes(build_request_reply(upload(Version.V2017), QnRtn.PW_WRONG))
    assert reply.qn_rtn == 3
    assert reply.request_qn == QN17


@pytest.mark.parametrize(
    ("frame", "cn", "cp"),
    [
        (build_get_time(DEVICE_2017, pol_id="w01018", qn=QN17), "1011", {"PolId": "w01018"}),
        (
            build_set_time(DEVICE_2017, datetime(2024, 1, 2, 3, 4, 5), qn=QN17),
            "1012",
            {"SystemTime": "20240102030405"},
        ),
        (build_get_rtd_interval(DEVICE_2017, qn=QN17), "1061", {}),
        (build_get_min_interval(DEVICE_2017, qn=QN17), "1063", {}),
        (build_set_min_interval(DEVICE_2017, 10, qn=QN17), "1064", {"MinInterval": "10"}),
        (build_set_password(DEVICE_2017, "654321", qn=QN17), "1072", {"NewPW": "654321"}),
        (build_start_realtime(DEVICE_2017, qn=QN17), "2011", {}),
        (build_stop_realtime(DEVICE_2017, qn=QN17), "2012", {}),
        (build_start_facility_status(DEVICE_2017, qn=QN17), "2021", {}),
        (build_stop_facility_status(DEVICE_2017, qn=QN17), "2022", {}),
        (build_heartbeat(DEVICE_2025, qn=QN17), "9015", {}),
    ],
)
def test_each_host_command_parses_back_with_its_cn_and_fields(frame, cn, cp):
    packet = parse_bytes(frame)
    assert packet.header.cn == cn
    assert packet.cp == cp
    assert packet.header.ack_wanted
    assert packet.header.qn == QN17


def test_set_time_converts_an_aware_time_to_beijing_time():
    utc = datetime(2024, 1, 1, 16, 0, tzinfo=UTC)
    packet = parse_bytes(build_set_time(DEVICE_2017, utc, qn=QN17))
    assert isinstance(packet, ParameterUpload)
    assert packet.system_time == datetime(2024, 1, 2, 0, 0)


@pytest.mark.parametrize("cn", ["2031", "2051", "2061"])
def test_history_requests_carry_begin_and_end_time(cn):
    begin, end = datetime(2024, 1, 1, 0), datetime(2024, 1, 1, 6)
    packet = parse_bytes(build_history_request(DEVICE_2017, cn, begin, end, qn=QN17))
    assert isinstance(packet, HistoryRequest)
    assert (packet.header.cn, packet.begin, packet.end) == (cn, begin, end)


def test_the_activation_assigns_the_new_mn_to_the_registered_logger():
    packet = parse_bytes(
        build_activation(DEVICE_2025, new_mn="ABCDEF0123456789ABCDEF01", logger_id="L-77", qn=QN25)
    )
    assert packet.header.cn == "1002"
    assert packet.header.mn == "ABCDEF0123456789ABCDEF01"
    assert packet.fields == {"i23005": {"Info": "L-77"}}
    assert packet.version is Version.V2025


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (lambda: build_set_timeouts(DEVICE_2017, overtime=0, recount=3), "OverTime and ReCount must be 1..99"),
        (lambda: build_set_timeouts(DEVICE_2017, overtime=5, recount=100), "OverTime and ReCount must be 1..99"),
        (lambda: build_set_rtd_interval(DEVICE_2017, 29), "RtdInterval must be 30..3600 s"),
        (lambda: build_set_min_interval(DEVICE_2017, 7), "MinInterval must be one of"),
        (lambda: build_history_request(DEVICE_2017, "2011", datetime(2024, 1, 1), datetime(2024, 1, 2)),
         "CN 2011 is not a history request"),
        (lambda: build_history_request(DEVICE_2017, "2061", datetime(2024, 1, 2), datetime(2024, 1, 1)),
         "EndTime before BeginTime"),
        (lambda: build_key_update(DEVICE_2025, b"short", created=datetime(2025, 1, 1)), "an SM4 key has 16 bytes"),
        (lambda: build_frame(cn="2011", st="22", mn="M", pw="P", cp="x" * 10000),
         "does not fit the 4-digit length field"),
    ],
)
def test_builders_refuse_values_outside_the_standards_ranges(call, reason):
    with pytest.raises(ValueError, match=re.escape(reason)):
        call()


def test_a_qn_is_seventeen_digits_of_beijing_time():
    qn = new_qn(datetime(2024, 1, 1, 0, 0, 0, 5000, tzinfo=timezone(timedelta(hours=0))))
    assert qn == "20240101080000005"
    assert len(new_qn()) == 17
    assert new_qn().isdigit()


def test_split_and_resent_uploads_carry_pnum_pno_and_rf():
    frame = build_data(
        DEVICE_2025, "2061", datetime(2025, 1, 1), {"w01018": {"Avg": 1}}, pnum=2, pno=1, resent=True
    )
    packet = parse_bytes(frame)
    assert packet.header.flag == 11
    assert (packet.header.pnum, packet.header.pno, packet.header.resent) == (2, 1, True)
    assert b";PNUM=2;PNO=1;RF=1;CP=&&" in frame
