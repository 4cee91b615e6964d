"""Changing an agent's own profile (name, language, time zone, notifications, signature)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ticketdesk.accounts.models import User

PROFILE_FIELDS = ("first_name", "last_name", "email", "language", "time_zone", "signature")


def update_profile(
    user: User, values: dict[str, Any], notification_preferences: dict[str, Any]
) -> User:
    with transaction.atomic():
        for name in PROFILE_FIELDS:
            if name in values:
                setattr(user, name, (values[name] or "").strip())
        user.notification_preferences = {
            **(user.notification_preferences or {}),
            **notification_preferences,
        }
        user.save(update_fields=[*PROFILE_FIELDS, "notification_preferences"])
    return user
