from __future__ import annotations

from django.db.models import QuerySet

from lanqing.notifications.models import Notification


def notifications_for(user) -> QuerySet[Notification]:
    """A user's own notifications; nobody reads another's."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(user=user)
