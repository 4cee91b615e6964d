"""Notification preferences kept in `User.notification_preferences` (the per-event email /
in-app switches are edited on the workspace profile; the digest choice here)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ticketdesk.accounts.models import User
from ticketdesk.core.errors import ValidationFailed

from .inapp import DIGEST_CHOICES

DIGEST_LABELS = {
    "auto": gettext_lazy("One email per event, a summary when they come fast"),
    "off": gettext_lazy("One email per event"),
    "hourly": gettext_lazy("An hourly summary"),
    "daily": gettext_lazy("A daily summary"),
}


def digest_choices() -> list[tuple[str, str]]:
    return [(key, str(DIGEST_LABELS[key])) for key in DIGEST_CHOICES]


def set_digest(user: Any, frequency: str) -> None:
    if frequency not in DIGEST_CHOICES:
        raise ValidationFailed(
            _("Choose auto, off, hourly or daily."), fields={"digest": [_("Invalid choice.")]}
        )
    fresh = User.objects.get(pk=user.pk)
    fresh.notification_preferences = {**(fresh.notification_preferences or {}), "digest": frequency}
    fresh.save(update_fields=["notification_preferences"])
    user.notification_preferences = fresh.notification_preferences
