"""Writing notifications: rows inside the caller's transaction, channel deliveries after it commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from lanqing import texts
from lanqing.notifications.channels import channel_named, channels
from lanqing.notifications.models import Delivery, DeliveryStatus, Notification

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


def notification_send(*, users: Iterable, title: texts.Stored | str, body: texts.Stored | str = "", url: str = "",
                      now: datetime | None = None) -> list[Notification]:
    """Notifies each distinct active user once; title and body the system writes are stored texts, shown in
    each reader's language. If the surrounding transaction rolls back, nobody is told."""
    now = now or timezone.now()
    title, title_text = texts.split(title)
    body, body_text = texts.split(body)
    seen: set[int] = set()
    created: list[Notification] = []
    deliveries: list[Delivery] = []
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        notification = Notification.objects.create(user=user, title=title[:200], title_text=title_text, body=body,
                                                   body_text=body_text, url=url[:300], created_at=now)
        created.append(notification)
        for channel in channels():
            address = channel.address(user)
            if address:
                deliveries.append(Delivery(notification=notification, channel=channel.name, address=address))
    Delivery.objects.bulk_create(deliveries)
    if deliveries:
        ids = [n.id for n in created]
        transaction.on_commit(lambda: deliveries_send(notification_ids=ids))
    return created


def deliveries_send(*, notification_ids: list[int] | None = None) -> int:
    """Sends pending (and retries failed) deliveries; returns how many were sent."""
    pending = Delivery.objects.select_related("notification").filter(
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], attempts__lt=MAX_ATTEMPTS)
    if notification_ids is not None:
        pending = pending.filter(notification_id__in=notification_ids)
    sent = 0
    for delivery in pending:
        channel = channel_named(delivery.channel)
        attempts = delivery.attempts + 1
        if channel is None:
            Delivery.objects.filter(id=delivery.id).update(status=DeliveryStatus.FAILED, attempts=MAX_ATTEMPTS,
                                                           error=f"no channel named {delivery.channel!r}")
            continue
        try:
            channel.send(address=delivery.address, notification=delivery.notification)
        except Exception as error:  # noqa: BLE001 - a mail server being down must not break a case transition
            log.warning("delivery %s via %s failed: %s", delivery.id, delivery.channel, error)
            Delivery.objects.filter(id=delivery.id).update(status=DeliveryStatus.FAILED, attempts=attempts,
                                                           error=str(error)[:500])
            continue
        Delivery.objects.filter(id=delivery.id).update(status=DeliveryStatus.SENT, attempts=attempts,
                                                       sent_at=timezone.now(), error="")
        sent += 1
    return sent


def notification_mark_read(*, user, notification_id: int | None = None, now: datetime | None = None) -> int:
    """Marks one of the user's notifications (or all of them) read; another user's ids match nothing."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(id=notification_id)
    return unread.update(read_at=now or timezone.now())
