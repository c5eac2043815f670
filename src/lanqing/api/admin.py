from django.contrib import admin

from lanqing.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "created_at", "last_used_at", "is_active"]
    readonly_fields = ["digest", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False  # keys are made with `lanqing createtoken`, which shows the key once
