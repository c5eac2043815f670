"""The number of unread notifications, for the badge beside the menu's Notifications entry on every page."""

from __future__ import annotations

from lanqing.notifications.selectors import notifications_for


def unread(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": notifications_for(user).filter(read_at__isnull=True).count()}
