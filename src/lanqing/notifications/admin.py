from django.contrib import admin

from lanqing.notifications.models import Delivery, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "created_at", "read_at"]
    search_fields = ["title", "user__username"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["notification", "channel", "address", "status", "attempts", "sent_at"]
    list_filter = ["channel", "status"]
