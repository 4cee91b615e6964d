"""SLA configuration in the Django admin: calendars (hours, holidays), policies (conditions,
targets), team calendars. Per-ticket clocks are read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ticketdesk.audit.configuration import ConfigurationAdmin
from ticketdesk.tickets.models import Channel, Level, Status

from .models import (
    BusinessCalendar,
    Holiday,
    SLAPolicy,
    SLATarget,
    TeamCalendar,
    TicketSLA,
    WorkingHours,
)


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 1


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 1


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(ConfigurationAdmin):
    list_display = ("name", "time_zone", "is_default")
    inlines = [WorkingHoursInline, HolidayInline]


def _status_choices() -> list[tuple[str, str]]:
    return [(s.key, str(s)) for s in Status.objects.all()]


class SLAPolicyForm(forms.ModelForm):
    priorities = forms.TypedMultipleChoiceField(
        label=_("priorities"),
        choices=Level.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any priority."),
    )
    channels = forms.MultipleChoiceField(
        label=_("channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any channel."),
    )
    customer_tiers = forms.CharField(
        label=_("customer tiers"),
        required=False,
        help_text=_("Comma-separated organization tiers; empty: any tier."),
    )
    pause_status_keys = forms.MultipleChoiceField(
        label=_("statuses that pause the clock"),
        choices=_status_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every status of the pending category."),
    )

    class Meta:
        model = SLAPolicy
        fields = [
            "name",
            "description",
            "order",
            "active",
            "priorities",
            "ticket_types",
            "categories",
            "teams",
            "organizations",
            "customer_tiers",
            "channels",
            "calendar",
            "pause_status_keys",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.customer_tiers:
            self.initial["customer_tiers"] = ", ".join(self.instance.customer_tiers)

    def clean_customer_tiers(self) -> list[str]:
        raw = self.cleaned_data.get("customer_tiers") or ""
        return [tier.strip() for tier in raw.split(",") if tier.strip()]


class SLATargetInline(admin.TabularInline):
    model = SLATarget
    extra = 3
    max_num = 3


@admin.register(SLAPolicy)
class SLAPolicyAdmin(ConfigurationAdmin):
    form = SLAPolicyForm
    list_display = ("name", "order", "active", "calendar")
    list_editable = ("order", "active")
    filter_horizontal = ("ticket_types", "categories", "teams", "organizations")
    inlines = [SLATargetInline]


@admin.register(TeamCalendar)
class TeamCalendarAdmin(ConfigurationAdmin):
    list_display = ("team", "calendar")


@admin.register(TicketSLA)
class TicketSLAAdmin(admin.ModelAdmin):
    list_display = ("ticket", "policy", "next_check_at", "computed_at")
    readonly_fields = ("ticket", "policy", "metrics", "notified", "next_check_at", "computed_at")

    def has_add_permission(self, request: Any) -> bool:
        return False
