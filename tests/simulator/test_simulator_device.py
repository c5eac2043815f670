"""The simulated logger without sockets: every kind and version it sends is accepted by ingest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lanqing import hj212
from lanqing.hj212 import Framer, Version
from lanqing.monitoring.ingest.batch import ingest_batch
from lanqing.monitoring.ingest.decide import Received
from lanqing.monitoring.ingest.devices import DeviceCache
from lanqing.monitoring.models import Device, Measurement, RawPacket
from lanqing.simulator.device import FactorSpec, SimDevice

START = datetime(2026, 3, 1, 10, 0)  # noqa: DTZ001 - HJ 212 DataTime, naive Beijing time as devices send it


def test_values_are_deterministic_so_a_resent_hour_equals_the_live_one():
    device = SimDevice(mn="X", kind="gas")
    assert device.hourly(START, qn="1") == device.hourly(START, qn="1")
    assert device.hourly(START + timedelta(hours=1), qn="1") != device.hourly(START, qn="1")


def test_a_constant_value_fault_repeats_the_same_value():
    device = SimDevice(mn="X", kind="water", faults=frozenset({"constant"}))
    spec = device.factors[0]
    assert len({device.value(spec, START + timedelta(hours=h), timedelta(hours=1)) for h in range(24)}) == 1


def test_a_history_request_is_answered_with_split_packets_waiting_for_each_ack_and_a_closing_9012():
    device = SimDevice(mn="MN1", kind="air")
    host = hj212.Peer("MN1", "123456", "22")
    request = hj212.parse_bytes(
        hj212.build_history_request(host, "2061", START, START + timedelta(hours=1), qn="20260301120000000")
    )
    steps = list(device.answer(request, datetime(2026, 3, 1, 5, tzinfo=UTC)))
    cns = [hj212.parse_bytes(frame).header.cn for frame, _ in steps]
    assert cns == ["9011", "2061", "2061", "2061", "2061", "9012"]
    assert [wait for _, wait in steps] == [False, True, True, True, True, False]
    closing = hj212.parse_bytes(steps[-1][0])
    assert closing.header.qn == "20260301120000000"
    assert closing.cp["ExeRtn"] == "1"
    first = hj212.parse_bytes(steps[1][0])
    assert (first.header.pnum, first.header.pno) == (2, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("version", [Version.V2005, Version.V2017, Version.V2025])
@pytest.mark.parametrize("kind", ["air", "gas", "water"])
def test_every_kind_and_version_the_simulator_sends_is_accepted(cast, kind, version):
    device = SimDevice(mn="MNOUTA", kind=kind, version=version)
    frames = [device.realtime(START), device.minute(START), *device.hourly(START)]
    items = [item for frame in frames for item in Framer().feed(frame)]
    outcomes = ingest_batch([Received(i, "sim", datetime.now(UTC)) for i in items], cache=DeviceCache())
    assert all(o.accepted for o in outcomes), [o.reason for o in outcomes]
    assert "factor codes not in the catalogue" not in " ".join(o.reason for o in outcomes)
    periods = set(Measurement.objects.values_list("period", flat=True))
    assert periods == {"rtd", "min", "hour"}
    assert Device.objects.get(mn="MNOUTA").is_online


@pytest.mark.django_db(transaction=True)
def test_a_simulated_device_sends_realtime_and_minute_data_on_schedule(cast):
    import asyncio

    from lanqing.simulator.client import SimClient
    from tests.receiver.conftest import start_receiver, stop_receiver

    live = start_receiver()
    client = SimClient(SimDevice(mn="MNOUTA", kind="gas"), "127.0.0.1", live.port, speed=1200)
    try:
        asyncio.run(client.run(duration=2.0))  # 40 simulated minutes
        live.settle()
    finally:
        stop_receiver(live)
    periods = set(Measurement.objects.values_list("period", flat=True))
    assert {"rtd", "min"} <= periods
    assert client.stats.acked >= 3  # minute packets ask for, and get, a 9014
    assert not RawPacket.objects.filter(verdict="rejected").exists()


@pytest.mark.django_db
def test_the_demo_simulation_uses_the_demo_devices_and_their_protocols(cast):
    from lanqing.simulator.cli import demo_devices

    Device.objects.filter(mn="MNOUTA").update(is_demo=True, protocol="2005")
    Device.objects.filter(mn="MNAIR01").update(is_demo=True)
    devices = {d.mn: d for d in demo_devices()}
    assert set(devices) == {"MNOUTA", "MNAIR01"}
    assert (devices["MNOUTA"].kind, devices["MNOUTA"].version) == ("gas", Version.V2005)
    assert devices["MNAIR01"].kind == "air"


def test_a_device_with_readings_sends_them_and_nothing_for_an_hour_they_have_none():
    off = datetime(2026, 3, 1, 3, tzinfo=UTC)  # 11:00 on the device's Beijing clock

    def readings(hour):
        return None if hour == off else {"a21026": (40.0 + hour.hour, "N"), "a19001": (9.5, "C")}

    device = SimDevice(mn="MN1", kind="gas", readings=readings,
                       factors=(FactorSpec("a21026", 0, 0, 0), FactorSpec("a19001", 0, 0, 0, decimals=1)))
    sent = hj212.parse_bytes(device.hourly(START)[0])
    assert [(code, value, flag) for code, value, flag, _z, _c in sent.stored_values()] == [
        ("a21026", 42.0, "N"), ("a19001", 9.5, "C")]
    assert device.silent(START + timedelta(hours=1, minutes=20))
    assert not device.silent(START)
    host = hj212.Peer("MN1", "123456", "31")
    request = hj212.parse_bytes(hj212.build_history_request(
        host, "2061", START, START + timedelta(hours=1), qn="20260301120000000"))
    answer = [hj212.parse_bytes(frame) for frame, _ in device.answer(request, datetime(2026, 3, 1, 6, tzinfo=UTC))]
    assert {p.data_time for p in answer if p.header.cn == "2061"} == {START}
