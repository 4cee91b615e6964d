"""Recording configuration changes made in the Django admin.

Each configuration row's save and delete is recorded with its before/after values where it
happens (`ticketdesk.privacy.tracking` listens to every save, whatever makes it). What a row
save does not show is its many-to-many columns (a custom field's ticket types, an SLA
policy's teams): `many_values` reads them before and after, and `record_many_changes` writes
one entry with both. `ConfigurationAdmin` does this for the admin's change form and marks
every entry the admin causes `via: admin`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models

from . import log


def many_values(instance: models.Model) -> dict[str, list[str]]:
    """{many-to-many column: sorted names of the related rows} (one query per column)."""
    if instance.pk is None:
        return {}
    return {
        field.name: sorted(str(row) for row in getattr(instance, field.name).all())
        for field in instance._meta.many_to_many
    }


def record_many_changes(
    actor: Any, instance: models.Model, before: dict[str, list[str]], after: dict[str, list[str]]
) -> None:
    changes = {
        name: [before.get(name, []), value]
        for name, value in after.items()
        if before.get(name, []) != value
    }
    if changes:
        action = f"config.{instance._meta.model_name}.updated"
        log.record(actor, action, instance, changes=changes)


class ConfigurationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The admin of a configuration model: its changes are recorded with their source."""

    def changeform_view(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        with log.via("admin"):
            return super().changeform_view(request, *args, **kwargs)

    def changelist_view(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        with log.via("admin"):  # list_editable saves and the bulk delete action
            return super().changelist_view(request, *args, **kwargs)

    def delete_view(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        with log.via("admin"):
            return super().delete_view(request, *args, **kwargs)

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        before = many_values(form.instance) if change else {}
        super().save_related(request, form, formsets, change)
        if form.instance._meta.many_to_many:
            record_many_changes(request.user, form.instance, before, many_values(form.instance))
