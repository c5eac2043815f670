from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from lanqing.alerts.models import Alert, AlertRule


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "severity", "creates_case", "is_active"]
    list_filter = ["kind", "severity", "is_active"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["shown_message", "rule", "status", "severity", "count", "first_seen_at", "last_seen_at"]
    list_filter = ["status", "severity", "rule"]
    raw_id_fields = ["site", "point", "device", "acknowledged_by"]

    @admin.display(description=_("message"))
    def shown_message(self, alert: Alert) -> str:
        return alert.display_message
