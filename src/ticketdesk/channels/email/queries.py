"""Reads of the email channel (admin pages)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.core.errors import NotFound
from ticketdesk.core.pagination import Page, keyset_page

from .models import InboundEmail, InboundState, Mailbox, OutboundEmail

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
)


def inbound_page(
    user: object, *, state: str, cursor: str | None, limit: int = 50
) -> Page[InboundEmail]:
    policy.require(user, policy.ADMINISTER)
    queryset = InboundEmail.objects.select_related("mailbox", "ticket").only(*LIST_FIELDS)
    if state in InboundState.values:
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
