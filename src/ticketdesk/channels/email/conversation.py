"""Threading: which ticket an inbound mail belongs to, and why.

1. In-Reply-To / References against Message-IDs we received (ticket messages) and sent.
2. The subject token "[#1042]", only when the sender may write on that ticket (requester, CC
   or an agent who can see it); a token from anyone else opens a new ticket that is NOT
   linked to #1042 (a link would show #1042's subject to someone who may not see it, and
   guessing numbers would enumerate them).
3. Otherwise a new ticket.
(An agent's mail to a signed reply address is threaded to its ticket before all this, see
ingest._thread.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Contact, User
from ticketdesk.tickets.models import Message, Ticket
from ticketdesk.tickets.numbering import parse_number

from .models import InboundEmail, InboundState, OutboundEmail, ThreadReason
from .parsing import ParsedEmail

MAX_REFERENCES = 50


@dataclass
class Thread:
    ticket: Ticket | None
    reason: str
    related: Ticket | None = None  # the closed ticket a follow-up is linked to
    refused: Ticket | None = None  # named by a token the sender may not use (not linked)


def find_thread(parsed: ParsedEmail, contact: Contact, agent: User | None) -> Thread:
    ticket = by_headers(parsed)
    if ticket is not None:
        return Thread(ticket, ThreadReason.HEADER)
    ticket = by_token(parsed.subject)
    if ticket is not None:
        if sender_allowed(ticket, contact, agent):
            return Thread(ticket, ThreadReason.TOKEN)
        return Thread(None, ThreadReason.NEW, refused=ticket)
    return Thread(None, ThreadReason.NEW)


def by_headers(parsed: ParsedEmail) -> Ticket | None:
    ids = [*reversed(parsed.in_reply_to), *reversed(parsed.references)]
    ids = [i for i in dict.fromkeys(ids) if i][:MAX_REFERENCES]
    if not ids:
        return None
    found: dict[str, int] = {}
    # sources in order of precedence; once the most recent reference is found, the later
    # sources cannot change the answer and are not asked
    for message_id, ticket_id in Message.objects.filter(external_message_id__in=ids).values_list(
        "external_message_id", "ticket_id"
    ):
        found.setdefault(message_id, ticket_id)
    if ids[0] not in found:
        for message_id, moved_to, ticket_id in OutboundEmail.objects.filter(
            email_message_id__in=ids
        ).values_list("email_message_id", "message__ticket_id", "ticket_id"):
            found.setdefault(message_id, moved_to or ticket_id)
    if ids[0] not in found:
        for message_id, moved_to, ticket_id in (
            InboundEmail.objects.filter(email_message_id__in=ids, state=InboundState.PROCESSED)
            .exclude(ticket=None)
            .values_list("email_message_id", "message__ticket_id", "ticket_id")
        ):
            found.setdefault(message_id, moved_to or ticket_id)
    for message_id in ids:
        if message_id in found:
            return follow_merges(found[message_id])
    return None


def follow_merges(ticket_id: int) -> Ticket | None:
    ticket = Ticket.objects.select_related("status").filter(pk=ticket_id).first()
    for _hop in range(10):
        if ticket is None or ticket.merged_into_id is None:
            break
        ticket = Ticket.objects.select_related("status").filter(pk=ticket.merged_into_id).first()
    return ticket


def token_pattern() -> re.Pattern[str]:
    prefix = re.escape(settings.TICKETDESK["TICKET_PREFIX"])
    return re.compile(rf"\[({prefix}\d{{1,18}})\]")


def by_token(subject: str) -> Ticket | None:
    match = token_pattern().search(subject or "")
    if match is None:
        return None
    number = parse_number(match.group(1))
    if number is None:
        return None
    ticket = Ticket.objects.filter(number=number).values_list("pk", flat=True).first()
    return follow_merges(ticket) if ticket is not None else None


def sender_allowed(ticket: Ticket, contact: Contact, agent: User | None) -> bool:
    if agent is not None and policy.can(agent, policy.VIEW, ticket):
        return True
    if ticket.requester_id == contact.pk:
        return True
    return ticket.cc.filter(pk=contact.pk).exists()
