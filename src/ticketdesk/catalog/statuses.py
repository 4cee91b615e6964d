"""The "Awaiting approval" status: a status of the pending category, so SLA clocks pause
while a request waits for its approvers (sla/clock.py pauses on the pending category unless
a policy names its own pause statuses)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ticketdesk.tickets import config
from ticketdesk.tickets.models import Status

AWAITING_APPROVAL = "awaiting-approval"
# the shipped statuses a ticket may come from and go to (those that exist are linked)
SOURCES = ("new", "open", "in-progress", "pending", "on-hold")
TARGETS = ("open", "in-progress", "resolved", "closed")


def ensure_status(
    apps: Any,
    *,
    key: str,
    name: str,
    translations: dict[str, dict[str, str]],
    order: int,
    sources: Iterable[str],
    targets: Iterable[str],
    category: str = "pending",
) -> Any:
    """Create the status `key` with its transitions where missing (idempotent): used by the
    data migration (`apps`: the migration's registry) and at run time (after a test flush)."""
    status_model = apps.get_model("tickets", "Status")
    transition_model = apps.get_model("tickets", "Transition")
    status, created = status_model.objects.get_or_create(
        key=key,
        defaults={
            "name": name,
            "category": category,
            "order": order,
            "translations": translations,
        },
    )
    if not created:
        return status
    shipped = {s.key: s for s in status_model.objects.filter(key__in=[*sources, *targets])}
    for source in sources:
        if source in shipped:
            transition_model.objects.get_or_create(from_status=shipped[source], to_status=status)
    for target in targets:
        if target in shipped:
            transition_model.objects.get_or_create(from_status=status, to_status=shipped[target])
    return status


def ensure_awaiting_approval(apps: Any) -> Any:
    return ensure_status(
        apps,
        key=AWAITING_APPROVAL,
        name="Awaiting approval",
        translations={
            "pt-br": {"name": "Aguardando aprovação"},
            "it": {"name": "In attesa di approvazione"},
        },
        order=31,
        sources=SOURCES,
        targets=TARGETS,
    )


def awaiting_approval() -> Status:
    """The status, created if an administrator or a test flush removed it."""
    status = Status.objects.filter(key=AWAITING_APPROVAL).first()
    if status is None:
        from django.apps import apps

        status = ensure_awaiting_approval(apps)
        config.invalidate()
    return status  # type: ignore[no-any-return]
