"""The manual time entry form and the report's filters."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ticketdesk.core.errors import DomainError

from .queries import GROUPS

DURATION = re.compile(r"^\s*(?:(\d{1,2})\s*[h:]\s*)?(?:(\d{1,4})\s*m?)?\s*$", re.IGNORECASE)


def parse_minutes(text: str) -> int | None:
    """ "90", "90m", "1h30", "1h 30m", "1:30" -> 90; None when not a duration."""
    match = DURATION.match(text or "")
    if not match or not (match.group(1) or match.group(2)):
        return None
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)


class TimeEntryForm(forms.Form):
    minutes = forms.CharField(
        label=_("Time spent"),
        max_length=12,
        help_text=_("Minutes, or hours and minutes: 45, 1h30, 1:30."),
    )
    work_date = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    billable = forms.BooleanField(label=_("Billable"), required=False, initial=True)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)

    def clean_minutes(self) -> int:
        minutes = parse_minutes(self.cleaned_data["minutes"])
        if minutes is None:
            raise forms.ValidationError(_("Enter minutes (45) or hours and minutes (1h30)."))
        return minutes

    def apply_error(self, error: DomainError) -> None:
        placed = False
        for name, messages in error.fields.items():
            if name in self.fields:
                for message in messages:
                    self.add_error(name, message)
                placed = True
        if not placed:
            self.add_error(None, error.message)


def _first_of_month() -> dt.date:
    return timezone.localdate().replace(day=1)


class ReportForm(forms.Form):
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    group = forms.ChoiceField(
        label=_("Totals per"),
        required=False,
        choices=[
            ("agent", _("Agent")),
            ("team", _("Team")),
            ("organization", _("Organization")),
            ("item", _("Affected item")),
            ("day", _("Day")),
            ("week", _("Week")),
            ("month", _("Month")),
        ],
    )
    billable = forms.ChoiceField(
        label=_("Billable"),
        required=False,
        choices=[("", _("All time")), ("1", _("Billable only")), ("0", _("Not billable"))],
    )

    def clean(self) -> dict[str, Any]:
        """Unset filters: this month, per agent, all time."""
        data = super().clean() or {}
        data["since"] = data.get("since") or _first_of_month()
        data["until"] = data.get("until") or timezone.localdate()
        data["group"] = data.get("group") if data.get("group") in GROUPS else "agent"
        if data["until"] < data["since"]:
            self.add_error("until", _("The end is before the start."))
        elif (data["until"] - data["since"]).days > 3660:
            self.add_error("since", _("At most ten years at once."))
        flag = data.get("billable")
        data["billable_flag"] = None if flag in (None, "") else flag == "1"
        return data
