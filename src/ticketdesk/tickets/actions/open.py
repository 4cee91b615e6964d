"""Opening a ticket."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Contact, Organization, Team, User
from ticketdesk.core import clock
from ticketdesk.core.errors import PermissionDenied, ValidationFailed
from ticketdesk.core.html import html_to_text, render_markdown, sanitize_html

from .. import custom_fields, intake, priority, workflow
from ..custom_fields import GivenFile
from ..models import (
    BusinessArea,
    Category,
    Channel,
    EventKind,
    Level,
    Message,
    MessageKind,
    Status,
    Ticket,
    TicketType,
)
from ..numbering import provisional_number, take_next_number
from . import field_files
from .attachments import AttachmentInput, check_size, files_stored_first, store_attachment
from .base import publish, record
from .fields import apply_tags

MAX_SUBJECT = 250


def clean_subject(subject: str) -> str:
    subject = " ".join((subject or "").split())
    if not subject:
        raise ValidationFailed(
            _("A ticket needs a subject."), fields={"subject": [_("This field is required.")]}
        )
    return subject[:MAX_SUBJECT]


def check_level(name: str, value: int) -> int:
    if value not in Level.values:
        raise ValidationFailed(
            _("Choose a valid %(field)s.") % {"field": name},
            fields={name: [_("Choose low, medium, high or critical.")]},
        )
    return int(value)


def message_bodies(body: str, body_html: str | None, *, markdown: bool) -> tuple[str, str]:
    """Return (sanitised html, plain text) of a message body."""
    if body_html:
        clean = sanitize_html(body_html)
        return clean, body or html_to_text(clean)
    html = render_markdown(body) if markdown else sanitize_html(body.replace("\n", "<br>"))
    return html, body


class FieldErrors:
    """Collects the ValidationFailed of several checks, to report them together."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.fields: dict[str, list[str]] = {}

    def add(self, message: str, fields: dict[str, list[str]]) -> None:
        self.messages.append(str(message))
        for name, problems in fields.items():
            self.fields.setdefault(name, []).extend(problems)

    def check(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except ValidationFailed as error:
            self.add(error.message, error.fields)
            return None

    def raise_any(self) -> None:
        if not self.messages:
            return
        message = self.messages[0] if len(self.messages) == 1 else _("Some fields are not valid.")
        raise ValidationFailed(message, fields=self.fields)


def _is_own_contact(actor: User | None, requester: Contact) -> bool:
    if actor is None:
        return False
    if requester.user_id is not None:
        return requester.user_id == actor.pk
    return bool(actor.email) and requester.email.lower() == actor.email.lower()


def _assignable(assignee: User, team: Team | None, actor: User | None) -> bool:
    """May `assignee` get a ticket of `team`? An agent opening a ticket for themselves is
    answered from their own memberships, already read in this request."""
    team_id = team.pk if team is not None else None
    if actor is not None and assignee.pk == actor.pk:
        return policy.is_assignable(actor, team_id)
    return policy.assignable_users(team_id).filter(pk=assignee.pk).exists()


def open_ticket(
    *,
    requester: Contact,
    subject: str,
    channel: str,
    actor: User | None,
    body: str = "",
    body_html: str | None = None,
    markdown: bool = True,
    team: Team | None = None,
    entrance_team: Team | None = None,
    assignee: User | None = None,
    ticket_type: TicketType | None = None,
    category: Category | None = None,
    business_area: BusinessArea | None = None,
    organization: Organization | None = None,
    urgency: int = Level.MEDIUM,
    impact: int = Level.MEDIUM,
    priority_override: int | None = None,
    status: Status | None = None,
    tags: Iterable[str] = (),
    cc: Iterable[Contact] = (),
    custom_field_values: dict[str, Any] | None = None,
    attachments: Sequence[AttachmentInput] = (),
    external_message_id: str = "",
    created_at: dt.datetime | None = None,
    body_required: bool = False,
) -> Ticket:
    """Open a ticket with its first message (from the requester) and a CREATED event.
    Invalid input raises one ValidationFailed naming every wrong field.

    An agent (actor with CREATE_FOR_OTHERS) may open on anyone's behalf; a customer only for
    themselves; `actor=None` is the system (email, portal guest form, API with its own checks).

    Without `team` the ticket starts in the team the defaults name (`tickets.intake`), with
    `entrance_team` the default of the door it came through (mailbox, portal); with none
    it waits in the triage queue.
    """
    if channel not in Channel.values:
        raise ValidationFailed(_("Unknown channel."), fields={"channel": [_("Unknown channel.")]})
    is_staff = actor is not None and policy.is_staff_member(actor)
    if actor is not None:
        if is_staff:
            policy.require(actor, policy.CREATE_FOR_OTHERS)
        elif policy.contact_for(actor) != requester:
            raise PermissionDenied(_("You can only open tickets for yourself."))
    # An agent opening a ticket for a caller (phone, walk-in, chat) writes down the caller's
    # words: the first message is the requester's, not a reply of the agent. Only a ticket
    # an agent opens for themselves (a problem record) starts with the agent's own message.
    from_requester = not is_staff or not _is_own_contact(actor, requester)
    for item in attachments:
        check_size(len(item.content))
    # every invalid field is named at once, not one per attempt
    errors = FieldErrors()
    subject = errors.check(clean_subject, subject)
    urgency = errors.check(check_level, "urgency", urgency)
    impact = errors.check(check_level, "impact", impact)
    if priority_override is not None:
        priority_override = errors.check(check_level, "priority", priority_override)
    if body_required and not (body or "").strip() and not html_to_text(body_html or "").strip():
        errors.add(_("Describe the request."), {"body": [_("This field is required.")]})
    team_source = intake.EXPLICIT
    if team is None:
        team, team_source = intake.starting_team(
            category=category, ticket_type=ticket_type, channel=channel, entrance_team=entrance_team
        )
        if team is not None and assignee is not None and not _assignable(assignee, team, actor):
            # the agent chose someone outside the default team: their choice wins
            team, team_source = None, intake.TRIAGE
    if assignee is not None and not _assignable(assignee, team, actor):
        errors.add(
            _("%(name)s cannot be assigned tickets of this team.")
            % {"name": assignee.display_name},
            {"assignee": [_("Not a member of the team.")]},
        )
    given = errors.check(field_files.given_files, custom_field_values or {}, ticket=None)
    values: dict[str, Any] = {}
    if given is not None:
        values = errors.check(
            custom_fields.validate,
            ticket_type,
            given,
            for_customer=not is_staff,
            category_id=category.pk if category is not None else None,
        )
    errors.raise_any()
    field_uploads = field_files.uploads(values)
    html, text = message_bodies(body, body_html, markdown=markdown)
    if organization is None:
        organization = requester.organizations.order_by("pk").first()
    now = created_at or clock.now()
    files = [*attachments, *(upload for _key, upload in field_uploads)]
    with files_stored_first(files) as stored, transaction.atomic():
        values = field_files.with_stored(
            values, [key for key, _upload in field_uploads], stored[len(attachments) :]
        )
        status = status or workflow.default_status()
        ticket = Ticket.objects.create(
            # a provisional number until the end of the transaction: the counter is taken
            # last, so concurrent creators wait on it only for the last few statements
            number=provisional_number(),
            subject=subject,
            description=text,
            requester=requester,
            organization=organization,
            team=team,
            assignee=assignee,
            ticket_type=ticket_type,
            category=category,
            business_area=business_area,
            channel=channel,
            urgency=urgency,
            impact=impact,
            priority=priority_override or priority.compute_priority(urgency, impact),
            priority_overridden=priority_override is not None,
            status=status,
            status_category=status.category,
            custom_fields={k: v for k, v in values.items() if not isinstance(v, GivenFile)},
            created_at=now,
            updated_at=now,
            last_message_at=now,
            last_customer_message_at=now if from_requester else None,
        )
        first_message = Message.objects.create(
            ticket=ticket,
            kind=MessageKind.PUBLIC,
            author_user=None if from_requester else actor,
            author_contact=requester if from_requester else None,
            body_html=html,
            body_text=text,
            channel=channel,
            external_message_id=external_message_id[:998],
            is_customer_message=from_requester,
            created_at=now,
        )
        for stored_file in stored[: len(attachments)]:
            store_attachment(ticket, first_message, stored_file)
        ticket.custom_fields = field_files.attach(ticket, values)
        cc_list = [c for c in cc if c.pk != requester.pk]
        if cc_list:
            ticket.cc.add(*cc_list)
        if (
            actor is not None
            and is_staff
            and team is None
            and assignee is None
            and not policy.sees_triage(actor)
        ):
            # the agent who opened it must not lose it: outside the triage teams they watch it
            ticket.watchers.add(actor)
        tag_list = list(tags)
        tag_names = apply_tags(ticket, add=tag_list) if tag_list else []
        ticket.number = take_next_number()
        Ticket.objects.filter(pk=ticket.pk).update(
            number=ticket.number, custom_fields=ticket.custom_fields
        )
        record(
            ticket,
            EventKind.CREATED,
            actor,
            actor_contact=requester if not is_staff else None,
            message=first_message,
            data={
                "channel": channel,
                "status": status.key,
                "priority": ticket.priority,
                "team_id": team.pk if team else None,
                "team_source": team_source,
                "assignee_id": assignee.pk if assignee else None,
                "tags": tag_names,
            },
        )
        publish("ticket.created", ticket, actor, message_id=first_message.pk)
    return ticket
