from django.contrib import admin

from .models import ProblemRecord, ScheduledReport


@admin.register(ScheduledReport)
class ScheduledReportAdmin(admin.ModelAdmin):
    list_display = ("name", "report", "frequency", "next_run_at", "last_run_at", "active")
    list_filter = ("frequency", "active", "report")


@admin.register(ProblemRecord)
class ProblemRecordAdmin(admin.ModelAdmin):
    list_display = ("ticket", "updated_at")
    raw_id_fields = ("ticket",)
