"""End-to-end: a live receiver on 127.0.0.1 port 0, real sockets, the test database."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from lanqing import hj212
from lanqing.monitoring.models import Measurement, RawPacket
from tests.polling import wait_until

from .conftest import hourly, peer, start_receiver, stop_receiver

pytestmark = pytest.mark.django_db(transaction=True)

WHEN = datetime(2026, 3, 1, 15, 0)


def test_a_valid_packet_is_stored_then_acknowledged_with_9014(receiver):
    device = receiver.connect()
    device.send(hourly(peer(), WHEN, {"a34004": 35.0, "a21026": 8.5}, qn="20260301150000123"))
    reply = hj212.parse_bytes(device.reply())
    assert reply.header.cn == "9014"
    assert reply.header.qn == "20260301150000123"
    # The reply is sent only after the commit, so the packet is visible as soon as the reply arrives.
    raw = RawPacket.objects.get()
    assert (raw.mn, raw.verdict, raw.device.mn) == ("MNAIR01", "accepted", "MNAIR01")
    assert raw.peer.startswith("127.0.0.1:")
    values = dict(Measurement.objects.filter(period="hour").values_list("factor__code", "value"))
    assert values == {"a34004": 35.0, "a21026": 8.5}
    assert Measurement.objects.get(factor__code="a34004").time == datetime(2026, 3, 1, 7, tzinfo=UTC)
    device.close()


def test_a_packet_without_the_ack_bit_is_stored_without_a_reply(receiver):
    device = receiver.connect()
    device.send(hourly(peer(), WHEN, {"a34004": 35.0}, ack=False))
    device.send(hourly(peer(), WHEN, {"a34002": 50.0}, qn="20260301150000999"))
    assert hj212.parse_bytes(device.reply()).header.qn == "20260301150000999"
    assert RawPacket.objects.filter(verdict="accepted").count() == 2


def test_bad_crc_is_kept_as_rejected_with_the_reason_and_not_answered(receiver):
    device = receiver.connect()
    frame = bytearray(hourly(peer(), WHEN, {"a34004": 35.0}))
    frame[-6:-2] = b"0000" if frame[-6:-2] != b"0000" else b"1111"
    device.send(bytes(frame))
    device.send(hourly(peer(), WHEN, {"a34002": 50.0}, qn="20260301150000999"))
    assert hj212.parse_bytes(device.reply()).header.qn == "20260301150000999"  # no reply to the bad one
    rejected = RawPacket.objects.get(verdict="rejected")
    assert rejected.reason.startswith("crc-mismatch")
    assert rejected.mn == "MNAIR01"
    assert bytes(rejected.data) == bytes(frame)


def test_an_unknown_mn_is_kept_as_rejected_and_answered_with_qnrtn_2_like_a_wrong_password(receiver):
    device = receiver.connect()
    device.send(hourly(peer(mn="NOSUCHMN"), WHEN, {"a34004": 35.0}))
    reply = hj212.parse_bytes(device.reply())
    assert (reply.header.cn, reply.cp["QnRtn"]) == ("9011", "2")
    raw = RawPacket.objects.get()
    assert (raw.verdict, raw.mn, raw.device) == ("rejected", "NOSUCHMN", None)
    assert raw.reason.startswith("unknown-mn")
    assert not Measurement.objects.exists()


def test_a_wrong_password_is_kept_as_rejected_and_answered_with_qnrtn_2_like_an_unknown_mn(receiver):
    device = receiver.connect()
    device.send(hourly(peer(pw="654321"), WHEN, {"a34004": 35.0}))
    reply = hj212.parse_bytes(device.reply())
    assert (reply.header.cn, reply.cp["QnRtn"]) == ("9011", "2")
    raw = RawPacket.objects.get()
    assert (raw.verdict, raw.device.mn) == ("rejected", "MNAIR01")
    assert raw.reason.startswith("wrong-pw")
    assert not Measurement.objects.exists()


def test_split_and_stuck_together_frames_are_each_stored_and_answered(receiver):
    device = receiver.connect()
    frames = [
        hourly(peer(), WHEN.replace(hour=h), {"a34004": float(h)}, qn=f"2026030100000{h:04d}")
        for h in range(1, 7)
    ]
    stream = b"".join(frames)
    for at in range(0, len(stream), 37):  # every frame split, several frames per write
        device.send(stream[at : at + 37])
        time.sleep(0.002)
    qns = [hj212.parse_bytes(device.reply()).header.qn for _ in frames]
    assert qns == [f"2026030100000{h:04d}" for h in range(1, 7)]
    assert Measurement.objects.filter(period="hour").count() == 6


def test_junk_between_frames_is_recorded_and_the_frames_around_it_still_count(receiver):
    device = receiver.connect()
    device.send(
        b"\x00\xff garbage "
        + hourly(peer(), WHEN, {"a34004": 1.0}, qn="20260301150000001")
        + b"MODBUS\x01\x03"
        + hourly(peer(), WHEN, {"a34002": 2.0}, qn="20260301150000002")
    )
    assert [hj212.parse_bytes(device.reply()).header.qn for _ in range(2)] == [
        "20260301150000001",
        "20260301150000002",
    ]
    receiver.settle()
    reasons = list(RawPacket.objects.filter(verdict="rejected").values_list("reason", flat=True))
    assert len(reasons) == 2
    assert all(reason.startswith("junk") for reason in reasons)


def test_an_over_long_line_without_crlf_is_recorded_and_the_sender_dropped(receiver):
    device = receiver.connect()
    try:
        device.send(b"##9999" + b"A" * 1_000_000)
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert device.closed_by_peer()
    receiver.settle()
    reasons = list(RawPacket.objects.order_by("id").values_list("reason", flat=True))
    assert reasons
    assert reasons[0].startswith("overflow")
    assert set(RawPacket.objects.values_list("verdict", flat=True)) == {"rejected"}
    assert RawPacket.objects.count() <= 60  # bounded: the flood is cut, not stored a kilobyte at a time
    # Other devices are still served.
    other = receiver.connect()
    other.send(hourly(peer(), WHEN, {"a34004": 1.0}))
    assert hj212.parse_bytes(other.reply()).header.cn == "9014"


@pytest.fixture
def strict_receiver(cast):
    from lanqing.receiver.server import Limits

    live = start_receiver(
        limits=Limits(idle_timeout=1.0, frame_timeout=0.5, max_connections=3, sweep_interval=0.1)
    )
    yield live
    stop_receiver(live)


def test_a_silent_connection_is_closed_after_the_idle_timeout(strict_receiver):
    device = strict_receiver.connect()
    assert device.closed_by_peer(timeout=5)


def test_a_slow_sender_is_dropped_and_its_partial_frame_recorded(strict_receiver):
    device = strict_receiver.connect()
    frame = hourly(peer(), WHEN, {"a34004": 1.0})
    device.send(frame[:20])  # then nothing more: one byte a minute never completes a frame
    assert device.closed_by_peer(timeout=5)
    strict_receiver.settle()
    raw = RawPacket.objects.get()
    assert raw.verdict == "rejected"
    assert "slow sender" in raw.reason
    assert bytes(raw.data) == frame[:20]


@pytest.fixture
def capped_receiver(cast):
    # Only the cap is small: the kept connections must outlive a loaded machine's pauses, so no short timeouts.
    from lanqing.receiver.server import Limits

    live = start_receiver(limits=Limits(max_connections=3, sweep_interval=0.1))
    yield live
    stop_receiver(live)


def test_connections_beyond_the_cap_are_refused_and_the_others_served(capped_receiver):
    kept = [capped_receiver.connect() for _ in range(3)]
    assert wait_until(lambda: len(capped_receiver.server.connections) == 3)
    try:
        extra = capped_receiver.connect()
    except ConnectionResetError:
        pass  # refused as it was accepted, before the client's connect returned
    else:
        assert extra.closed_by_peer(timeout=5)
    kept[0].send(hourly(peer(), WHEN, {"a34004": 1.0}))
    assert hj212.parse_bytes(kept[0].reply()).header.cn == "9014"


def test_a_replayed_packet_changes_nothing(receiver):
    from lanqing.monitoring.ingest.replay import packets_replay

    frame = hourly(peer(), WHEN, {"a34004": 35.0, "a21026": 8.5})
    device = receiver.connect()
    device.send(frame)
    device.reply()
    device.send(frame)  # the device resends (e.g. it missed our ack)
    device.reply()
    receiver.settle()
    before = list(Measurement.objects.order_by("id").values_list("id", "value", "flag", "time"))
    count = packets_replay()
    assert count.decoded == 2
    assert list(Measurement.objects.order_by("id").values_list("id", "value", "flag", "time")) == before
    assert len(before) == 2
    assert RawPacket.objects.count() == 2


def test_the_device_is_marked_online_with_its_last_seen_time(receiver):
    from lanqing.monitoring.models import Device

    device = receiver.connect()
    device.send(hourly(peer(), WHEN, {"a34004": 35.0}))
    device.reply()
    receiver.settle()
    seen = Device.objects.get(mn="MNAIR01")
    assert seen.is_online
    assert seen.last_seen_at is not None
    device.close()
    assert wait_until(lambda: not receiver.server.connections)
    receiver.settle()
    assert not Device.objects.get(mn="MNAIR01").is_online


def test_a_device_that_reconnects_is_online_again_with_its_first_packet(receiver):
    from lanqing.monitoring.models import Device

    first = receiver.connect()
    first.send(hourly(peer(), WHEN, {"a34004": 35.0}))
    first.reply()
    first.close()
    assert wait_until(lambda: not receiver.server.connections)
    receiver.settle()
    assert not Device.objects.get(mn="MNAIR01").is_online
    # Seconds later, well inside the interval at which last-seen times are written.
    again = receiver.connect()
    again.send(hourly(peer(), WHEN + timedelta(hours=1), {"a34004": 36.0}))
    again.reply()
    receiver.settle()
    assert Device.objects.get(mn="MNAIR01").is_online
    again.close()


def test_frames_sent_while_another_worker_commits_join_the_waiting_commit_in_order(receiver):
    # Another worker's commit is played by holding the write turn. Frames that arrive meanwhile join the
    # batch that waits for the turn (one commit, not two), and a disconnection queued behind them is still
    # recorded, after them.
    from django.db import connection

    from lanqing.monitoring.models import Device
    from lanqing.receiver.turns import WriteTurns

    if connection.vendor != "sqlite" or WriteTurns(connection.settings_dict["NAME"]).path is None:
        pytest.skip("write turns exist only for a SQLite file")
    turns = WriteTurns(connection.settings_dict["NAME"])
    server, writer = receiver.server, receiver.server.writer
    air, outlet, leaving = receiver.connect(), receiver.connect(), receiver.connect()
    leaving.send(hourly(peer(mn="MNOUTB"), WHEN, {"a21026": 1.0}))
    leaving.reply()
    receiver.settle()
    batches = writer.batches

    def waiting(frames: int, queued: int) -> bool:
        return sum(c.pending for c in list(server.connections)) == frames and writer._queue.qsize() == queued

    with turns.take():
        air.send(hourly(peer(), WHEN, {"a34004": 35.0}, qn="20260301150000001"))
        assert wait_until(lambda: waiting(1, 0), interval=0.01)  # taken by the writer, which now waits for the turn
        outlet.send(hourly(peer(mn="MNOUTA"), WHEN, {"a21026": 2.0}, qn="20260301150000002"))
        outlet.send(hourly(peer(mn="MNOUTA"), WHEN, {"a21002": 3.0}, qn="20260301150000003"))
        assert wait_until(lambda: waiting(3, 2), interval=0.01)
        leaving.close()
        assert wait_until(lambda: writer._queue.qsize() == 3, interval=0.01)  # the offline mark, behind the two frames
    assert hj212.parse_bytes(air.reply()).header.qn == "20260301150000001"
    assert [hj212.parse_bytes(outlet.reply()).header.qn for _ in range(2)] == [
        "20260301150000002",
        "20260301150000003",
    ]
    receiver.settle()
    assert writer.batches == batches + 1
    assert RawPacket.objects.filter(verdict="accepted").count() == 4
    assert not Device.objects.get(mn="MNOUTB").is_online
    turns.close()
