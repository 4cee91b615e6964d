"""Shared steps of ticket actions: locking with a version check, events, outbox."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Contact, User
from ticketdesk.core import clock, outbox
from ticketdesk.core.errors import Conflict, NotFound
from ticketdesk.core.translatable import Translatable

from ..models import EventKind, Message, Ticket, TicketEvent


def lock_ticket(ticket: Ticket | int, expected_version: int | None = None) -> Ticket:
    """Re-read the ticket under a row lock; raise Conflict if it moved past `expected_version`.

    Call inside transaction.atomic().
    """
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    try:
        locked = Ticket.objects.select_for_update().select_related("status").get(pk=pk)
    except Ticket.DoesNotExist:
        raise NotFound(_("This ticket does not exist.")) from None
    if expected_version is not None and locked.version != expected_version:
        since = list(
            TicketEvent.objects.filter(ticket=locked, data__version__gt=expected_version)
            .select_related("actor_user")
            .order_by("id")[:20]
        )
        raise Conflict(
            _("Someone else changed this ticket since you opened it."),
            current_version=locked.version,
            changes=[describe_event(e) for e in since],
        )
    return locked


def describe_event(event: TicketEvent) -> dict[str, Any]:
    actor = event.actor_user.display_name if event.actor_user else None
    return {
        "kind": event.kind,
        "field": event.field,
        "old": event.old_value,
        "new": event.new_value,
        "actor": actor,
        "at": event.created_at.isoformat(),
    }


def check(actor: User | None, verb: str, ticket: Ticket) -> None:
    """Ask the policy unless the system itself acts."""
    if actor is not None:
        policy.require(actor, verb, ticket)


def touch(ticket: Ticket, fields: list[str]) -> None:
    """Bump version and updated_at and save the named fields."""
    ticket.version += 1
    ticket.updated_at = clock.now()
    ticket.save(update_fields=[*dict.fromkeys([*fields, "version", "updated_at"])])


def label(value: Any) -> Any:
    """JSON form of a field value for the event log. A configuration row is stored as its
    id with its name in the base language: the timeline names it in the reader's language
    at display time (from the id), never in the language of whoever made the change."""
    if value is None:
        return None
    if isinstance(value, Translatable):
        return {"id": value.pk, "label": value.untranslated()}
    if isinstance(value, Model):
        name = getattr(value, "display_name", None) or str(value)
        return {"id": value.pk, "label": str(name)}
    return value


def build_event(
    ticket: Ticket,
    kind: str,
    actor: User | None,
    *,
    data: dict[str, Any] | None = None,
    at: Any = None,
) -> TicketEvent:
    """An event row not yet saved (for writers that save many at once)."""
    return TicketEvent(
        ticket=ticket,
        kind=kind,
        actor_user=actor,
        data={"version": ticket.version, **(data or {})},
        created_at=at or clock.now(),
    )


def event(
    ticket: Ticket,
    kind: str,
    actor: User | None,
    *,
    actor_contact: Contact | None = None,
    field: str = "",
    old: Any = None,
    new: Any = None,
    message: Message | None = None,
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    """What `record` saves, not saved yet (`record_all` saves several in one statement)."""
    payload = {"version": ticket.version, **(data or {})}
    return TicketEvent(
        ticket=ticket,
        kind=kind,
        actor_user=actor,
        actor_contact=actor_contact,
        field=field,
        old_value=label(old),
        new_value=label(new),
        message=message,
        data=payload,
        created_at=clock.now(),
    )


def record(
    ticket: Ticket,
    kind: str,
    actor: User | None,
    *,
    actor_contact: Contact | None = None,
    field: str = "",
    old: Any = None,
    new: Any = None,
    message: Message | None = None,
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    row = event(
        ticket,
        kind,
        actor,
        actor_contact=actor_contact,
        field=field,
        old=old,
        new=new,
        message=message,
        data=data,
    )
    row.save(force_insert=True)
    return row


def record_all(rows: list[TicketEvent]) -> list[TicketEvent]:
    """Save events built by `event` in one INSERT, in their order."""
    return TicketEvent.objects.bulk_create(rows) if rows else []


def _outbox_payload(ticket: Ticket, actor: User | None, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "ticket_id": ticket.pk,
        "ticket_number": ticket.number,
        "actor_id": actor.pk if actor else None,
        "version": ticket.version,
        # the ticket as this change left it: consumers need not look it up again
        "team_id": ticket.team_id,
        "assignee_id": ticket.assignee_id,
        "status_category": ticket.status_category,
        **payload,
    }


def publish(topic: str, ticket: Ticket, actor: User | None, **payload: Any) -> None:
    outbox.publish(topic, _outbox_payload(ticket, actor, payload), ticket_id=ticket.pk)


def publish_all(
    ticket: Ticket, actor: User | None, topics: list[tuple[str, dict[str, Any]]]
) -> None:
    """`publish` of several (topic, payload) of one change, in two statements whatever
    their number (the events, then all their deliveries)."""
    if len(topics) == 1:
        publish(topics[0][0], ticket, actor, **topics[0][1])
        return
    outbox.publish_many(
        [
            (topic, _outbox_payload(ticket, actor, payload), ticket.pk, None)
            for topic, payload in topics
        ]
    )


__all__ = [
    "EventKind",
    "build_event",
    "check",
    "event",
    "label",
    "lock_ticket",
    "publish",
    "publish_all",
    "record",
    "record_all",
    "touch",
]
