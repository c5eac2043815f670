"""Device passwords cannot be guessed over the network, and the device that knows its password is never
locked out (real sockets on 127.0.0.0/8, the test database)."""

from __future__ import annotations

import socket
from datetime import datetime

import pytest

from lanqing import hj212
from lanqing.monitoring.models import RawPacket

from .conftest import DeviceSocket, hourly, peer, start_receiver, stop_receiver

pytestmark = pytest.mark.django_db(transaction=True)

WHEN = datetime(2026, 3, 1, 15, 0)


def _from(port: int, address: str) -> DeviceSocket:
    return DeviceSocket(socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(address, 0)))


def _served(device: DeviceSocket, n: int, pw: str = "123456") -> bytes:
    qn = f"20260301{n:09d}"
    device.send(hourly(peer(pw=pw), WHEN.replace(hour=n % 24), {"a34004": float(n)}, qn=qn))
    reply = device.reply(timeout=10)
    assert hj212.parse_bytes(reply).header.qn == qn
    return reply


def _guesses(start: int, count: int, mn: str = "MNAIR01") -> bytes:
    return b"".join(
        hourly(peer(mn=mn, pw=f"{n:06d}"), WHEN, {"a34004": 1.0}, qn=f"2026030199{n:07d}")
        for n in range(start, start + count)
    )


@pytest.fixture
def guarded(cast):
    from lanqing.receiver.guard import GuessLimits
    from lanqing.receiver.server import Limits

    # Budgets that do not refill during the test: what is tried beyond them waits.
    live = start_receiver(
        limits=Limits(guessing=GuessLimits(address_burst=3, address_every=3600, mn_burst=5, mn_every=3600))
    )
    yield live
    stop_receiver(live)


def _wrong_pw_rows(address: str) -> int:
    return RawPacket.objects.filter(reason__startswith="wrong-pw", peer__startswith=f"{address}:").count()


def test_guesses_beyond_the_budget_wait_while_the_device_with_its_password_is_served(guarded):
    device = guarded.connect()
    assert b"CN=9014" in _served(device, 1)
    guesser = _from(guarded.port, "127.0.0.2")
    guesser.send(_guesses(0, 50))  # 50 passwords in one write, as fast as the network allows
    answers = [hj212.parse_bytes(guesser.reply()) for _ in range(3)]
    # The address's three tries are answered, the unknown MN and the wrong password alike.
    assert {(a.header.cn, a.cp["QnRtn"]) for a in answers} == {("9011", "2")}
    for n in range(2, 6):
        assert b"CN=9014" in _served(device, n)
    guarded.settle()
    assert _wrong_pw_rows("127.0.0.2") == 3  # the other 47 wait for a budget that will not come back soon
    # A guesser at another address has the MN's remaining two tries, then waits too.
    second = _from(guarded.port, "127.0.0.3")
    second.send(_guesses(100, 10))
    assert [hj212.parse_bytes(second.reply()).cp["QnRtn"] for _ in range(2)] == ["2", "2"]
    # The device, even behind the guesser's own address (one NAT gateway), is still served at once.
    neighbour = _from(guarded.port, "127.0.0.2")
    assert b"CN=9014" in _served(neighbour, 6)
    assert b"CN=9014" in _served(device, 7)
    guarded.settle()
    assert _wrong_pw_rows("127.0.0.3") == 2
    assert RawPacket.objects.filter(verdict="accepted").count() == 7


def test_unknown_mns_and_wrong_passwords_get_the_same_reply(guarded):
    guesser = _from(guarded.port, "127.0.0.2")
    guesser.send(_guesses(0, 1) + _guesses(1, 1, mn="NOSUCHMN"))
    wrong_pw, unknown = (guesser.reply(), guesser.reply())
    first, second = hj212.parse_bytes(wrong_pw), hj212.parse_bytes(unknown)
    assert (first.header.cn, first.cp) == (second.header.cn, second.cp) == ("9011", {"QnRtn": "2"})
    guarded.settle()
    reasons = sorted(RawPacket.objects.values_list("reason", flat=True))
    assert reasons[0].startswith("unknown-mn")
    assert reasons[1].startswith("wrong-pw")


def test_the_bureau_gets_an_alert_naming_the_device_whose_password_is_guessed(guarded):
    from django.utils import timezone
    from django.utils.translation import override

    from lanqing.alerts.models import Alert, AlertRule
    from lanqing.alerts.services import alerts_evaluate

    AlertRule.objects.create(name="猜测密码", kind="password", params={"minutes": 60, "attempts": 3})
    guesser = _from(guarded.port, "127.0.0.2")
    guesser.send(_guesses(0, 3))
    for _ in range(3):
        guesser.reply()
    guarded.settle()
    alerts_evaluate(now=timezone.now())
    alert = Alert.objects.get()
    assert alert.device.mn == "MNAIR01"
    assert alert.last_value == 3.0
    with override("en"):
        assert "MNAIR01: 3 wrong passwords in the last 60 minutes" in alert.display_message
    with override("zh-hans"):
        assert "密码错误 3 次" in alert.display_message
