"""The one ingestion path for every way mail comes in (pipe, IMAP, SMTP/LMTP).

1. Store the raw bytes (own transaction): from then on the message cannot be lost.
2. Parse and process (second transaction) through tickets.actions; a failure caused by the
   message (a bug, a validation error) rolls that transaction back and quarantines the stored
   message with the reason; `reprocess` retries. A failure of the database itself leaves the
   message `received` and raises, so that the sender delivers it again: that delivery (or the
   periodic `retry_stuck`) processes the stored message.
3. Mail from an agent's address that is not authenticated (see `trust`), and mail whose From
   is malformed, is held for review: nothing is posted or sent until an administrator
   releases or rejects it.
Idempotent: a second delivery of a processed message (same Message-ID, same content hash) is
recorded as a duplicate and changes nothing; different content under one Message-ID is kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import traceback
from email.parser import BytesHeaderParser
from email.policy import compat32

from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.actions import get_or_create_contact
from ticketdesk.accounts.models import Contact, User
from ticketdesk.core import clock, metrics, outbox
from ticketdesk.core.errors import DomainError, ValidationFailed
from ticketdesk.core.html import text_to_html
from ticketdesk.tickets import actions, workflow
from ticketdesk.tickets.models import (
    Channel,
    LinkKind,
    Message,
    StatusCategory,
    Ticket,
)

from . import loops, trust
from .conversation import Thread, find_thread, follow_merges, sender_allowed
from .mailboxes import configured_mailboxes, match_mailbox
from .models import (
    ClosedReplyRule,
    InboundEmail,
    InboundState,
    Mailbox,
    OutboundEmail,
    SenderCheck,
    Source,
    ThreadReason,
)
from .parsing import ParsedEmail, content_hash, first_message_id, parse
from .reply_address import split_tag

logger = logging.getLogger(__name__)
DONE_STATES = (
    InboundState.PROCESSED,
    InboundState.DUPLICATE,
    InboundState.IGNORED,
    InboundState.REJECTED,
)
# failures of the database itself, not of the message: the message stays `received`
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
RELEASE_AS_CUSTOMER = "customer"
RELEASE_AS_AGENT = "agent"
SAVED_FIELDS = [
    "sender_check",
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
    """Store `raw`, then process it. Raises when the database failed, before or after the
    raw message was stored: the caller must then ask the sender to deliver it again (exit
    75, SMTP 451, leave the IMAP message unseen); the redelivery processes the stored
    message."""
    inbound = store(
        raw,
        mailbox=mailbox,
        source=source,
        envelope_from=envelope_from,
        envelope_to=envelope_to,
    )
    if inbound.state == InboundState.RECEIVED:
        inbound = process(inbound)
    metrics.MAIL_RECEIVED.labels(inbound.state).inc()
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
        if original is not None and original.state == InboundState.RECEIVED:
            # stored by an earlier delivery that could not process it (the database failed
            # in between): this delivery processes it
            return original
        # a duplicate row records the second delivery; it never carries the message, so that
        # nothing looking for "the mail behind message N" can take it for the original
        return InboundEmail.objects.create(
            state=InboundState.DUPLICATE,
            duplicate_of=original,
            ticket_id=original.ticket_id if original else None,
            processed_at=clock.now(),
            reason=_("Already received (same Message-ID and content)."),
            **fields,
        )


def process(inbound: InboundEmail, *, release: str = "") -> InboundEmail:
    """Process a stored message; on failure quarantine it with the reason. A failure of the
    database leaves it `received` and raises (see the module docstring)."""
    try:
        with transaction.atomic():
            locked = InboundEmail.objects.select_for_update().get(pk=inbound.pk)
            if locked.state in DONE_STATES or (locked.state == InboundState.HELD and not release):
                return locked
            _process(locked, release=release)
            locked.attempts += 1
            locked.processed_at = clock.now()
            locked.save(update_fields=SAVED_FIELDS)
            return locked
    except TRANSIENT_ERRORS as exc:
        logger.error(
            "email %s is stored but not processed, the database failed: %s. It stays "
            "'received' and is processed when it is delivered again or by the periodic retry.",
            inbound.pk,
            exc,
        )
        raise
    except Exception as exc:
        reason = _describe(exc)
        try:
            InboundEmail.objects.filter(pk=inbound.pk).update(
                state=InboundState.QUARANTINED,
                reason=reason,
                attempts=F("attempts") + 1,
                processed_at=clock.now(),
            )
        except DatabaseError as db_error:
            logger.error(
                "email %s could not be processed (%s) nor quarantined (%s): it stays "
                "'received' and is processed when it is delivered again or by the retry.",
                inbound.pk,
                reason,
                db_error,
            )
            raise
        logger.warning("email %s quarantined: %s", inbound.pk, reason)
        return InboundEmail.objects.get(pk=inbound.pk)


def reprocess(inbound: InboundEmail) -> InboundEmail:
    """Try a quarantined (or stuck) message again."""
    if inbound.state in DONE_STATES or inbound.state == InboundState.HELD:
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
        try:
            process(inbound)
        except TRANSIENT_ERRORS:
            break  # the database is failing again: the next run goes on
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


HELD_TOPIC = "mail.held"


def _set(inbound: InboundEmail, state: str, reason: str = "") -> None:
    inbound.state = state
    inbound.reason = reason


def _process(inbound: InboundEmail, *, release: str = "") -> None:
    parsed = parse(bytes(inbound.raw))
    inbound.from_address = parsed.from_address[:320]
    inbound.subject = parsed.subject[:250]
    inbound.limits_noted = parsed.dropped
    mailboxes = configured_mailboxes()
    ours = loops.our_addresses(mailboxes)
    # the stored row's mailbox from the cached list (with its team, type and category): no
    # query for it, nor for its team when a ticket is opened
    by_id = {m.pk: m for m in mailboxes}
    if inbound.mailbox_id is not None and inbound.mailbox_id in by_id:
        inbound.mailbox = by_id[inbound.mailbox_id]
    if inbound.mailbox_id is None:
        inbound.mailbox = match_mailbox(parsed, inbound.envelope_to, mailboxes)
    if parsed.from_address.lower() in ours:
        _set(inbound, InboundState.IGNORED, _("Sent from one of our own addresses."))
        return
    inbound.no_auto_reply = loops.no_auto_reply_reason(parsed)[:200]
    if loops.is_bounce(parsed):
        _record_bounce(inbound, parsed)
        return
    sender = _sender(parsed, inbound, ours, release)
    if sender.held:
        _set(inbound, InboundState.HELD, sender.held_reason)
        logger.warning("email %s held for review: %s", inbound.pk, sender.held_reason)
        outbox.publish(  # the administrators are told (the notifications consumer)
            HELD_TOPIC,
            {
                "inbound_id": inbound.pk,
                "from": inbound.from_address,
                "subject": inbound.subject,
                "reason": str(sender.held_reason)[:300],
            },
        )
        return
    inbound.sender_check = sender.check
    agent = sender.agent
    contact = get_or_create_contact(parsed.from_address, parsed.from_name)
    thread = _thread(parsed, contact, sender)
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
    reason = ""
    if thread.refused is not None:
        reason = _(
            "The subject names %(number)s, on which this sender may not write: a new ticket "
            "was opened, not linked to it."
        ) % {"number": thread.refused.display_number}
    _set(inbound, InboundState.PROCESSED, reason)


def _sender(
    parsed: ParsedEmail, inbound: InboundEmail, ours: set[str], release: str
) -> trust.Sender:
    """Who the mail is from (trust.identify), or what an administrator released it as."""
    envelope_to = [a for a in inbound.envelope_to.split("\n") if a]
    sender = trust.identify(parsed, envelope_to, ours)
    if release == RELEASE_AS_CUSTOMER:
        return trust.Sender(check=SenderCheck.RELEASED)
    if release == RELEASE_AS_AGENT:
        if sender.claimed_agent is None:
            raise ValidationFailed(_("This mail cannot be released as an agent's message."))
        return trust.Sender(
            agent=sender.claimed_agent,
            claimed_agent=sender.claimed_agent,
            check=SenderCheck.RELEASED,
            token=sender.token,
        )
    return sender


def _thread(parsed: ParsedEmail, contact: Contact, sender: trust.Sender) -> Thread:
    """The ticket of the agent's signed reply address, else threading as usual."""
    if sender.agent is not None and sender.token is not None:
        ticket = follow_merges(sender.token.ticket_id)
        if ticket is not None:
            return Thread(ticket, ThreadReason.SIGNED)
    return find_thread(parsed, contact, sender.agent)


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
    return workflow.is_allowed(ticket.status, target, ticket_type_id=ticket.ticket_type_id)


def _cc_contacts(parsed: ParsedEmail, ours: set[str], sender: Contact) -> list[Contact]:
    contacts = []
    for _name, address in parsed.cc[:20]:
        if split_tag(address)[0] in ours or address.lower() == sender.email.lower():
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
    related = thread.related  # the closed ticket of a follow-up
    # a follow-up stays with its earlier ticket's team; otherwise the defaults decide, the
    # mailbox's team among them (tickets.intake)
    team = related.team if related is not None else None
    ticket = actions.open_ticket(
        requester=contact,
        subject=parsed.subject or _("(no subject)"),
        channel=Channel.EMAIL,
        actor=None,
        body=text,
        body_html=html,
        team=team,
        entrance_team=mailbox.team if mailbox else None,
        ticket_type=mailbox.ticket_type if mailbox else None,
        category=mailbox.category if mailbox else None,
        cc=cc,
        attachments=parsed.attachments,
        external_message_id=parsed.message_id,
    )
    if related is not None:
        actions.link(ticket, related, LinkKind.FOLLOW_UP, actor=None)
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
