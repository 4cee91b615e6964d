"""Who sent this mail? The From header alone never makes a mail an agent's message.

Mail whose From belongs to a staff user (admin, agent or light agent: `policy.is_staff_member`)
is taken as that user's message only when
1. it came to a signed reply address made for that user on that ticket
   (`reply_address.reply_address_for`), or
2. an Authentication-Results header (RFC 8601) added by one of our own mail servers (its
   authserv-id in `TICKETDESK_MAIL_TRUSTED_AUTHSERV_ID`) says `dmarc=pass` for the From
   domain, or `dkim=pass` with a signing domain aligned with it. Headers of any other
   authserv-id are never read, and a trusted `dmarc` result other than `pass` wins over any
   `pass`.
Otherwise the mail is held for review. A From (or Sender) header with parse defects names
nobody: such mail is held too, whoever it seems to come from.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import authres
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import STAFF_ROLES, User
from ticketdesk.core.config_cache import cached

from .conversation import by_headers, by_token, follow_merges
from .models import SenderCheck
from .parsing import ParsedEmail
from .reply_address import ReplyToken, find_tokens

logger = logging.getLogger(__name__)


@dataclass
class Sender:
    """The verdict on a mail's sender."""

    agent: User | None = None  # the staff user whose message this is (authenticated)
    claimed_agent: User | None = None  # the staff user the From names, authenticated or not
    check: str = SenderCheck.NONE
    token: ReplyToken | None = None  # the signed reply address it came to
    held_reason: str = ""  # non-empty: hold the mail for review
    notes: list[str] = field(default_factory=list)

    @property
    def held(self) -> bool:
        return bool(self.held_reason)


def staff_user_for(address: str) -> User | None:
    """The active staff user (admin, agent, light agent) with this address, if any (from the
    configuration cache, cleared when a user is saved: no query per message)."""
    return cached("email_staff_by_address", _staff_by_address).get(address.strip().lower())


def _staff_by_address() -> dict[str, User]:
    found: dict[str, User] = {}
    staff = User.objects.filter(Q(role__in=STAFF_ROLES) | Q(is_superuser=True), is_active=True)
    for user in staff.order_by("pk"):
        if user.email and policy.is_staff_member(user):
            found.setdefault(user.email.strip().lower(), user)
    return found


def identify(parsed: ParsedEmail, envelope_to: list[str], ours: set[str]) -> Sender:
    if parsed.sender_problem:
        return Sender(
            held_reason=_(
                "The sender header is malformed (%(problem)s): whoever it seems to come from "
                "is a guess of the parser, so the mail is attributed to nobody."
            )
            % {"problem": parsed.sender_problem[:300]}
        )
    staff = staff_user_for(parsed.from_address)
    if staff is None:
        return Sender()
    recipients = [
        *envelope_to,
        *(address for _name, address in (*parsed.to, *parsed.cc)),
        *parsed.delivered_to,
    ]
    search = find_tokens(recipients, ours)
    other_ticket = False
    for token in search.valid:
        if token.user_id != staff.pk:
            continue
        if _names_another_ticket(parsed, token):
            other_ticket = True
            continue
        return Sender(
            agent=staff, claimed_agent=staff, check=SenderCheck.REPLY_ADDRESS, token=token
        )
    verdict = mta_verdict(parsed)
    if verdict:
        return Sender(agent=staff, claimed_agent=staff, check=verdict)
    if other_ticket:
        why = _("its signed reply address is for another ticket")
    elif search.valid:
        why = _("its signed reply address belongs to another agent")
    elif search.invalid:
        why = _("its reply address carries a signature that is not valid")
    else:
        why = _("it came neither to a signed reply address nor with a passing DMARC/DKIM result")
    return Sender(
        claimed_agent=staff,
        held_reason=_(
            "From the address of %(name)s (%(role)s), but not authenticated: %(why)s. "
            "Held: it was not posted and nothing was sent."
        )
        % {"name": staff.display_name, "role": staff.get_role_display(), "why": why},
    )


def _names_another_ticket(parsed: ParsedEmail, token: ReplyToken) -> bool:
    """The mail's headers or subject token name a ticket other than the token's."""
    signed = follow_merges(token.ticket_id)
    named = by_headers(parsed) or by_token(parsed.subject)
    return signed is None or (named is not None and named.pk != signed.pk)


def _properties(result: authres.AuthenticationResult) -> dict[str, str]:
    return {
        f"{prop.type}.{prop.name}".lower(): str(prop.value or "").strip().lower()
        for prop in result.properties
    }


def _aligned(signer: str, domain: str) -> bool:
    """The DKIM signing domain is the From domain or one of its parents (not a bare TLD)."""
    signer = signer.strip().strip(".")
    return "." in signer and (domain == signer or domain.endswith("." + signer))


def mta_verdict(parsed: ParsedEmail) -> str:
    """SenderCheck.DMARC / DKIM when a trusted Authentication-Results vouches for the From
    domain, else ""."""
    trusted = set(settings.TICKETDESK.get("MAIL_TRUSTED_AUTHSERV_IDS") or [])
    if not trusted or "@" not in parsed.from_address:
        return ""
    domain = parsed.from_address.rsplit("@", 1)[1].strip().lower()
    dmarc_pass = dmarc_other = dkim_aligned = False
    for value in parsed.authentication_results:
        try:
            header = authres.AuthenticationResultsHeader.parse_value(value)
        except Exception as exc:  # unparseable: it vouches for nothing
            logger.info("unreadable Authentication-Results header ignored: %s", exc)
            continue
        if str(header.authserv_id or "").lower() not in trusted:
            continue
        for result in header.results:
            method = str(result.method or "").lower()
            outcome = str(result.result or "").lower()
            props = _properties(result)
            if method == "dmarc":
                if outcome == "pass" and props.get("header.from") == domain:
                    dmarc_pass = True
                else:
                    dmarc_other = True
            elif method == "dkim" and outcome == "pass":
                signer = props.get("header.d") or props.get("header.i", "").rpartition("@")[2]
                dkim_aligned = dkim_aligned or _aligned(signer, domain)
    if dmarc_other:
        return ""
    if dmarc_pass:
        return SenderCheck.DMARC
    return SenderCheck.DKIM if dkim_aligned else ""
