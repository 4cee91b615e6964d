"""The one ingestion path for every way mail comes in (pipe, IMAP, SMTP/LMTP).

1. Store the raw bytes (own transaction): from then on the message cannot be lost.
2. Parse and process (second transaction) through tickets.actions; any failure rolls that
   transaction back and quarantines the stored message with the reason; `reprocess` retries.
Idempotent: a second delivery of the same message (same Message-ID, same content hash) is
recorded as a duplicate and changes nothing; different content under one Message-ID is kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import traceback
from email.parser import BytesHeaderParser
from email.policy import compat32

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.actions import get_or_create_contact
from ticketdesk.accounts.models import Contact, User
from ticketdesk.core import clock
from ticketdesk.core.errors import DomainError
from ticketdesk.core.html import text_to_html
from ticketdesk.tickets import actions, workflow
from ticketdesk.tickets.models import (
    Channel,
    LinkKind,
    Message,
    StatusCategory,
    Ticket,
)

from . import loops
from .conversation import Thread, find_thread, sender_allowed
from .models import (
    ClosedReplyRule,
    InboundEmail,
    InboundState,
    Mailbox,
    OutboundEmail,
    Source,
    ThreadReason,
)
from .parsing import ParsedEmail, content_hash, first_message_id, parse

logger = logging.getLogger(__name__)
DONE_STATES = (InboundState.PROCESSED, InboundState.DUPLICATE, InboundState.IGNORED)
SAVED_FIELDS = [
    "mailbox",
    "from_address",
    "subject",
    "limits_noted",
    "no_auto_reply",
    "state",
    "reason",
    "ticket",
    "message",
    "thread_reason",
    "attempts",
    "processed_at",
]


def ingest(
    raw: bytes,
    *,
    mailbox: Mailbox | None = None,
    source: str = Source.PIPE,
    envelope_from: str = "",
    envelope_to: list[str] | tuple[str, ...] = (),
) -> InboundEmail:
    """Store `raw`, then process it. Raises only when the raw message could not be stored
    (the database is unavailable): the caller must then ask the sender to retry."""
    inbound = store(
        raw,
        mailbox=mailbox,
        source=source,
        envelope_from=envelope_from,
        envelope_to=envelope_to,
    )
    if inbound.state == InboundState.RECEIVED:
        inbound = process(inbound)
    return inbound


def _header_message_id(raw: bytes) -> str:
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
        return first_message_id(str(headers.get("message-id", "") or ""))
    except Exception:
        return ""


def store(
    raw: bytes,
    *,
    mailbox: Mailbox | None,
    source: str,
    envelope_from: str = "",
    envelope_to: list[str] | tuple[str, ...] = (),
) -> InboundEmail:
    message_id = _header_message_id(raw)
    digest = content_hash(raw)
    key = f"{hashlib.sha256(message_id.encode('utf-8', 'replace')).hexdigest()}:{digest}"
    fields = {
        "mailbox": mailbox,
        "source": source,
        "raw": raw,
        "size": len(raw),
        "sha256": digest,
        "email_message_id": message_id,
        "envelope_from": envelope_from[:998],
        "envelope_to": "\n".join(envelope_to),
        "received_at": clock.now(),
    }
    with transaction.atomic():
        try:
            with transaction.atomic():
                return InboundEmail.objects.create(dedupe_key=key, **fields)
        except IntegrityError:
            original = InboundEmail.objects.filter(dedupe_key=key).first()
        return InboundEmail.objects.create(
            state=InboundState.DUPLICATE,
            duplicate_of=original,
            ticket_id=original.ticket_id if original else None,
            message_id=original.message_id if original else None,
            processed_at=clock.now(),
            reason=_("Already received (same Message-ID and content)."),
            **fields,
        )


def process(inbound: InboundEmail) -> InboundEmail:
    """Process a stored message; on failure quarantine it with the reason."""
    try:
        with transaction.atomic():
            locked = InboundEmail.objects.select_for_update().get(pk=inbound.pk)
            if locked.state in DONE_STATES:
                return locked
            _process(locked)
            locked.attempts += 1
            locked.processed_at = clock.now()
            locked.save(update_fields=SAVED_FIELDS)
            return locked
    except Exception as exc:
        reason = _describe(exc)
        logger.warning("email %s quarantined: %s", inbound.pk, reason)
        InboundEmail.objects.filter(pk=inbound.pk).update(
            state=InboundState.QUARANTINED,
            reason=reason,
            attempts=F("attempts") + 1,
            processed_at=clock.now(),
        )
        return InboundEmail.objects.get(pk=inbound.pk)


def reprocess(inbound: InboundEmail) -> InboundEmail:
    """Try a quarantined (or stuck) message again."""
    if inbound.state in DONE_STATES:
        return inbound
    InboundEmail.objects.filter(pk=inbound.pk, state=InboundState.QUARANTINED).update(
        state=InboundState.RECEIVED
    )
    return process(inbound)


def retry_stuck(older_than_seconds: int = 300, limit: int = 100) -> int:
    """Process messages left in `received` (e.g. the database failed between the two steps)."""
    cutoff = clock.now() - dt.timedelta(seconds=older_than_seconds)
    pending = InboundEmail.objects.filter(
        state=InboundState.RECEIVED, received_at__lt=cutoff
    ).order_by("received_at", "id")[:limit]
    count = 0
    for inbound in pending:
        process(inbound)
        count += 1
    return count


def _describe(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        text = f"{type(exc).__name__}: {exc.message}"
        if getattr(exc, "fields", None):
            text += f" {exc.fields}"
        return text
    frames = traceback.format_exception_only(type(exc), exc)
    return "".join(frames).strip()[:4000]


def _set(inbound: InboundEmail, state: str, reason: str = "") -> None:
    inbound.state = state
    inbound.reason = reason


def _process(inbound: InboundEmail) -> None:
    parsed = parse(bytes(inbound.raw))
    inbound.from_address = parsed.from_address[:320]
    inbound.subject = parsed.subject[:250]
    inbound.limits_noted = parsed.dropped
    mailboxes = list(Mailbox.objects.select_related("team", "ticket_type", "category"))
    ours = loops.our_addresses(mailboxes)
    if inbound.mailbox is None:
        inbound.mailbox = match_mailbox(parsed, inbound.envelope_to, mailboxes)
    if parsed.from_address.lower() in ours:
        _set(inbound, InboundState.IGNORED, _("Sent from one of our own addresses."))
        return
    inbound.no_auto_reply = loops.no_auto_reply_reason(parsed)[:200]
    if loops.is_bounce(parsed):
        _record_bounce(inbound, parsed)
        return
    contact = get_or_create_contact(parsed.from_address, parsed.from_name)
    agent = (
        User.objects.filter(email__iexact=parsed.from_address, is_active=True)
        .exclude(role="customer")
        .order_by("pk")
        .first()
    )
    if agent is not None and not policy.is_staff_member(agent):
        agent = None
    thread = find_thread(parsed, contact, agent)
    thread = _closed_rule(thread, inbound.mailbox)
    cc = _cc_contacts(parsed, ours, contact)
    message: Message | None
    if thread.ticket is not None:
        message = _add_to_ticket(thread.ticket, parsed, contact, agent, cc)
        ticket = thread.ticket
    else:
        ticket = _open(parsed, inbound.mailbox, contact, cc, thread)
        message = Message.objects.filter(ticket=ticket).order_by("id").first()
    inbound.ticket = ticket
    inbound.message = message
    inbound.thread_reason = thread.reason
    _set(inbound, InboundState.PROCESSED)


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
        if address.lower() in by_address:
            return by_address[address.lower()]
    return None


def _closed_rule(thread: Thread, mailbox: Mailbox | None) -> Thread:
    ticket = thread.ticket
    if ticket is None or ticket.status_category != StatusCategory.CLOSED:
        return thread
    rule = mailbox.closed_reply_rule if mailbox else ClosedReplyRule.FOLLOW_UP
    if rule == ClosedReplyRule.REOPEN and _can_reopen(ticket):
        return thread
    return Thread(None, ThreadReason.FOLLOW_UP, related=ticket)


def _can_reopen(ticket: Ticket) -> bool:
    try:
        target = workflow.status_for_category(StatusCategory.OPEN)
    except DomainError:
        return False
    return workflow.is_allowed(ticket.status, target)


def _cc_contacts(parsed: ParsedEmail, ours: set[str], sender: Contact) -> list[Contact]:
    contacts = []
    for _name, address in parsed.cc[:20]:
        if address.lower() in ours or address.lower() == sender.email.lower():
            continue
        if loops.is_robot_address(address):
            continue
        try:
            contacts.append(get_or_create_contact(address, _name))
        except DomainError:
            continue
    return contacts


def _body(parsed: ParsedEmail) -> tuple[str, str]:
    html, text = parsed.body_html, parsed.body_text
    if parsed.dropped:
        notes = "\n".join(parsed.dropped)
        html += '<div class="limit-note">' + text_to_html(notes) + "</div>"
        text = f"{text}\n\n{notes}".strip()
    if not text.strip() and not parsed.attachments:
        text = _("(empty message)")
        html = text_to_html(text)
    return html, text


def _add_to_ticket(
    ticket: Ticket,
    parsed: ParsedEmail,
    contact: Contact,
    agent: User | None,
    cc: list[Contact],
) -> Message:
    html, text = _body(parsed)
    files = parsed.attachments
    if agent is not None and policy.can(agent, policy.REPLY, ticket):
        message = actions.reply(
            ticket,
            actor=agent,
            body=text,
            body_html=html,
            attachments=files,
            channel=Channel.EMAIL,
            external_message_id=parsed.message_id,
        )
    elif agent is not None and policy.can(agent, policy.ADD_NOTE, ticket):
        message = actions.add_note(
            ticket, actor=agent, body=text, body_html=html, attachments=files, channel=Channel.EMAIL
        )
    else:
        message = actions.reply(
            ticket,
            actor=None,
            author_contact=contact,
            body=text,
            body_html=html,
            attachments=files,
            channel=Channel.EMAIL,
            external_message_id=parsed.message_id,
        )
    if cc and (agent is not None or sender_allowed(ticket, contact, None)):
        for cc_contact in cc:
            actions.add_cc(ticket, cc_contact, actor=None)
    return message


def _open(
    parsed: ParsedEmail,
    mailbox: Mailbox | None,
    contact: Contact,
    cc: list[Contact],
    thread: Thread,
) -> Ticket:
    html, text = _body(parsed)
    related = thread.related
    team = related.team if related is not None and thread.reason == ThreadReason.FOLLOW_UP else None
    team = team or (mailbox.team if mailbox else None)
    ticket = actions.open_ticket(
        requester=contact,
        subject=parsed.subject or _("(no subject)"),
        channel=Channel.EMAIL,
        actor=None,
        body=text,
        body_html=html,
        team=team,
        ticket_type=mailbox.ticket_type if mailbox else None,
        category=mailbox.category if mailbox else None,
        cc=cc,
        attachments=parsed.attachments,
        external_message_id=parsed.message_id,
    )
    if related is not None:
        kind = LinkKind.FOLLOW_UP if thread.reason == ThreadReason.FOLLOW_UP else LinkKind.RELATED
        actions.link(ticket, related, kind, actor=None)
    return ticket


def _record_bounce(inbound: InboundEmail, parsed: ParsedEmail) -> None:
    """A delivery report is attached, as an internal note, to the ticket whose mail bounced;
    it never opens a ticket."""
    sent = (
        OutboundEmail.objects.filter(email_message_id__in=parsed.report_refs[:20])
        .select_related("ticket")
        .first()
    )
    if sent is None:
        _set(inbound, InboundState.IGNORED, _("Delivery report about mail we did not send."))
        return
    sent.bounced_at = clock.now()
    sent.save(update_fields=["bounced_at"])
    body = _("Delivery of our mail to %(to)s failed.") % {"to": sent.recipients or "?"}
    if parsed.report_text:
        body += "\n\n" + parsed.report_text
    note = actions.add_note(
        sent.ticket,
        actor=None,
        body=body,
        markdown=False,
        channel=Channel.EMAIL,
    )
    inbound.ticket = sent.ticket
    inbound.message = note
    inbound.thread_reason = ThreadReason.BOUNCE
    _set(inbound, InboundState.PROCESSED, _("Delivery report"))
