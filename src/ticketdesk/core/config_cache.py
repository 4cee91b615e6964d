"""A per-process cache of configuration: what nearly every page and every ticket write reads
and an admin rarely changes — statuses, transitions, ticket types, categories, business areas,
the priority matrix, custom field definitions, teams, agents and their memberships, SLA
policies. Shared by every app: one module, one `invalidate()`.

Entries live for `TTL_SECONDS`; saving or deleting a configuration row clears this process's
cache at once (each app registers its models with `invalidate_on_change` in its `ready()`),
other processes pick the change up when their entries expire. Changes made with
`QuerySet.update()` send no signal: code doing that calls `invalidate()` itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

TTL_SECONDS = 10.0
_entries: dict[str, tuple[float, Any]] = {}


def cached(key: str, load: Callable[[], T]) -> T:
    now = time.monotonic()
    entry = _entries.get(key)
    if entry is not None and entry[0] > now:
        return entry[1]  # type: ignore[no-any-return]
    value = load()
    _entries[key] = (now + TTL_SECONDS, value)
    return value


def invalidate(*args: Any, **kwargs: Any) -> None:
    """Forget everything (also usable as a signal receiver)."""
    _entries.clear()


def _invalidate_unless_only(ignored: frozenset[str]) -> Callable[..., None]:
    def receiver(*args: Any, update_fields: Any = None, **kwargs: Any) -> None:
        if update_fields and set(update_fields) <= ignored:
            return
        _entries.clear()

    return receiver


def invalidate_on_change(*models: Any, ignore_fields: tuple[str, ...] = ()) -> None:
    """Clear the cache whenever a row of one of `models` is saved or deleted, or a
    many-to-many relation of theirs changes; saves that only write `ignore_fields` (say a
    user's `last_login`) leave it."""
    from django.db.models import ManyToManyField
    from django.db.models.signals import m2m_changed, post_delete, post_save

    on_save = _invalidate_unless_only(frozenset(ignore_fields))
    for model in models:
        uid = f"config-cache-{model._meta.label}"
        post_save.connect(on_save, sender=model, weak=False, dispatch_uid=f"{uid}-save")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"{uid}-delete")
        for field in model._meta.local_many_to_many:
            if isinstance(field, ManyToManyField):
                m2m_changed.connect(
                    invalidate,
                    sender=field.remote_field.through,
                    dispatch_uid=f"{uid}-{field.name}",
                )
