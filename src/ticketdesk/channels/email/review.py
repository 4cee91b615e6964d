"""An administrator's decisions on mail held for review (see `trust`): post it as a
customer-side message, post it as the agent's own message, or reject it."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import User
from ticketdesk.core import clock
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.tickets.models import Ticket

from . import trust
from .conversation import by_headers, by_token
from .ingest import RELEASE_AS_AGENT, RELEASE_AS_CUSTOMER, process
from .models import InboundEmail, InboundState
from .parsing import parse


def release_candidate(inbound: InboundEmail) -> User | None:
    """The agent a held mail can be released as (its From names one, and cleanly)."""
    if inbound.state != InboundState.HELD:
        return None
    try:
        parsed = parse(bytes(inbound.raw))
    except Exception:
        return None
    if parsed.sender_problem:
        return None
    return trust.staff_user_for(parsed.from_address)


def probable_ticket(inbound: InboundEmail) -> Ticket | None:
    """The ticket held mail would go to when released (by its reply headers, else the
    ticket token in its subject); None when it would open a new ticket."""
    if inbound.state != InboundState.HELD:
        return None
    try:
        parsed = parse(bytes(inbound.raw))
    except Exception:
        return None
    return by_headers(parsed) or by_token(parsed.subject)


def release(inbound: InboundEmail, *, as_agent: bool, actor: User) -> InboundEmail:
    """An administrator's decision on held mail: post it as a customer-side message from
    its From address, or (`as_agent`) as the message of the agent whose address it is."""
    policy.require(actor, policy.ADMINISTER)
    if inbound.state != InboundState.HELD:
        raise ValidationFailed(_("Only mail held for review can be released."))
    agent = release_candidate(inbound) if as_agent else None
    if as_agent and agent is None:
        raise ValidationFailed(_("This mail cannot be released as an agent's message."))
    done = process(inbound, release=RELEASE_AS_AGENT if as_agent else RELEASE_AS_CUSTOMER)
    if done.state == InboundState.PROCESSED:
        if agent is not None:
            note = _("Released by %(admin)s as the message of %(agent)s.") % {
                "admin": actor.display_name,
                "agent": agent.display_name,
            }
        else:
            note = _("Released by %(admin)s as a message from %(address)s.") % {
                "admin": actor.display_name,
                "address": done.from_address,
            }
        InboundEmail.objects.filter(pk=done.pk).update(reason=note)
        done.reason = note
    return done


def reject(inbound: InboundEmail, *, actor: User) -> InboundEmail:
    """An administrator's decision on held mail: drop it (the raw message is kept)."""
    policy.require(actor, policy.ADMINISTER)
    with transaction.atomic():
        locked = InboundEmail.objects.select_for_update().get(pk=inbound.pk)
        if locked.state != InboundState.HELD:
            raise ValidationFailed(_("Only mail held for review can be rejected."))
        note = _("Rejected by %(admin)s.") % {"admin": actor.display_name}
        locked.state = InboundState.REJECTED
        locked.reason = f"{note} {locked.reason}".strip()
        locked.processed_at = clock.now()
        locked.save(update_fields=["state", "reason", "processed_at"])
    return locked
