"""Public replies and internal notes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Contact, Team, User
from ticketdesk.core import clock
from ticketdesk.core.errors import PermissionDenied, ValidationFailed

from .. import mentions, workflow
from ..models import (
    DONE_CATEGORIES,
    Channel,
    Consultation,
    EventKind,
    Message,
    MessageKind,
    Status,
    StatusCategory,
    Ticket,
)
from ..resolution import Resolution
from .attachments import AttachmentInput, check_size, files_stored_first, store_attachment
from .base import check, event, lock_ticket, publish, publish_all, record, record_all, touch
from .fields import _apply_status


def _check_body(body: str, body_html: str | None, attachments: Sequence[AttachmentInput]) -> None:
    if not (body or "").strip() and not (body_html or "").strip() and not attachments:
        raise ValidationFailed(
            _("Write a message or attach a file."), fields={"body": [_("This field is required.")]}
        )
    for item in attachments:
        check_size(len(item.content))


def reply(
    ticket: Ticket,
    *,
    actor: User | None,
    body: str = "",
    body_html: str | None = None,
    markdown: bool = True,
    author_contact: Contact | None = None,
    channel: str = Channel.AGENT,
    attachments: Sequence[AttachmentInput] = (),
    status: Status | None = None,
    resolution: Resolution | None = None,
    external_message_id: str = "",
    expected_version: int | None = None,
    created_at: dt.datetime | None = None,
) -> Message:
    """Add a public reply. From an agent (actor is staff) it counts as a response; from a
    customer (actor with a contact, or `author_contact` when the system acts for an email
    sender) it moves a pending or resolved ticket back to open.

    `status`: "send and set status" (agents only; resolving also takes `resolution`).
    A new ticket an agent answers, and a pending or solved one its customer answers, moves
    to the working status when assigned ("In progress"), else to the first open status.
    """
    from .open import message_bodies

    _check_body(body, body_html, attachments)
    is_staff = actor is not None and policy.is_staff_member(actor)
    if actor is not None and not is_staff:
        author_contact = policy.contact_for(actor)
    if not is_staff and author_contact is None:
        raise ValidationFailed(_("A customer reply needs an author."))
    if status is not None and not is_staff:
        raise ValidationFailed(_("Only agents can set the status while replying."))
    html, text = message_bodies(body, body_html, markdown=markdown)
    with files_stored_first(attachments) as stored, transaction.atomic():
        ticket = lock_ticket(ticket, expected_version)
        check(actor, policy.REPLY, ticket)
        now = created_at or clock.now()
        message = Message.objects.create(
            ticket=ticket,
            kind=MessageKind.PUBLIC,
            author_user=actor if is_staff else None,
            author_contact=None if is_staff else author_contact,
            body_html=html,
            body_text=text,
            channel=channel,
            external_message_id=external_message_id[:998],
            is_customer_message=not is_staff,
            created_at=now,
        )
        for stored_file in stored:
            store_attachment(ticket, message, stored_file)
        changed = ["last_message_at"]
        ticket.last_message_at = now
        target = status
        if is_staff:
            ticket.last_agent_message_at = now
            changed.append("last_agent_message_at")
            if ticket.first_response_at is None:
                ticket.first_response_at = now
                changed.append("first_response_at")
            if target is None and ticket.status_category == StatusCategory.NEW:
                target = workflow.reopen_target(
                    ticket.status,
                    assigned=ticket.assignee_id is not None,
                    ticket_type_id=ticket.ticket_type_id,
                )
        else:
            ticket.last_customer_message_at = now
            changed.append("last_customer_message_at")
            if ticket.status_category in (StatusCategory.PENDING, *DONE_CATEGORIES):
                target = workflow.reopen_target(
                    ticket.status,
                    assigned=ticket.assignee_id is not None,
                    ticket_type_id=ticket.ticket_type_id,
                )
        status_event = (
            _apply_status(ticket, target, changed, actor=actor, resolution=resolution)
            if target is not None
            else None
        )
        touch(ticket, changed)
        mentioned = _mention(ticket, text, actor) if is_staff else []
        # the message's event and the status change's (if any) in one INSERT, their outbox
        # rows in two, however many
        events = [
            event(
                ticket,
                EventKind.MESSAGE_ADDED,
                actor,
                actor_contact=None if is_staff else author_contact,
                message=message,
                data={
                    "from_customer": not is_staff,
                    "channel": channel,
                    **({"mentioned_user_ids": mentioned} if mentioned else {}),
                },
            )
        ]
        topics: list[tuple[str, dict[str, Any]]] = [
            (
                "message.created",
                {
                    "message_id": message.pk,
                    "kind": message.kind,
                    "from_customer": not is_staff,
                    "channel": channel,
                    "mentioned_user_ids": mentioned,
                },
            )
        ]
        if status_event is not None:
            events.append(
                event(ticket, EventKind.STATUS_CHANGED, actor, field="status", **status_event)
            )
            topics.append(("ticket.updated", {"changes": ["status"]}))
        record_all(events)
        publish_all(ticket, actor, topics)
    return message


def add_note(
    ticket: Ticket,
    *,
    actor: User | None,
    body: str = "",
    body_html: str | None = None,
    markdown: bool = True,
    attachments: Sequence[AttachmentInput] = (),
    channel: str = Channel.AGENT,
    expected_version: int | None = None,
    consult_team: Team | None = None,
) -> Message:
    """Add an internal note: visible to agents and light agents only. `@username` mentions
    a colleague; `consult_team` asks another team for advice (its agents see the ticket from
    then on). `message.created` carries `mentioned_user_ids` and `consult_team_id`."""
    from .open import message_bodies

    _check_body(body, body_html, attachments)
    if actor is not None and not policy.is_staff_member(actor):
        raise PermissionDenied(_("Only agents can add internal notes."))
    html, text = message_bodies(body, body_html, markdown=markdown)
    with files_stored_first(attachments) as stored, transaction.atomic():
        ticket = lock_ticket(ticket, expected_version)
        check(actor, policy.ADD_NOTE, ticket)
        now = clock.now()
        message = Message.objects.create(
            ticket=ticket,
            kind=MessageKind.INTERNAL,
            author_user=actor,
            body_html=html,
            body_text=text,
            channel=channel,
            created_at=now,
        )
        for stored_file in stored:
            store_attachment(ticket, message, stored_file)
        consult: dict[str, Any] = {}
        if consult_team is not None:
            _check_consult(ticket, consult_team)
            Consultation.objects.create(
                ticket=ticket,
                team=consult_team,
                message=message,
                requested_by=actor,
                created_at=now,
            )
            consult = {"consult_team_id": consult_team.pk, "consult_team": consult_team.name}
        mentioned = _mention(ticket, text, actor)
        touch(ticket, [])
        record(
            ticket,
            EventKind.NOTE_ADDED,
            actor,
            message=message,
            data={**consult, **({"mentioned_user_ids": mentioned} if mentioned else {})},
        )
        extra: dict[str, Any] = {"consult_team_id": consult_team.pk} if consult_team else {}
        publish(
            "message.created",
            ticket,
            actor,
            message_id=message.pk,
            kind=message.kind,
            from_customer=False,
            mentioned_user_ids=mentioned,
            **extra,
        )
    return message


def _check_consult(ticket: Ticket, team: Team) -> None:
    if not team.active:
        raise ValidationFailed(
            _("This team is not active."), fields={"consult_team": [_("Choose another team.")]}
        )
    if team.pk == ticket.team_id:
        raise ValidationFailed(
            _("The ticket is already with this team."),
            fields={"consult_team": [_("Choose another team.")]},
        )


def _mention(ticket: Ticket, text: str, actor: User | None) -> list[int]:
    """Ids of the colleagues `text` mentions; those who could not see the ticket become its
    watchers (with an event) so that the mention leads them somewhere."""
    users = mentions.mentioned_users(text, author=actor)
    for user in users:
        if not policy.can(user, policy.VIEW, ticket):
            ticket.watchers.add(user)
            record(
                ticket,
                EventKind.WATCHER_ADDED,
                actor,
                field="watchers",
                new=user,
                data={"mentioned": True},
            )
    return [u.pk for u in users]
