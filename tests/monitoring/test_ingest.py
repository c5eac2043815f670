"""The ingest function without sockets: decoding, units, 2005 and 2025 devices, facility and site info."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from lanqing import hj212
from lanqing.hj212 import Cn, Framer, Peer, Version
from lanqing.monitoring.ingest.batch import ingest_batch
from lanqing.monitoring.ingest.decide import Received
from lanqing.monitoring.ingest.devices import DeviceCache
from lanqing.monitoring.ingest.replay import packets_replay
from lanqing.monitoring.models import Device, DeviceInfo, DeviceKey, FacilityRun, Measurement, RawPacket

pytestmark = pytest.mark.django_db

ARRIVED = datetime(2026, 3, 1, 7, 0, 30, tzinfo=UTC)
WHEN = datetime(2026, 3, 1, 15, 0)  # noqa: DTZ001 - HJ 212 DataTime, naive Beijing time as devices send it


def _ingest(*frames: bytes):
    items = [item for frame in frames for item in Framer().feed(frame)]
    return ingest_batch([Received(item, "127.0.0.1:1", ARRIVED) for item in items], cache=DeviceCache())


def test_values_converted_and_cumulative_are_stored(cast):
    p = Peer("MNOUTA", "123456", "31")
    frame = hj212.build_data(
        p, Cn.HOUR_DATA, WHEN, {"a21026": {"Avg": 20.5, "ZsAvg": 25.1, "Cou": 1.2, "Flag": "N"}}
    )
    [outcome] = _ingest(frame)
    assert outcome.accepted
    assert outcome.reply
    assert b"CN=9014" in outcome.reply
    row = Measurement.objects.get()
    assert (row.value, row.converted, row.cumulative, row.flag, row.period) == (20.5, 25.1, 1.2, "N", "hour")


def test_a_device_reporting_ng_per_m3_is_converted_to_the_stations_ug_per_m3(cast):
    Device.objects.filter(mn="MNAIR01").update(unit_overrides={"a34004": "ng/m³"})
    p = Peer("MNAIR01", "123456", "22")
    _ingest(hj212.build_data(p, Cn.HOUR_DATA, WHEN, {"a34004": {"Avg": 35000, "Flag": "N"}}))
    assert Measurement.objects.get().value == pytest.approx(35.0)


def test_a_2005_packet_without_qn_or_flag_is_decoded_with_2017_codes_and_not_answered(cast):
    p = Peer("MNOUTA", "123456", "31", Version.V2005)
    [outcome] = _ingest(hj212.build_data(p, Cn.MINUTE_DATA, WHEN, {"02": {"Avg": 30, "Flag": "N"}}))
    assert outcome.accepted
    assert outcome.reply is None
    assert Measurement.objects.get().factor.code == "a21026"


def test_an_encrypted_2025_packet_is_decoded_with_the_devices_sealed_key(cast):
    device = Device.objects.get(mn="MNOUTA")
    key = DeviceKey(device=device, created_at=ARRIVED)
    key.seal(b"0123456789abcdef")
    key.save()
    assert b"0123456789abcdef" not in bytes(key.sealed)
    p = Peer("MNOUTA", "123456", "31", Version.V2025, key=b"0123456789abcdef")
    frame = hj212.build_data(p, Cn.HOUR_DATA, WHEN, {"a21026": {"Avg": 20.5, "Flag": "N"}})
    assert b"{0x" in frame
    [outcome] = _ingest(frame)
    assert outcome.accepted, outcome.reason
    assert Measurement.objects.get().value == 20.5


def test_a_key_sealed_under_another_secret_key_leaves_encrypted_packets_rejected(cast, settings):
    device = Device.objects.get(mn="MNOUTA")
    settings.SECRET_KEY = "the-secret-key-of-an-older-installation"
    key = DeviceKey(device=device, created_at=ARRIVED)
    key.seal(b"0123456789abcdef")
    key.save()
    settings.SECRET_KEY = "the-secret-key-of-this-installation-now"
    p = Peer("MNOUTA", "123456", "31", Version.V2025, key=b"0123456789abcdef")
    [outcome] = _ingest(hj212.build_data(p, Cn.HOUR_DATA, WHEN, {"a21026": {"Avg": 20.5}}))
    assert not outcome.accepted
    assert outcome.reason.startswith("no-key")
    assert not Measurement.objects.exists()


def test_an_encrypted_packet_from_a_device_without_a_key_is_kept_as_rejected(cast):
    p = Peer("MNOUTA", "123456", "31", Version.V2025, key=b"0123456789abcdef")
    [outcome] = _ingest(hj212.build_data(p, Cn.HOUR_DATA, WHEN, {"a21026": {"Avg": 20.5}}))
    assert not outcome.accepted
    assert outcome.reason.startswith("no-key")
    assert RawPacket.objects.get().device.mn == "MNOUTA"


def test_facility_status_and_site_information_are_stored(cast):
    status = hj212.build_frame(
        cn="2021",
        st="31",
        mn="MNOUTA",
        pw="123456",
        qn="20260301150000000",
        flag=4,
        cp="DataTime=20260301150000;SB1-RS=1;SB2-RS=3",
    )
    info = hj212.build_frame(
        cn="3020",
        st="31",
        mn="MNOUTA",
        pw="123456",
        qn="20260301150000001",
        flag=4,
        cp="DataTime=20260301150000;PolId=a21026;i12001-Info=0;i21001-Info=//开机;正常//",
    )
    outcomes = _ingest(status, info)
    assert all(o.accepted for o in outcomes)
    assert dict(FacilityRun.objects.values_list("facility", "state")) == {"SB1": 1, "SB2": 3}
    assert dict(DeviceInfo.objects.values_list("code", "value")) == {"i12001": "0", "i21001": "开机;正常"}


def test_a_heartbeat_is_answered_with_9013(cast):
    [outcome] = _ingest(hj212.build_heartbeat(Peer("MNOUTA", "123456", "31", Version.V2025)))
    assert outcome.accepted
    assert b"CN=9013" in outcome.reply


def test_a_crc_swapping_device_is_accepted_when_its_mode_allows_it(cast):
    from lanqing.hj212.crc import crc16_modbus

    Device.objects.filter(mn="MNOUTA").update(crc_mode="swapped")
    segment = (
        b"QN=20260301150000000;ST=31;CN=2061;PW=123456;MN=MNOUTA;Flag=5;CP=&&DataTime=20260301150000;"
        b"a21026-Avg=9,a21026-Flag=N&&"
    )
    crc = crc16_modbus(segment)
    frame = b"##%04d%s%04X\r\n" % (len(segment), segment, ((crc & 0xFF) << 8) | (crc >> 8))
    [outcome] = _ingest(frame)
    assert outcome.accepted, outcome.reason


def test_replay_rebuilds_measurements_from_raw_packets(cast):
    p = Peer("MNOUTA", "123456", "31")
    _ingest(hj212.build_data(p, Cn.HOUR_DATA, WHEN, {"a21026": {"Avg": 20.5, "Flag": "N"}}))
    Measurement.objects.all().delete()
    count = packets_replay()
    assert (count.packets, count.decoded, count.measurements) == (1, 1, 1)
    assert Measurement.objects.get().value == 20.5


def test_a_value_the_database_refuses_does_not_lose_the_other_packets(cast):
    p = Peer("MNOUTA", "123456", "31")
    good = hj212.build_data(p, Cn.HOUR_DATA, WHEN, {"a21026": {"Avg": 1, "Flag": "N"}})
    odd = hj212.build_data(
        p, Cn.HOUR_DATA, WHEN.replace(hour=16), {"a21026": {"Avg": "1e999", "Flag": "NNN"}}
    )
    outcomes = _ingest(good, odd)
    assert [o.accepted for o in outcomes] == [True, True]
    assert RawPacket.objects.count() == 2
    stored = Measurement.objects.order_by("time")
    assert [m.value for m in stored] == [1.0, None]  # infinity is not a value; the flag is cut to two letters


def test_a_bug_while_decoding_one_frame_keeps_its_bytes_and_the_other_frames_commit(cast, monkeypatch):
    from lanqing.monitoring.ingest import decide

    p = Peer("MNOUTA", "123456", "31")
    good = hj212.build_data(p, Cn.HOUR_DATA, WHEN, {"a21026": {"Avg": 1, "Flag": "N"}})
    bad = hj212.build_data(p, Cn.MINUTE_DATA, WHEN, {"a21026": {"Avg": 2, "Flag": "N"}})
    real = decide.decode_packet

    def broken(packet, *args):
        if packet.header.cn == "2051":
            raise RuntimeError("simulated bug")
        return real(packet, *args)

    monkeypatch.setattr(decide, "decode_packet", broken)
    outcomes = _ingest(good, bad)
    assert [o.accepted for o in outcomes] == [True, False]
    assert outcomes[1].reason.startswith("decode-error: RuntimeError")
    assert RawPacket.objects.count() == 2
    assert Measurement.objects.count() == 1


def _registration(cp: str) -> bytes:
    """An HJ 212-2025 1001 from a logger that has no MN yet."""
    return hj212.build_frame(
        cn="1001", st="31", mn="000000000000", pw="123456", qn="20260301150000000", flag=9, cp=cp
    )


def test_a_2025_logger_registering_its_hardware_id_is_sent_its_mn_with_1002(cast):
    Device.objects.filter(mn="MNOUTA").update(logger_id="LOGGER42")
    registration = _registration("i23005-Info=LOGGER42;i23006-Info=CPU1;i23007-Info=AA:BB")
    [outcome] = _ingest(registration)
    assert outcome.accepted, outcome.reason
    reply = hj212.parse_bytes(outcome.reply)
    assert (reply.header.cn, reply.header.mn) == ("1002", "MNOUTA")
    assert reply.cp.get("i23005-Info") == "LOGGER42" or "LOGGER42" in reply.cp_text
    assert RawPacket.objects.get().device.mn == "MNOUTA"
    assert set(DeviceInfo.objects.values_list("code", flat=True)) >= {"i23005", "i23006"}


def test_an_unknown_logger_registering_is_kept_as_rejected(cast):
    registration = _registration("i23005-Info=NOBODY")
    [outcome] = _ingest(registration)
    assert not outcome.accepted
    assert outcome.reason.startswith("unknown-logger")


def test_junk_of_every_byte_value_is_kept_byte_for_byte(cast):
    # Rows reach PostgreSQL by COPY, whose text format escapes tabs, newlines, backslashes and NULs.
    junk = bytes(range(256))  # within what the framer keeps of a junk run
    framer = Framer()
    items = [*framer.feed(junk), *framer.close()]
    outcomes = ingest_batch([Received(item, "127.0.0.1:1\t\\x", ARRIVED) for item in items], cache=DeviceCache())
    assert outcomes
    assert not any(outcome.accepted for outcome in outcomes)
    stored = RawPacket.objects.order_by("id")
    assert b"".join(bytes(data) for data in stored.values_list("data", flat=True)) == junk
    assert set(stored.values_list("peer", flat=True)) == {"127.0.0.1:1\t\\x"}


@pytest.mark.parametrize(
    "arrived",
    [
        datetime(2026, 3, 1, 7, 0, 30, tzinfo=UTC),
        datetime(2026, 3, 1, 7, 0, 30, 120_001, tzinfo=UTC),
        datetime(2026, 3, 1, 15, 0, 30, 5, tzinfo=timezone(timedelta(hours=8))),
    ],
)
def test_arrival_times_are_stored_as_the_orm_stores_them(cast, arrived):
    frame = hj212.build_data(Peer("MNOUTA", "123456", "31"), Cn.HOUR_DATA, WHEN, {"a21026": {"Avg": 1, "Flag": "N"}})
    ingest_batch([Received(item, "127.0.0.1:1", arrived) for item in Framer().feed(frame)], cache=DeviceCache())
    stored = RawPacket.objects.get()
    assert stored.received_at == arrived
    # The ORM's own lookups find it, which on SQLite needs the very text the ORM would have written.
    assert RawPacket.objects.filter(received_at=arrived).count() == 1
    assert RawPacket.objects.filter(received_at__gte=arrived, received_at__lte=arrived).count() == 1
