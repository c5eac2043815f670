from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from lanqing.cases.models import (
    AccountabilityRecord,
    Case,
    CaseEvent,
    DeadlineRule,
    HolidayCorrection,
    ResponsibilityRule,
)


class EventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = readonly_fields = ("at", "actor", "action", "from_state", "to_state", "shown_note")

    can_delete = False

    @admin.display(description=_("note"))
    def shown_note(self, event: CaseEvent) -> str:
        return event.display_note

    def has_add_permission(self, request, obj=None):
        return False  # the timeline is written by the workflow only

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    # Cases change only through the workflow services; the admin reads them.
    list_display = ["number", "shown_title", "category", "severity", "state", "lead_unit", "township", "deadline_at"]
    list_filter = ["state", "category", "severity"]
    search_fields = ["number", "title"]
    inlines = [EventInline]

    @admin.display(description=_("title"))
    def shown_title(self, case: Case) -> str:
        return case.display_title

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a case, its timeline and its evidence are the record of who did what


@admin.register(ResponsibilityRule)
class ResponsibilityRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "industry", "site_kind", "lead_unit", "is_active"]


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "severity", "working_days", "remind_before_days", "unit_leader_after_days",
                    "leadership_after_days", "basis"]


@admin.register(HolidayCorrection)
class HolidayCorrectionAdmin(admin.ModelAdmin):
    list_display = ["date", "is_working_day", "note"]


@admin.register(AccountabilityRecord)
class AccountabilityRecordAdmin(admin.ModelAdmin):
    list_display = ["case", "unit", "township", "working_days_late", "highest_escalation", "outcome"]
    list_filter = ["outcome"]

    # Accountability records are written by the deadline clock from the case's history; nobody edits them.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
