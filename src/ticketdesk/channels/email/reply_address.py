"""Signed reply addresses: how an agent answers a ticket by mail without us trusting a From.

`reply_address_for(ticket, user)` is the mailbox address with a tag (plus addressing):
`support+r1042-7-<mac>@example.com`, where the mac is an HMAC (SHA-256, keyed by SECRET_KEY)
of the ticket id and the user id. Only we can make it; it names one agent on one ticket.
Notification mails to agents carry it as Reply-To, so the agent's "Reply" goes to it; the MTA
delivers `support+anything@` to `support@` (Postfix `recipient_delimiter = +`), and the tag is
found again in the envelope recipient, To, Cc, Delivered-To or X-Original-To.

The address is a credential for that agent on that ticket: it is never shown to customers.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from ticketdesk.accounts.models import User
from ticketdesk.tickets.models import Ticket

from . import queries
from .models import Mailbox

SALT = "ticketdesk.channels.email.reply_address"
MAC_CHARS = 24  # 120 bits, lower-case base32: survives MTAs that lower-case local parts
_TAG = re.compile(rf"^r(\d{{1,18}})-(\d{{1,18}})-([a-z2-7]{{{MAC_CHARS}}})$")


@dataclass(frozen=True)
class ReplyToken:
    ticket_id: int
    user_id: int


def _mac(ticket_id: int, user_id: int) -> str:
    digest = salted_hmac(SALT, f"{ticket_id}:{user_id}", algorithm="sha256").digest()
    return base64.b32encode(digest[:15]).decode("ascii").lower()


def base_address_for(ticket: Ticket) -> str:
    """The mailbox the ticket came in on, else one of its team, else any active mailbox, else
    DEFAULT_FROM_EMAIL."""
    original = queries.original_inbound_for_ticket(ticket.pk)
    mailbox = original.mailbox if original is not None else None
    if mailbox is None or not mailbox.active:
        active = Mailbox.objects.filter(active=True).order_by("pk")
        mailbox = (
            active.filter(team_id=ticket.team_id).first() if ticket.team_id else None
        ) or active.first()
    if mailbox is not None:
        return mailbox.address
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def reply_address_for(ticket: Ticket, user: User) -> str:
    """The address at which `user`'s mail is accepted as their own message on `ticket`."""
    local, _at, domain = base_address_for(ticket).rpartition("@")
    tag = f"r{ticket.pk}-{user.pk}-{_mac(ticket.pk, user.pk)}"
    return f"{local}+{tag}@{domain}"


def split_tag(address: str) -> tuple[str, str]:
    """("support@example.com", "r1042-7-...") for "support+r1042-7-...@example.com";
    (address, "") without a tag."""
    local, at, domain = address.strip().rpartition("@")
    if not at or "+" not in local:
        return address.strip().lower(), ""
    base_local, _plus, tag = local.rpartition("+")
    return f"{base_local}@{domain}".lower(), tag.lower()


@dataclass
class TokenSearch:
    valid: list[ReplyToken]
    invalid: int  # tags shaped like ours whose mac is wrong (tampered, guessed)


def find_tokens(addresses: Iterable[str], ours: set[str]) -> TokenSearch:
    """The valid reply tokens among `addresses` (only on our own mailbox addresses)."""
    found = TokenSearch(valid=[], invalid=0)
    for address in list(dict.fromkeys(a.strip().lower() for a in addresses if a))[:50]:
        base, tag = split_tag(address)
        match = _TAG.match(tag) if tag and base in ours else None
        if match is None:
            continue
        ticket_id, user_id = int(match.group(1)), int(match.group(2))
        if constant_time_compare(match.group(3), _mac(ticket_id, user_id)):
            token = ReplyToken(ticket_id, user_id)
            if token not in found.valid:
                found.valid.append(token)
        else:
            found.invalid += 1
    return found
