from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from lanqing.notifications.models import Delivery, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["shown_title", "user", "created_at", "read_at"]
    search_fields = ["title", "user__username"]

    @admin.display(description=_("title"))
    def shown_title(self, notification: Notification) -> str:
        return notification.display_title


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["notification", "channel", "address", "status", "attempts", "sent_at"]
    list_filter = ["channel", "status"]
