from django.contrib import admin

from .models import TimeEntry, TypeTimeRule


@admin.register(TypeTimeRule)
class TypeTimeRuleAdmin(admin.ModelAdmin):
    list_display = ("ticket_type", "time_required")


@admin.register(TimeEntry)
class TimeEntryAdmin(admin.ModelAdmin):
    list_display = ("ticket", "agent", "minutes", "work_date", "billable")
    list_filter = ("billable",)
    raw_id_fields = ("ticket", "agent", "team", "organization")
    date_hierarchy = "work_date"
