from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from ticketdesk.audit.configuration import ConfigurationAdmin

from .models import Contact, Organization, SignInSettings, Team, TeamMembership, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Ticketdesk"), {"fields": ("role", "language", "time_zone", "signature")}),
    )


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 1
    autocomplete_fields = ("user",)


@admin.register(Team)
class TeamAdmin(ConfigurationAdmin):
    list_display = (
        "name",
        "email",
        "assignment_strategy",
        "escalation_team",
        "sees_triage",
        "active",
    )
    list_editable = ("sees_triage",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]
    search_fields = ("name",)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "domains", "shared_tickets", "tier")
    search_fields = ("name", "domains")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("email", "name", "phone", "department", "manager", "user")
    search_fields = ("email", "name", "department")
    autocomplete_fields = ("user", "organizations", "manager")


@admin.register(SignInSettings)
class SignInSettingsAdmin(admin.ModelAdmin):
    """A singleton: which roles must use two-factor authentication."""

    list_display = ("__str__", "require_two_factor_admins", "require_two_factor_agents")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return not SignInSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
