"""Configuration in the Django admin: statuses, workflow, types, categories, matrix, custom
fields. Tickets themselves are changed only through the actions (read-only here)."""

from typing import Any

from django.contrib import admin

from ticketdesk.audit.configuration import ConfigurationAdmin
from ticketdesk.core.translatable_admin import TranslatableAdmin

from .models import (
    BusinessArea,
    CannedResponse,
    Category,
    ChannelDefault,
    CustomFieldDefinition,
    PriorityRule,
    Status,
    Tag,
    Ticket,
    TicketType,
    Transition,
    VerificationStep,
    WorkflowSettings,
)


class TransitionInline(admin.TabularInline):
    model = Transition
    fk_name = "from_status"
    extra = 1


@admin.register(Status)
class StatusAdmin(ConfigurationAdmin, TranslatableAdmin):
    list_display = ("name", "key", "category", "order", "is_default", "is_working", "active")
    list_editable = ("order", "active")
    inlines = [TransitionInline]


class VerificationStepInline(admin.TabularInline):
    model = VerificationStep
    extra = 1


@admin.register(WorkflowSettings)
class WorkflowSettingsAdmin(ConfigurationAdmin):
    """A singleton: how long resolved tickets wait for the customer before closing."""

    list_display = ("__str__", "auto_close_days")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return not WorkflowSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(TicketType)
class TicketTypeAdmin(ConfigurationAdmin, TranslatableAdmin):
    inlines = [VerificationStepInline]
    list_display = ("name", "key", "default_team", "order", "active")
    list_editable = ("order", "active")


@admin.register(Category)
class CategoryAdmin(ConfigurationAdmin, TranslatableAdmin):
    list_display = ("path", "default_team", "active")
    search_fields = ("name", "path")
    readonly_fields = ("path",)

    def save_model(self, request: Any, obj: Category, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # a renamed or moved category renames the paths below it
        pending = list(obj.children.all())
        while pending:
            child = pending.pop()
            child.save(update_fields=["path"])
            pending.extend(child.children.all())


@admin.register(ChannelDefault)
class ChannelDefaultAdmin(ConfigurationAdmin):
    """The last default before the triage queue (see tickets/intake.py)."""

    list_display = ("channel", "team")


@admin.register(BusinessArea)
class BusinessAreaAdmin(ConfigurationAdmin, TranslatableAdmin):
    list_display = ("name", "active")


@admin.register(PriorityRule)
class PriorityRuleAdmin(ConfigurationAdmin):
    list_display = ("urgency", "impact", "priority")
    list_editable = ("priority",)


@admin.register(CustomFieldDefinition)
class CustomFieldDefinitionAdmin(ConfigurationAdmin, TranslatableAdmin):
    list_display = ("label", "key", "field_type", "required", "order", "active")
    filter_horizontal = ("ticket_types",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only: change tickets in the workspace or the API so that history is kept."""

    list_display = ("number", "subject", "status", "priority", "team", "assignee", "updated_at")
    list_filter = ("status_category", "priority", "team", "channel")
    search_fields = ("subject",)
    list_select_related = ("status", "team", "assignee")
    show_full_result_count = False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(CannedResponse)
class CannedResponseAdmin(ConfigurationAdmin):
    list_display = ("title", "team", "owner", "shared", "updated_at")
    list_filter = ("shared", "team")
    search_fields = ("title", "body")
    raw_id_fields = ("owner",)
