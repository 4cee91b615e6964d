"""Which of our mailboxes a received mail is for: the configured mailboxes (from the
per-process configuration cache) and the first recipient that is one of them."""

from __future__ import annotations

from ticketdesk.core.config_cache import cached

from .models import Mailbox
from .parsing import ParsedEmail
from .reply_address import split_tag


def configured_mailboxes() -> list[Mailbox]:
    """Every mailbox with its team, ticket type and category, from the per-process
    configuration cache (cleared when a mailbox, team, type or category is saved)."""
    return cached(
        "email_mailboxes",
        lambda: list(Mailbox.objects.select_related("team", "ticket_type", "category")),
    )


def match_mailbox(
    parsed: ParsedEmail, envelope_to: str, mailboxes: list[Mailbox] | None = None
) -> Mailbox | None:
    """The mailbox of the first recipient (envelope first, then To and Cc) that is ours."""
    candidates = [a for a in envelope_to.split("\n") if a]
    candidates += [address for _name, address in (*parsed.to, *parsed.cc)]
    if mailboxes is None:
        mailboxes = list(Mailbox.objects.all())
    by_address = {m.address.lower(): m for m in mailboxes}
    for address in candidates:
        base, _tag = split_tag(address)  # support+anything@ is delivered to support@
        if base in by_address:
            return by_address[base]
    return None
