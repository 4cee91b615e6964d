"""Read-mostly admin views; rules and macros are built in the automation pages."""

from __future__ import annotations

from django.contrib import admin

from ticketdesk.audit.configuration import ConfigurationAdmin

from .models import Macro, Rule, RuleExecution


@admin.register(Rule)
class RuleAdmin(ConfigurationAdmin):
    list_display = ("name", "trigger", "order", "enabled", "fire_count", "last_fired_at")
    list_filter = ("trigger", "enabled")
    readonly_fields = ("fire_count", "last_fired_at", "created_at", "updated_at", "created_by")
    search_fields = ("name",)


@admin.register(RuleExecution)
class RuleExecutionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "rule", "ticket", "trigger", "matched", "skipped_reason")
    list_filter = ("trigger", "matched")
    raw_id_fields = ("rule", "ticket")
    list_select_related = ("rule", "ticket")
    show_full_result_count = False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Macro)
class MacroAdmin(ConfigurationAdmin):
    list_display = ("name", "visibility", "team", "owner", "active")
    list_filter = ("visibility", "active")
    search_fields = ("name",)
