from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Contact, Organization, Team, TeamMembership, User


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
class TeamAdmin(admin.ModelAdmin):
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
    list_display = ("email", "name", "phone", "user")
    search_fields = ("email", "name")
    autocomplete_fields = ("user", "organizations")
