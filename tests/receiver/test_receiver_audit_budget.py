"""Raw packets from strangers have a budget: kept for audit up to it, counted beyond it; a device's own
packets are always kept (real sockets, the test database)."""

from __future__ import annotations

import socket
from datetime import datetime

import pytest

from lanqing import hj212
from lanqing.monitoring.models import RawPacket

from .conftest import DeviceSocket, hourly, peer, start_receiver, stop_receiver

pytestmark = pytest.mark.django_db(transaction=True)

WHEN = datetime(2026, 3, 1, 15, 0)


@pytest.fixture
def budgeted(cast):
    from lanqing.receiver.server import Limits

    live = start_receiver(limits=Limits(rejected_burst=5, rejected_every=3600, sweep_interval=0.1))
    yield live
    stop_receiver(live)


def test_a_strangers_rejected_frames_are_stored_up_to_the_budget_and_counted_beyond(budgeted):
    stranger = DeviceSocket(
        socket.create_connection(("127.0.0.1", budgeted.port), timeout=5, source_address=("127.0.0.2", 0))
    )
    frames = [hourly(peer(mn=f"NOSUCH{n}"), WHEN, {"a34004": 1.0}, qn=f"2026030115{n:07d}") for n in range(12)]
    stranger.send(b"".join(frames[:6]) + b"junk between frames\r\n" + b"".join(frames[6:]))
    # Every frame is still answered: the budget bounds what is stored, not what is judged.
    assert [hj212.parse_bytes(stranger.reply()).cp["QnRtn"] for _ in frames] == ["2"] * 12
    device = budgeted.connect()
    for hour in range(3):
        device.send(hourly(peer(), WHEN.replace(hour=hour), {"a34004": 1.0}))
        assert hj212.parse_bytes(device.reply()).header.cn == "9014"
    budgeted.settle()
    stored = RawPacket.objects.filter(peer__startswith="127.0.0.2:")
    assert stored.count() == 5
    assert set(stored.values_list("verdict", flat=True)) == {"rejected"}
    assert budgeted.server.stats["unstored"] == 12 + 1 - 5
    assert RawPacket.objects.filter(verdict="accepted").count() == 3


def test_a_devices_own_rejected_frames_are_kept_whatever_its_addresss_budget(budgeted):
    device = budgeted.connect()
    device.send(hourly(peer(), WHEN, {"a34004": 1.0}))
    assert hj212.parse_bytes(device.reply()).header.cn == "9014"
    for n in range(8):  # frames with a broken CRC, from a connection that has proven itself
        frame = bytearray(hourly(peer(), WHEN, {"a34004": float(n)}))
        frame[-6:-2] = b"0000" if frame[-6:-2] != b"0000" else b"1111"
        device.send(bytes(frame))
    device.send(hourly(peer(), WHEN, {"a34004": 9.0}, qn="20260301150000999"))
    assert hj212.parse_bytes(device.reply()).header.qn == "20260301150000999"
    budgeted.settle()
    assert RawPacket.objects.filter(verdict="rejected").count() == 8
    assert budgeted.server.stats["unstored"] == 0
