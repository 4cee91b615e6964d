"""Reads of the email channel: the admin pages, and the received mail behind a message or a
ticket (for the mail we send)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.core.errors import NotFound
from ticketdesk.core.pagination import Page, keyset_page

from .models import InboundEmail, InboundState, Mailbox, OutboundEmail

# the default view of /mail/: what an administrator has to decide about
NEEDS_REVIEW = "review"
REVIEW_STATES = (InboundState.HELD, InboundState.QUARANTINED)
LIST_FIELDS = (
    "id",
    "state",
    "reason",
    "received_at",
    "from_address",
    "subject",
    "email_message_id",
    "source",
    "size",
    "attempts",
    "thread_reason",
    "mailbox__address",
    "ticket__number",
    "duplicate_of",
    "duplicate_of__from_address",
    "duplicate_of__subject",
)


def _originals() -> QuerySet[InboundEmail]:
    """Received mail that is not a second delivery of another: a duplicate row records that a
    message came again, it never stands for the message (its sender, limits, ...)."""
    return InboundEmail.objects.filter(duplicate_of__isnull=True).exclude(
        state=InboundState.DUPLICATE
    )


def original_inbound_for_message(message_id: int) -> InboundEmail | None:
    """The received mail that became ticket message `message_id` (None for messages that did
    not come by mail); never a duplicate delivery of it."""
    return (
        _originals()
        .filter(message_id=message_id)
        .select_related("mailbox", "ticket", "ticket__requester", "message")
        .order_by("id")
        .first()
    )


def original_inbound_for_ticket(ticket_id: int) -> InboundEmail | None:
    """The first received mail of ticket `ticket_id` that came in on a mailbox (which mailbox
    a ticket belongs to); never a duplicate delivery."""
    return (
        _originals()
        .filter(ticket_id=ticket_id)
        .exclude(mailbox=None)
        .select_related("mailbox")
        .order_by("id")
        .first()
    )


def inbound_page(
    user: object, *, state: str, cursor: str | None, limit: int = 50
) -> Page[InboundEmail]:
    policy.require(user, policy.ADMINISTER)
    queryset = InboundEmail.objects.select_related("mailbox", "ticket", "duplicate_of").only(
        *LIST_FIELDS
    )
    if state == NEEDS_REVIEW:
        queryset = queryset.filter(state__in=REVIEW_STATES)
    elif state in InboundState.values:
        queryset = queryset.filter(state=state)
    return keyset_page(queryset, ["-received_at", "-id"], cursor=cursor, limit=limit)


def inbound_detail(user: object, pk: int) -> InboundEmail:
    policy.require(user, policy.ADMINISTER)
    inbound = (
        InboundEmail.objects.select_related("mailbox", "ticket", "message", "duplicate_of")
        .filter(pk=pk)
        .first()
    )
    if inbound is None:
        raise NotFound(_("This message does not exist."))
    return inbound


def mailboxes(user: object) -> QuerySet[Mailbox]:
    policy.require(user, policy.ADMINISTER)
    return Mailbox.objects.select_related("team", "ticket_type", "category").order_by("address")


def outbound_page(
    user: object, *, failing: bool, cursor: str | None, limit: int = 50
) -> Page[OutboundEmail]:
    """Mail we sent (or failed to send: `failing`), newest first."""
    policy.require(user, policy.ADMINISTER)
    queryset = OutboundEmail.objects.select_related("ticket", "mail")
    if failing:
        queryset = queryset.exclude(mail__status="sent")
    return keyset_page(queryset, ["-created_at", "-id"], cursor=cursor, limit=limit)
