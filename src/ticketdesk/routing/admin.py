"""Routing configuration in the Django admin: availability, skills; decisions read-only."""

from django.contrib import admin

from ticketdesk.audit.configuration import ConfigurationAdmin

from .models import AgentAvailability, AgentSkill, RoutingDecision


@admin.register(AgentAvailability)
class AgentAvailabilityAdmin(ConfigurationAdmin):
    list_display = ("user", "status", "capacity", "calendar", "updated_at")
    list_editable = ("status", "capacity")
    list_filter = ("status",)
    raw_id_fields = ("user",)


@admin.register(AgentSkill)
class AgentSkillAdmin(ConfigurationAdmin):
    list_display = ("user", "kind", "value")
    list_filter = ("kind",)
    search_fields = ("user__username", "value")
    raw_id_fields = ("user",)


@admin.register(RoutingDecision)
class RoutingDecisionAdmin(admin.ModelAdmin):
    list_display = ("ticket", "team", "strategy", "assignee", "reason", "created_at")
    list_filter = ("strategy",)
    readonly_fields = [f.name for f in RoutingDecision._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
