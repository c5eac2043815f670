"""The in-app notification centre and e-mail through a real SMTP server on 127.0.0.1."""

import socket
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from django.urls import reverse
from django.utils import timezone, translation

from lanqing.jobs.services import periodic_due, worker_pass
from lanqing.notifications.models import Delivery, DeliveryStatus, Notification
from lanqing.notifications.services import deliveries_send, notification_send
from tests.polling import wait_until


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


def _free_port() -> int:
    # aiosmtpd's Controller connects to its own port to check it started, so it cannot take port 0 itself;
    # ask the OS for a free port the same way and hand it over.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield inbox
    controller.stop()


def _wait_for(inbox, count):
    wait_until(lambda: len(inbox.messages) >= count, timeout=5, interval=0.02)
    return inbox.messages


def test_a_dispatched_case_is_mailed_by_the_worker_through_smtp_in_chinese(supervision, smtp):
    from lanqing.cases.transitions import case_open

    supervision.users["department"].email = "zhujian@gu.example.cn"
    supervision.users["department"].save()
    with translation.override("en"):  # whoever opened it used the English interface
        case = case_open(title="焦炉冒烟", category="inspection", source="inspection", site=supervision.outlet_a)
    assert not smtp.messages  # the request that dispatched the case sends nothing itself
    worker_pass(worker="test")
    messages = _wait_for(smtp, 1)
    assert [m["To"] for m in messages] == ["zhujian@gu.example.cn"]
    subject = str(make_header(decode_header(messages[0]["Subject"])))
    assert case.number in subject
    assert "督办单" in subject
    assert "dispatched" not in subject
    assert f"/cases/{case.id}/" in messages[0].get_payload(decode=True).decode()
    assert Delivery.objects.get().status == DeliveryStatus.SENT


class Refusing(Message):
    """An SMTP server that refuses every recipient until told to accept."""

    def __init__(self) -> None:
        super().__init__()
        self.accepting, self.refused, self.messages = False, 0, []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not self.accepting:
            self.refused += 1
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def handle_message(self, message) -> None:
        self.messages.append(message)


def test_a_case_transition_succeeds_while_the_mail_server_refuses_and_the_worker_delivers_later(
        supervision, client_for, settings):
    from lanqing.cases.transitions import case_open

    server = Refusing()
    controller = Controller(server, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        supervision.users["department"].email = "zhujian@gu.example.cn"
        supervision.users["department"].save()
        case = case_open(title="焦炉冒烟", category="inspection", source="inspection", site=supervision.outlet_a)
        Delivery.objects.all().delete()

        response = client_for(supervision.users["bureau"]).post(reverse("cases:act", args=[case.id, "urge"]),
                                                               {"note": "请尽快整改"})
        assert response.status_code == 302
        assert case.events.filter(action="urged").exists()
        delivery = Delivery.objects.get()
        assert delivery.status == DeliveryStatus.PENDING
        assert server.refused == 0

        worker_pass(worker="test")
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.FAILED
        assert "550" in delivery.error
        assert server.refused == 1

        server.accepting = True
        periodic_due(now=timezone.now() + timedelta(minutes=6))
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.SENT
        assert delivery.attempts == 2
        assert len(_wait_for(server, 1)) == 1
    finally:
        controller.stop()


def test_a_failed_delivery_is_recorded_and_retried_later(cast, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    user = cast.users["bureau"]
    user.email = "bureau@gu.example.cn"
    user.save()
    notification_send(users=[user], title="t", body="b")
    assert deliveries_send() == 0
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 1
    assert delivery.error


def test_without_an_smtp_host_notifications_stay_in_the_app(cast, settings):
    settings.EMAIL_HOST = ""
    user = cast.users["bureau"]
    user.email = "bureau@gu.example.cn"
    user.save()
    notification_send(users=[user, user], title="t")
    assert Notification.objects.filter(user=user).count() == 1
    assert not Delivery.objects.exists()


def test_the_notification_centre_lists_only_my_notifications_and_marks_them_read(cast, client_for):
    mine = notification_send(users=[cast.users["township_a"]], title="我的通知", url="/cases/")[0]
    other = notification_send(users=[cast.users["township_b"]], title="别人的通知")[0]
    client = client_for(cast.users["township_a"])
    page = client.get(reverse("notifications:list")).content.decode()
    assert "我的通知" in page
    assert "别人的通知" not in page
    client.post(reverse("notifications:read", args=[other.id]))
    other.refresh_from_db()
    assert other.read_at is None
    client.post(reverse("notifications:read", args=[mine.id]))
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_a_new_channel_plugs_in_with_the_same_shape(cast, settings):
    from lanqing.notifications import channels

    sent = []

    class Sms:
        name = "sms"

        def address(self, user):
            return user.membership.phone or None

        def send(self, *, address, notification):
            sent.append((address, notification.title))

    cast.users["department"].membership.phone = "13800000000"
    cast.users["department"].membership.save()
    channels.register_channel(Sms())
    try:
        notification_send(users=[cast.users["department"]], title="督办")
        deliveries_send()
    finally:
        channels._channels.pop("sms")
    assert sent == [("13800000000", "督办")]
