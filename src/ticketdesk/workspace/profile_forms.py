"""The agent's profile form: name, language, time zone, signature and notification
choices."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import User


def time_zone_choices() -> list[tuple[str, Any]]:
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z and "Etc" not in z)
    return [("", _("Server default")), *((z, z.replace("_", " ")) for z in zones)]


NOTIFICATION_EVENTS = [
    ("ticket_assigned", _("A ticket is assigned to me")),
    ("customer_reply", _("A customer replies on my ticket")),
    ("customer_not_solved", _("A customer says my resolved ticket is not solved")),
    ("team_new_ticket", _("A new ticket arrives in my teams")),
    ("note_added", _("A colleague adds a note on my ticket")),
    ("mentioned", _("Someone mentions me")),
    ("ticket_escalated", _("A ticket is escalated to me")),
    ("team_escalated", _("A ticket is escalated to my team")),
    ("watcher_added", _("A colleague adds me as a watcher")),
    ("consulted", _("A colleague consults my team")),
    ("sla_warning", _("An SLA target of my ticket is at risk")),
    ("sla_breached", _("An SLA target of my ticket is breached")),
    ("mail_failed", _("Our mail about my ticket could not be delivered")),
]
NOTIFICATION_CHANNELS = [("email", _("Email")), ("in_app", _("In the app"))]


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)
    signature = forms.CharField(
        label=_("Signature"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Added below your replies to customers. Markdown is supported."),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)
        language.choices = [("", _("Browser default")), *settings.LANGUAGES]
        zone = self.fields["time_zone"]
        assert isinstance(zone, forms.ChoiceField)
        zone.choices = time_zone_choices()
        for event, label in NOTIFICATION_EVENTS:
            for channel, channel_label in NOTIFICATION_CHANNELS:
                self.fields[f"notify_{event}_{channel}"] = forms.BooleanField(
                    label=f"{label} — {channel_label}", required=False
                )

    @staticmethod
    def initial_for(user: User) -> dict[str, Any]:
        prefs = user.notification_preferences or {}
        initial: dict[str, Any] = {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "language": user.language,
            "time_zone": user.time_zone,
            "signature": user.signature,
        }
        for event, _label in NOTIFICATION_EVENTS:
            for channel, _channel_label in NOTIFICATION_CHANNELS:
                initial[f"notify_{event}_{channel}"] = bool(
                    (prefs.get(event) or {}).get(channel, True)
                )
        return initial

    def preferences(self) -> dict[str, dict[str, bool]]:
        return {
            event: {
                channel: bool(self.cleaned_data.get(f"notify_{event}_{channel}"))
                for channel, _label in NOTIFICATION_CHANNELS
            }
            for event, _l in NOTIFICATION_EVENTS
        }

    def notification_rows(self) -> list[tuple[str, list[Any]]]:
        return [
            (
                str(label),
                [self[f"notify_{event}_{channel}"] for channel, _c in NOTIFICATION_CHANNELS],
            )
            for event, label in NOTIFICATION_EVENTS
        ]
