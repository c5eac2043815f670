"""Delivery channels: plug-ins of one shape (a name, an address for a user, a send function).

To add a channel (SMS, WeCom): write a class with `name`, `address(user)` and `send(*, address, notification)`,
and call `register_channel(YourChannel())` from an AppConfig.ready(). Cases never know which channels exist.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import override

from lanqing.notifications.models import Notification


class Channel(Protocol):
    name: str

    def address(self, user) -> str | None:
        """Where this user is reached through the channel, or None when not reachable."""

    def send(self, *, address: str, notification: Notification) -> None:
        """Delivers one notification; raises on failure so the delivery is recorded as failed."""


_channels: dict[str, Channel] = {}


def register_channel(channel: Channel) -> None:
    _channels[channel.name] = channel


def channels() -> list[Channel]:
    return list(_channels.values())


def channel_named(name: str) -> Channel | None:
    return _channels.get(name)


class EmailChannel:
    name = "email"

    def address(self, user) -> str | None:
        # Without an SMTP host the installation has no mail; the notification centre still has the message.
        if not settings.EMAIL_HOST or not getattr(user, "email", ""):
            return None
        return user.email

    def send(self, *, address: str, notification: Notification) -> None:
        # Accounts have no language of their own yet: mail reads in the installation's language.
        with override(settings.LANGUAGE_CODE):
            subject, body = notification.display_title, notification.display_body
        if notification.url:
            body = f"{body}\n\n{settings.LANQING_SITE_URL.rstrip('/')}{notification.url}"
        with get_connection(timeout=settings.EMAIL_TIMEOUT) as connection:
            EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL,
                         to=[address], connection=connection).send()


register_channel(EmailChannel())
