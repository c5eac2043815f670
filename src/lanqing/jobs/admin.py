from django.contrib import admin

from lanqing.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "status", "run_after", "attempts", "progress", "claimed_by"]
    list_filter = ["status", "kind"]
