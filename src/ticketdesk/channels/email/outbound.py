"""Mail we send, driven by the outbox: agent replies (`message.created`), the acknowledgement
of a ticket opened by mail (`ticket.created`) and the notice that limits removed something.

Each mail has our own Message-ID (recorded as OutboundEmail so replies thread back), the
In-Reply-To/References of the conversation, the "[#1042]" subject token, a Reply-To of the
mailbox, plain and HTML parts; automatic ones carry `Auto-Submitted: auto-replied`. A failed
send raises, so the outbox retries it with backoff.
"""

from __future__ import annotations

import datetime as dt
import logging
from email.utils import formataddr, make_msgid, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from ticketdesk.accounts import ratelimit
from ticketdesk.core import clock
from ticketdesk.notifications import outbox
from ticketdesk.notifications.models import OutboxMessage
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import Channel, Message, MessageKind, Ticket

from . import loops
from .models import InboundEmail, Mailbox, OutboundEmail, OutboundKind

logger = logging.getLogger(__name__)
MAX_REFERENCES = 10
MAX_SEND_ATTEMPTS = 6  # about an hour of retries: 1, 2, 4, 8, 16 minutes


@outbox.subscribe("message.created")
def on_message_created(event: OutboxMessage) -> None:
    payload = event.payload
    message = (
        Message.objects.select_related("ticket", "ticket__requester", "author_user")
        .filter(pk=payload.get("message_id"))
        .first()
    )
    if message is None or message.kind != MessageKind.PUBLIC:
        return
    if message.is_customer_message:
        inbound = InboundEmail.objects.filter(message=message).select_related("mailbox").first()
        if inbound is not None and inbound.limits_noted:
            send_automatic(message.ticket, inbound, OutboundKind.NOTICE, message=message)
        return
    if message.author_user_id is None:
        return
    send_reply(message)


@outbox.subscribe("ticket.created")
def on_ticket_created(event: OutboxMessage) -> None:
    inbound = (
        InboundEmail.objects.filter(message_id=event.payload.get("message_id"))
        .select_related("mailbox", "ticket", "ticket__requester", "message")
        .first()
    )
    if inbound is None or inbound.ticket is None:
        return  # only tickets opened by mail are acknowledged by mail
    mailbox = inbound.mailbox
    if (mailbox is None or mailbox.send_acknowledgement) or inbound.limits_noted:
        send_automatic(inbound.ticket, inbound, OutboundKind.ACKNOWLEDGEMENT)


def mailbox_for(ticket: Ticket) -> Mailbox | None:
    inbound = (
        InboundEmail.objects.filter(ticket=ticket)
        .exclude(mailbox=None)
        .select_related("mailbox")
        .order_by("id")
        .first()
    )
    if inbound is not None and inbound.mailbox is not None:
        return inbound.mailbox
    if ticket.team_id is not None:
        return Mailbox.objects.filter(team_id=ticket.team_id, active=True).order_by("id").first()
    return None


def thread_headers(ticket: Ticket) -> tuple[str, list[str]]:
    """(In-Reply-To, References) for a new mail on `ticket`: the latest customer mail, and
    the most recent Message-IDs of the conversation in order."""
    received = list(
        Message.objects.filter(ticket=ticket)
        .exclude(external_message_id="")
        .order_by("-created_at", "-id")
        .values_list("created_at", "external_message_id")[:MAX_REFERENCES]
    )
    sent = list(
        OutboundEmail.objects.filter(ticket=ticket, sent_at__isnull=False)
        .order_by("-created_at", "-id")
        .values_list("created_at", "email_message_id")[:MAX_REFERENCES]
    )
    in_reply_to = received[0][1] if received else (sent[0][1] if sent else "")
    ordered = sorted(received + sent)[-MAX_REFERENCES:]
    return in_reply_to, [message_id for _at, message_id in ordered]


def send_reply(message: Message) -> OutboundEmail | None:
    ticket = message.ticket
    recipients = [ticket.requester.email, *ticket.cc.values_list("email", flat=True)]
    language = ticket.requester.language
    return _send(
        ticket,
        OutboundKind.REPLY,
        message=message,
        recipients=recipients,
        template="reply",
        language=language,
        context={"message": message, "attachments": list(message.attachments.all())},
    )


def send_automatic(
    ticket: Ticket,
    inbound: InboundEmail,
    kind: str,
    *,
    message: Message | None = None,
    retry: bool = False,
) -> OutboundEmail | None:
    """An acknowledgement or limit notice to the sender of `inbound`, unless loop protection
    forbids it."""
    if inbound.no_auto_reply:
        logger.info("no automatic reply to %s: %s", inbound.from_address, inbound.no_auto_reply)
        return None
    address = inbound.from_address.lower()
    if not address or address in loops.our_addresses():
        return None
    if not retry and _done(_key(kind, ticket, message or inbound.message)):
        return None
    if not retry and not ratelimit.hit(
        f"email-auto:{address}",
        limit=loops.AUTO_REPLY_LIMIT,
        window_seconds=loops.AUTO_REPLY_WINDOW,
    ):
        logger.warning("automatic replies to %s rate limited", address)
        return None
    template = "acknowledgement" if kind == OutboundKind.ACKNOWLEDGEMENT else "notice"
    return _send(
        ticket,
        kind,
        message=message or inbound.message,
        recipients=[inbound.from_address],
        template=template,
        language=ticket.requester.language,
        context={"notes": inbound.limits_noted},
        automatic=True,
        in_reply_to=inbound.email_message_id,
    )


def _key(kind: str, ticket: Ticket, message: Message | None) -> str:
    return f"{kind}:{ticket.pk}:{message.pk if message else 0}"


def _done(key: str) -> bool:
    """Sent already, or given up (the outbox may deliver an event twice)."""
    return (
        OutboundEmail.objects.filter(dedupe_key=key)
        .exclude(sent_at__isnull=True, failed_at__isnull=True)
        .exists()
    )


def _send(
    ticket: Ticket,
    kind: str,
    *,
    message: Message | None,
    recipients: list[str],
    template: str,
    language: str,
    context: dict[str, Any],
    automatic: bool = False,
    in_reply_to: str = "",
) -> OutboundEmail | None:
    key = _key(kind, ticket, message)
    if _done(key):
        return None
    ours = loops.our_addresses()
    recipients = [r for r in dict.fromkeys(recipients) if r and r.lower() not in ours]
    if not recipients:
        return None
    mailbox = mailbox_for(ticket)
    thread_in_reply_to, references = thread_headers(ticket)
    in_reply_to = in_reply_to or thread_in_reply_to
    if in_reply_to and in_reply_to not in references:
        references.append(in_reply_to)
    from_address = mailbox.address if mailbox else parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    domain = from_address.rpartition("@")[2] or "localhost"
    message_id = make_msgid(idstring=f"td{ticket.number}", domain=domain)
    brand = settings.TICKETDESK["BRAND_NAME"]
    sender_name = ticket.team.name if ticket.team else brand
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {
            "ticket": ticket,
            "brand": brand,
            "site_url": settings.SITE_URL,
            **context,
        }
        subject = render_to_string(f"email_channel/mail/{template}_subject.txt", context)
        text = render_to_string(f"email_channel/mail/{template}.txt", context)
        html = render_to_string(f"email_channel/mail/{template}.html", context)
    subject_line = " ".join(str(subject).split())
    headers = {
        "Message-ID": message_id,
        "Reply-To": from_address,
        "X-Ticketdesk-Ticket": str(ticket.number),
    }
    if in_reply_to:
        headers["In-Reply-To"] = f"<{in_reply_to}>"
        headers["References"] = " ".join(f"<{r}>" for r in references)
    if automatic:
        headers["Auto-Submitted"] = "auto-replied"
        headers["X-Auto-Response-Suppress"] = "All"
        headers["Precedence"] = "bulk"
    mail = EmailMultiAlternatives(
        subject=subject_line,
        body=text,
        from_email=formataddr((sender_name, from_address)),
        to=recipients[:1],
        cc=recipients[1:],
        headers=headers,
    )
    mail.attach_alternative(html, "text/html")
    if kind == OutboundKind.REPLY:
        for attachment in context.get("attachments", []):
            with attachment.file.open("rb") as handle:
                mail.attach(attachment.original_name, handle.read(), attachment.content_type)
    with transaction.atomic():
        record, _created = OutboundEmail.objects.update_or_create(
            dedupe_key=key,
            defaults={
                "email_message_id": message_id.strip("<>"),
                "kind": kind,
                "ticket": ticket,
                "message": message,
                "mailbox": mailbox,
                "recipients": ", ".join(recipients),
                "subject": subject_line[:300],
                "in_reply_to": in_reply_to[:998],
                "created_at": clock.now(),
            },
        )
        try:
            mail.send()
        except Exception as exc:  # the mail server refused or is unreachable: retry later
            _failed(record, exc)
            return record
        record.sent_at = clock.now()
        record.next_attempt_at = None
        record.save(update_fields=["sent_at", "next_attempt_at"])
    return record


def _failed(record: OutboundEmail, exc: Exception) -> None:
    """Record a failed send: retried with backoff by `retry_failed_sends`; after the last
    attempt an internal note on the ticket says the mail could not be sent."""
    now = clock.now()
    record.attempts += 1
    record.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    logger.warning("sending %s failed (attempt %s): %s", record.pk, record.attempts, exc)
    if record.attempts >= MAX_SEND_ATTEMPTS:
        record.failed_at = now
        record.next_attempt_at = None
    else:
        record.next_attempt_at = now + dt.timedelta(seconds=60 * 2 ** (record.attempts - 1))
    record.save(update_fields=["attempts", "last_error", "next_attempt_at", "failed_at"])
    if record.failed_at is not None:
        actions.add_note(
            record.ticket,
            actor=None,
            body=_("Mail to %(to)s could not be sent after %(n)s attempts: %(error)s")
            % {"to": record.recipients, "n": record.attempts, "error": record.last_error},
            markdown=False,
            channel=Channel.EMAIL,
        )


def retry_failed_sends(limit: int = 100) -> int:
    """Send again the mail whose last attempt failed and whose next attempt is due."""
    due = (
        OutboundEmail.objects.filter(
            sent_at__isnull=True, failed_at__isnull=True, next_attempt_at__lte=clock.now()
        )
        .select_related("ticket", "ticket__requester", "message")
        .order_by("next_attempt_at", "id")[:limit]
    )
    count = 0
    for record in due:
        count += 1
        if record.kind == OutboundKind.REPLY and record.message is not None:
            send_reply(record.message)
            continue
        inbound = (
            InboundEmail.objects.filter(message=record.message).select_related("mailbox").first()
        )
        if inbound is not None:
            send_automatic(record.ticket, inbound, record.kind, message=record.message, retry=True)
    return count
