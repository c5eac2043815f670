"""Host-side flows against the device simulator: time calibration (1011/1012) and history backfill (2061)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from lanqing.hj212 import CHINA
from lanqing.monitoring.models import DeviceClock, Measurement, RawPacket
from lanqing.receiver.hostside import HostPolicy
from lanqing.simulator.client import SimClient
from lanqing.simulator.device import SimDevice
from tests.polling import wait_until, wait_until_async
from tests.receiver.conftest import start_receiver, stop_receiver

pytestmark = pytest.mark.django_db(transaction=True)


def _local_hour_ago(hours: int) -> datetime:
    now = datetime.now(CHINA).replace(tzinfo=None, minute=0, second=0, microsecond=0)
    return now - timedelta(hours=hours)


async def _in_database(condition: Callable[[], bool]) -> bool:
    """Polls the database until ``condition`` holds, from a worker thread: the ORM stays off the event loop."""

    def poll() -> bool:
        try:
            return wait_until(condition)
        finally:
            connection.close()

    return await asyncio.to_thread(poll)


def _session(policy: HostPolicy, device: SimDevice, talk: Callable[[SimClient], Awaitable[Any]]) -> Any:
    """A receiver with ``policy``; the simulated device connects, ``talk`` runs, the device disconnects and
    the receiver stops once every frame is stored. Returns what ``talk`` returned."""
    live = start_receiver(policy=policy)

    async def scenario() -> Any:
        client = SimClient(device, "127.0.0.1", live.port)
        client._t0 = asyncio.get_running_loop().time()
        await client.connect()
        try:
            return await talk(client)
        finally:
            await client.disconnect()

    try:
        result = asyncio.run(scenario())
        live.settle()
    finally:
        stop_receiver(live)
    return result


def test_a_device_whose_clock_is_off_is_asked_its_time_and_then_set(cast):
    live = start_receiver(policy=HostPolicy(time_tolerance=60, backfill=False))
    device = SimDevice(mn="MNAIR01", kind="air", clock_offset=timedelta(minutes=5))

    async def scenario() -> bool:
        client = SimClient(device, "127.0.0.1", live.port)
        client._t0 = asyncio.get_running_loop().time()
        await client.connect()
        assert await client.send(device.hourly(_local_hour_ago(2))[0], wait_ack=True)
        corrected = await wait_until_async(lambda: abs(device.clock_offset.total_seconds()) < 5)
        await client.disconnect()
        return corrected

    try:
        assert asyncio.run(scenario())
        live.settle()
    finally:
        stop_receiver(live)
    clock = DeviceClock.objects.get(device__mn="MNAIR01")
    assert clock.corrected
    assert 290 < clock.offset_seconds < 310
    # The device's answers (9011, the 1011 upload, 9012 …) were stored like any other frame.
    cns = {bytes(data).split(b"CN=")[1][:4] for data in RawPacket.objects.values_list("data", flat=True)}
    assert {b"2061", b"9011", b"1011", b"9012"} <= cns


def test_a_device_with_a_correct_clock_is_left_alone(cast):
    live = start_receiver(policy=HostPolicy(time_tolerance=60, backfill=False))
    device = SimDevice(mn="MNAIR01", kind="air", clock_offset=timedelta(seconds=10))

    async def scenario() -> None:
        client = SimClient(device, "127.0.0.1", live.port)
        client._t0 = asyncio.get_running_loop().time()
        await client.connect()
        await client.send(device.hourly(_local_hour_ago(2))[0], wait_ack=True)
        await wait_until_async(lambda: client.stats.commands >= 1, timeout=5)  # the 1011 request came
        # The device's answer reached the receiver, which judged the clock.
        assert await _in_database(lambda: DeviceClock.objects.filter(device__mn="MNAIR01").exists())
        await client.disconnect()

    try:
        asyncio.run(scenario())
        live.settle()
    finally:
        stop_receiver(live)
    clock = DeviceClock.objects.get(device__mn="MNAIR01")
    assert not clock.corrected
    assert device.clock_offset == timedelta(seconds=10)


def test_missing_hours_are_requested_with_2061_and_filled_by_split_history_packets(cast):
    live = start_receiver(policy=HostPolicy(calibrate_time=False, gap_check_every=0))
    device = SimDevice(mn="MNAIR01", kind="air")
    first, last = _local_hour_ago(7), _local_hour_ago(2)  # hours in between were lost (offline spell)
    factors = len(device.factors)

    async def scenario() -> bool:
        client = SimClient(device, "127.0.0.1", live.port)
        client._t0 = asyncio.get_running_loop().time()
        await client.connect()
        assert await client.send(device.hourly(first)[0], wait_ack=True)
        assert await client.send(device.hourly(last)[0], wait_ack=True)
        # Two live packets, then 4 missing hours × 2 sub-packets, each acknowledged with its own 9014.
        filled = await wait_until_async(lambda: client.stats.acked >= 2 + 4 * 2)
        # The device's 9012 closing the request is stored: the exchange is over.
        assert await _in_database(lambda: any(b"CN=9012" in bytes(data) for data in
                                              RawPacket.objects.values_list("data", flat=True)))
        await client.disconnect()
        assert client.stats.acked == 2 + 4 * 2
        return filled

    try:
        assert asyncio.run(scenario())
        live.settle()
    finally:
        stop_receiver(live)
    assert Measurement.objects.filter(period="hour").count() == 6 * factors
    times = sorted(set(Measurement.objects.filter(period="hour").values_list("time", flat=True)))
    expected = [(first + timedelta(hours=h)).replace(tzinfo=CHINA).astimezone(UTC) for h in range(6)]
    assert times == expected
    # Backfilled values are the values the device would have sent live.
    pm25 = Measurement.objects.get(period="hour", factor__code="a34004", time=expected[3])
    spec = next(s for s in device.factors if s.code == "a34004")
    assert pm25.value == device.value(spec, first + timedelta(hours=3), timedelta(hours=1))


def test_an_sm4_key_older_than_80_days_is_rotated_with_1014_and_kept_sealed(cast):
    from django.utils import timezone

    from lanqing.hj212 import Version
    from lanqing.monitoring.models import Device, DeviceKey

    old_key = b"0000000000000000"
    device_row = Device.objects.get(mn="MNOUTA")
    stored = DeviceKey(device=device_row, created_at=timezone.now() - timedelta(days=85))
    stored.seal(old_key)
    stored.save()
    live = start_receiver(policy=HostPolicy(calibrate_time=False, backfill=False))
    device = SimDevice(mn="MNOUTA", kind="gas", version=Version.V2025, key=old_key)

    async def scenario() -> None:
        client = SimClient(device, "127.0.0.1", live.port)
        client._t0 = asyncio.get_running_loop().time()
        await client.connect()
        assert await client.send(device.hourly(_local_hour_ago(3))[0], wait_ack=True)
        assert await wait_until_async(lambda: device.key != old_key)
        # The receiver stores the new key after the device's 9012.
        assert await _in_database(lambda: DeviceKey.objects.filter(device=device_row).count() == 2)
        # Data encrypted with the new key are accepted.
        assert await client.send(device.hourly(_local_hour_ago(2))[0], wait_ack=True)
        await client.disconnect()

    try:
        asyncio.run(scenario())
        live.settle()
    finally:
        stop_receiver(live)
    keys = list(DeviceKey.objects.filter(device=device_row).order_by("created_at"))
    assert len(keys) == 2
    assert keys[0].retired_at is not None
    assert keys[1].retired_at is None
    assert keys[1].open() == device.key
    assert device.key not in bytes(keys[1].sealed)
    assert (
        Measurement.objects.filter(period="hour", point=device_row.point).values("time").distinct().count()
        == 2
    )
    assert not RawPacket.objects.filter(verdict="rejected").exists()


def test_on_connection_a_device_gets_the_settings_the_registry_holds_for_it(cast):
    from lanqing.monitoring.models import Device

    Device.objects.filter(mn="MNAIR01").update(
        reply_timeout=10, resend_count=3, rtd_interval=60, min_interval=5, realtime_upload="off"
    )
    device = SimDevice(mn="MNAIR01", kind="air")
    assert (device.rtd_interval, device.min_interval, device.realtime_on) == (30, 10, True)

    async def talk(client: SimClient) -> bool:
        assert await client.send(device.hourly(_local_hour_ago(2))[0], wait_ack=True)
        return await wait_until_async(lambda: (device.rtd_interval, device.min_interval, device.realtime_on) == (60, 5, False))

    assert _session(HostPolicy(calibrate_time=False, backfill=False), device, talk)
    cns = [bytes(data).split(b"CN=")[1][:4] for data in RawPacket.objects.values_list("data", flat=True)]
    # The device accepted each command (9011), reported each set command done (9012) and answered the
    # stop notification with 9013; nothing was sent for the status upload, left as the device has it.
    assert cns.count(b"9011") == 3
    assert cns.count(b"9012") == 3
    assert cns.count(b"9013") == 1


def test_a_device_without_settings_in_the_registry_is_sent_none(cast):
    device = SimDevice(mn="MNAIR01", kind="air")

    async def talk(client: SimClient) -> None:
        assert await client.send(device.hourly(_local_hour_ago(2))[0], wait_ack=True)
        # No command must come, and there is no event to poll for: this window is a command's chance to come.
        await asyncio.sleep(0.5)

    _session(HostPolicy(calibrate_time=False, backfill=False), device, talk)
    cns = {bytes(data).split(b"CN=")[1][:4] for data in RawPacket.objects.values_list("data", flat=True)}
    assert cns == {b"2061"}
