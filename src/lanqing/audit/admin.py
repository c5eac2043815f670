from django.contrib import admin

from lanqing.audit.models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    """Read only: nobody adds, changes or deletes an audit record through the application."""

    list_display = ["at", "actor_name", "channel", "change", "object_type", "object_id", "object_repr"]
    list_filter = ["channel", "change", "object_type"]
    search_fields = ["actor_name", "object_repr", "object_id"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
