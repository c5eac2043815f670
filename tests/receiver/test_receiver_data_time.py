"""A packet's DataTime far ahead of its arrival, or before its device was commissioned, is refused: kept as a
raw packet with the reason, answered as refused data is, and never stored as a measurement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from lanqing import hj212
from lanqing.hj212 import CHINA, QnRtn
from lanqing.monitoring.models import Device, Measurement, RawPacket

from .conftest import hourly, peer

pytestmark = pytest.mark.django_db(transaction=True)


def _beijing_now() -> datetime:
    return datetime.now(UTC).astimezone(CHINA).replace(tzinfo=None, minute=0, second=0, microsecond=0)


def test_a_packet_dated_2099_is_refused_with_its_reason_and_stores_nothing(receiver):
    device = receiver.connect()
    device.send(hourly(peer(mn="MNAIR01"), datetime(2099, 1, 1, 8), {"a34004": 35.0}, qn="20990101080000000"))
    reply = hj212.parse_bytes(device.reply())
    assert (reply.header.cn, reply.cp["QnRtn"]) == ("9011", str(int(QnRtn.REJECTED)))
    raw = RawPacket.objects.get()
    assert raw.verdict == "rejected"
    assert raw.reason.startswith("future-time: DataTime 2099-01-01 08:00:00")
    assert not Measurement.objects.exists()
    # The device's data of the current hour is still taken.
    device.send(hourly(peer(mn="MNAIR01"), _beijing_now(), {"a34004": 12.0}, qn="1" * 17))
    assert hj212.parse_bytes(device.reply()).header.cn == "9014"
    assert list(Measurement.objects.values_list("value", flat=True)) == [12.0]
    device.close()


def test_the_clock_tolerance_is_a_setting(receiver, settings):
    settings.DATA_TIME_TOLERANCE_MINUTES = 180
    device = receiver.connect()
    in_2_5_hours = _beijing_now() + timedelta(hours=2, minutes=30)
    device.send(hourly(peer(mn="MNAIR01"), in_2_5_hours, {"a34004": 1.0}, qn="2" * 17))
    assert hj212.parse_bytes(device.reply()).header.cn == "9014"
    in_4_hours = _beijing_now() + timedelta(hours=4)
    device.send(hourly(peer(mn="MNAIR01"), in_4_hours, {"a34004": 2.0}, qn="3" * 17))
    assert hj212.parse_bytes(device.reply()).cp["QnRtn"] == str(int(QnRtn.REJECTED))
    assert list(Measurement.objects.values_list("value", flat=True)) == [1.0]
    assert "more than 180 minutes" in RawPacket.objects.get(verdict="rejected").reason
    device.close()


def test_data_from_before_the_commissioning_date_is_refused(receiver):
    Device.objects.filter(mn="MNAIR01").update(commissioned_on=date(2026, 3, 1))
    receiver.server.writer.cache.ttl = 0  # read the registry again at once, as after the cache's TTL
    device = receiver.connect()
    device.send(hourly(peer(mn="MNAIR01"), datetime(2026, 2, 28, 23), {"a34004": 5.0}, qn="4" * 17))
    assert hj212.parse_bytes(device.reply()).cp["QnRtn"] == str(int(QnRtn.REJECTED))
    device.send(hourly(peer(mn="MNAIR01"), datetime(2026, 3, 1, 0), {"a34004": 6.0}, qn="5" * 17))
    assert hj212.parse_bytes(device.reply()).header.cn == "9014"
    assert list(Measurement.objects.values_list("value", flat=True)) == [6.0]
    reason = RawPacket.objects.get(verdict="rejected").reason
    assert reason.startswith("before-commissioning: DataTime 2026-02-28 23:00:00 precedes the device's "
                             "commissioning date 2026-03-01")
    device.close()
