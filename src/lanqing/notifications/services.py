"""Writing notifications: rows inside the caller's transaction; channel deliveries (e-mail) go out from the worker,
so a slow or refusing mail server never holds up or fails the web request that caused them."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from lanqing import texts
from lanqing.jobs.services import job_enqueue
from lanqing.notifications.channels import channel_named, channels
from lanqing.notifications.models import Delivery, DeliveryStatus, Notification

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
DELIVER_JOB = "notifications.deliver"


def notification_send(*, users: Iterable, title: texts.Stored | str, body: texts.Stored | str = "", url: str = "",
                      now: datetime | None = None) -> list[Notification]:
    """Notifies each distinct active user once; title and body the system writes are stored texts, shown in
    each reader's language. Deliveries through channels are queued for the worker in the same transaction: if
    it rolls back, nobody is told."""
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
        job_enqueue(kind=DELIVER_JOB, payload={"notification_ids": [n.id for n in created]})
    return created


def deliveries_send(*, notification_ids: list[int] | None = None) -> int:
    """Sends the pending deliveries of these notifications, or without ids every pending delivery and retries
    the failed ones; returns how many were sent."""
    if notification_ids is None:
        pending = Delivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED],
                                          attempts__lt=MAX_ATTEMPTS)
    else:
        pending = Delivery.objects.filter(status=DeliveryStatus.PENDING, notification_id__in=notification_ids)
    pending = pending.select_related("notification")
    sent = 0
    for delivery in pending:
        channel = channel_named(delivery.channel)
        attempts = delivery.attempts + 1
        # Claim the attempt with a conditional update: the delivery job and the retry task of two workers never
        # send the same message twice.
        if not Delivery.objects.filter(id=delivery.id, status=delivery.status, attempts=delivery.attempts).update(
                attempts=attempts):
            continue
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


def notification_mark_read(*, user: User, notification_id: int | None = None, now: datetime | None = None) -> int:
    """Marks one of the user's notifications (or all of them) read; another user's ids match nothing."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(id=notification_id)
    return unread.update(read_at=now or timezone.now())
