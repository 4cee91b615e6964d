"""Mail we send to customers, driven by events: agent replies (`message.created`), the
acknowledgement of a ticket opened by mail (`ticket.created`) and the notice that limits
removed something; and the note on the ticket when such a mail could not be delivered
(`mail.failed`).

The consumer only records intents: an OutboundEmail (our Message-ID, so replies thread back)
and a queued core.mail row with the In-Reply-To/References of the conversation, the "[#1042]"
subject token, a Reply-To of the mailbox, plain and HTML parts; automatic ones carry
`Auto-Submitted: auto-replied`. The worker sends the mail after commit (core/mail.py).

A chunk of events is planned from a few reads (its messages, their attachments, the tickets'
CCs, first mailboxes and conversation Message-IDs, the mail already queued) and written with
two bulk inserts.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from ticketdesk.accounts import ratelimit
from ticketdesk.core import clock, mail, outbox
from ticketdesk.core.models import MailStatus, OutboxMessage, OutgoingMail
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import (
    MESSAGING_CHANNELS,
    Attachment,
    Channel,
    Message,
    MessageKind,
    Ticket,
)

from . import loops
from .models import InboundEmail, InboundState, Mailbox, OutboundEmail, OutboundKind

logger = logging.getLogger(__name__)
MAX_REFERENCES = 10
PURPOSES: dict[str, str] = {OutboundKind.REPLY: "reply", OutboundKind.ACKNOWLEDGEMENT: "ack"}
MESSAGE_RELATED = ("ticket", "ticket__requester", "ticket__team", "author_user")


@outbox.consumer(
    "email",
    topics=("message.created", "ticket.created", mail.FAILED_TOPIC),
    live_only=True,
    chunk_size=50,
)
def customer_mail(events: list[OutboxMessage]) -> None:
    plan = Plan.read(events)
    for event in events:
        payload = event.payload or {}
        if event.topic == "message.created":
            on_message_created(plan, payload)
        elif event.topic == "ticket.created":
            on_ticket_created(plan, payload)
        elif event.topic == mail.FAILED_TOPIC:
            on_mail_failed(payload)
    plan.write()


def _mailboxes() -> list[Mailbox]:
    return outbox.batch_cached(  # type: ignore[no-any-return]
        "email.mailboxes", lambda: list(Mailbox.objects.order_by("id"))
    )


def _message_id_of(payload: dict[str, Any]) -> int | None:
    value = payload.get("message_id")
    return value if isinstance(value, int) else None


@dataclass
class Plan:
    """What a chunk needs, read at once; the mail it decides on, written at once."""

    messages: dict[int, Message]
    attachments: dict[int, list[Attachment]]
    cc: dict[int, list[str]]
    originals: dict[int, InboundEmail]
    first_mailbox: dict[int, int]
    received: dict[int, list[tuple[Any, str]]]
    sent: dict[int, list[tuple[Any, str]]]
    done: set[str]
    mails: list[OutgoingMail] = field(default_factory=list)
    records: list[OutboundEmail] = field(default_factory=list)

    @classmethod
    def read(cls, events: list[OutboxMessage]) -> Plan:
        wanted = [
            _message_id_of(e.payload or {})
            for e in events
            if e.topic in ("message.created", "ticket.created") and _wants_mail(e.payload or {})
        ]
        ids = [i for i in wanted if i is not None]
        messages = Message.objects.select_related(*MESSAGE_RELATED).in_bulk(ids) if ids else {}
        tickets = {m.ticket_id: m.ticket for m in messages.values()}
        replies = [m.pk for m in messages.values() if not m.is_customer_message]
        attachments: dict[int, list[Attachment]] = defaultdict(list)
        cc: dict[int, list[str]] = defaultdict(list)
        originals: dict[int, InboundEmail] = {}
        first_mailbox: dict[int, int] = {}
        received: dict[int, list[tuple[Any, str]]] = defaultdict(list)
        sent: dict[int, list[tuple[Any, str]]] = defaultdict(list)
        done: set[str] = set()
        if replies:
            for attachment in Attachment.objects.filter(message_id__in=replies).order_by("id"):
                attachments[attachment.message_id or 0].append(attachment)
        if tickets:
            through = Ticket.cc.through
            for ticket_id, email in (
                through.objects.filter(ticket_id__in=list(tickets))
                .order_by("contact__email")
                .values_list("ticket_id", "contact__email")
            ):
                cc[ticket_id].append(email)
            mailed = [t.pk for t in tickets.values() if t.channel == Channel.EMAIL]
            customer = [m.pk for m in messages.values() if m.is_customer_message or m.pk in ids]
            for inbound in (
                InboundEmail.objects.filter(message_id__in=customer)
                .exclude(state=InboundState.DUPLICATE)
                .exclude(from_address="")
                .select_related("mailbox")
                .defer("raw")
                .order_by("-id")
            ):
                originals[inbound.message_id] = inbound  # type: ignore[index]  # oldest wins
            for ticket_id, mailbox_id in (
                InboundEmail.objects.filter(ticket_id__in=mailed, mailbox__isnull=False)
                .order_by("-id")
                .values_list("ticket_id", "mailbox_id")
            ):
                first_mailbox[ticket_id] = mailbox_id
            for ticket_id, at, message_id in (
                Message.objects.filter(ticket_id__in=list(tickets))
                .exclude(external_message_id="")
                .values_list("ticket_id", "created_at", "external_message_id")
            ):
                received[ticket_id].append((at, message_id))
            for ticket_id, at, message_id in (
                OutboundEmail.objects.filter(ticket_id__in=list(tickets))
                .exclude(mail__status=MailStatus.FAILED)
                .values_list("ticket_id", "created_at", "email_message_id")
            ):
                sent[ticket_id].append((at, message_id))
            keys = [
                key(kind, m.ticket, m)
                for m in messages.values()
                for kind in (OutboundKind.REPLY, OutboundKind.ACKNOWLEDGEMENT, OutboundKind.NOTICE)
            ]
            done = set(
                OutboundEmail.objects.filter(dedupe_key__in=keys).values_list(
                    "dedupe_key", flat=True
                )
            )
        return cls(
            messages=messages,
            attachments=attachments,
            cc=cc,
            originals=originals,
            first_mailbox=first_mailbox,
            received=received,
            sent=sent,
            done=done,
        )

    def write(self) -> None:
        if not self.mails:
            return
        mail.queue_many(self.mails)
        for record, queued in zip(self.records, self.mails, strict=True):
            record.mail = queued
        OutboundEmail.objects.bulk_create(self.records)

    def mailbox_for(self, ticket: Ticket) -> Mailbox | None:
        """The mailbox the ticket came in on, else its team's first active one."""
        mailboxes = {m.pk: m for m in _mailboxes()}
        first = self.first_mailbox.get(ticket.pk)
        if first is not None and first in mailboxes:
            return mailboxes[first]
        if ticket.team_id is not None:
            for mailbox in mailboxes.values():
                if mailbox.team_id == ticket.team_id and mailbox.active:
                    return mailbox
        return None

    def thread_headers(self, ticket: Ticket) -> tuple[str, list[str]]:
        """(In-Reply-To, References) for a new mail on `ticket`: the latest customer mail,
        and the most recent Message-IDs of the conversation in order."""
        received = sorted(self.received.get(ticket.pk, []))[-MAX_REFERENCES:]
        sent = sorted(self.sent.get(ticket.pk, []))[-MAX_REFERENCES:]
        in_reply_to = received[-1][1] if received else (sent[-1][1] if sent else "")
        ordered = sorted(received + sent)[-MAX_REFERENCES:]
        return in_reply_to, [message_id for _at, message_id in ordered]


def _wants_mail(payload: dict[str, Any]) -> bool:
    """Can this event lead to a mail? (Decided from the payload, without a query.)"""
    if payload.get("kind", MessageKind.PUBLIC) != MessageKind.PUBLIC:
        return False  # internal notes never leave the desk
    if payload.get("from_customer") or "kind" not in payload:  # a customer's message, or
        return payload.get("channel", Channel.EMAIL) == Channel.EMAIL  # a new ticket: by mail
    # an agent's words in a live chat reach the visitor in the chat (channels/chat); once the
    # chat is over, replies from the ticket (channel "agent") go by mail as usual
    return payload.get("channel") != Channel.CHAT


def on_message_created(plan: Plan, payload: dict[str, Any]) -> None:
    if not _wants_mail(payload):
        return
    message = plan.messages.get(_message_id_of(payload) or 0)
    if message is None or message.kind != MessageKind.PUBLIC:
        return
    if message.ticket.channel in MESSAGING_CHANNELS:
        return  # the reply goes out through the messaging app (channels.messaging)
    if message.is_customer_message:
        inbound = plan.originals.get(message.pk)
        if inbound is not None and inbound.limits_noted:
            send_automatic(plan, message.ticket, inbound, OutboundKind.NOTICE, message=message)
        return
    if message.author_user_id is None:
        return
    send_reply(plan, message)


def on_ticket_created(plan: Plan, payload: dict[str, Any]) -> None:
    if not _wants_mail({**payload, "kind": MessageKind.PUBLIC, "from_customer": True}):
        return  # only tickets opened by mail are acknowledged by mail
    inbound = plan.originals.get(_message_id_of(payload) or 0)
    if inbound is None or inbound.ticket_id is None:
        return
    mailbox = inbound.mailbox
    if (mailbox is None or mailbox.send_acknowledgement) or inbound.limits_noted:
        ticket = plan.messages[inbound.message_id].ticket  # type: ignore[index]
        send_automatic(plan, ticket, inbound, OutboundKind.ACKNOWLEDGEMENT)


def on_mail_failed(payload: dict[str, Any]) -> None:
    """A customer mail we queued could not be delivered: say so on the ticket."""
    record = (
        OutboundEmail.objects.select_related("ticket")
        .filter(mail_id=payload.get("mail_id"))
        .first()
    )
    if record is None:
        return
    actions.add_note(
        record.ticket,
        actor=None,
        body=_("Mail to %(to)s could not be sent after %(n)s attempts: %(error)s")
        % {
            "to": record.recipients,
            "n": payload.get("attempts") or "?",
            "error": payload.get("error") or "",
        },
        markdown=False,
        channel=Channel.EMAIL,
    )


def send_reply(plan: Plan, message: Message) -> None:
    ticket = message.ticket
    _send(
        plan,
        ticket,
        OutboundKind.REPLY,
        message=message,
        recipients=[ticket.requester.email, *plan.cc.get(ticket.pk, [])],
        template="reply",
        language=ticket.requester.language,
        context={"message": message, "attachments": plan.attachments.get(message.pk, [])},
    )


def send_automatic(
    plan: Plan,
    ticket: Ticket,
    inbound: InboundEmail,
    kind: str,
    *,
    message: Message | None = None,
) -> None:
    """An acknowledgement or limit notice to the sender of `inbound`, unless loop protection
    forbids it."""
    if inbound.no_auto_reply:
        logger.info("no automatic reply to %s: %s", inbound.from_address, inbound.no_auto_reply)
        return
    address = inbound.from_address.lower()
    if not address or address in loops.our_addresses(_mailboxes()):
        return
    first = message or plan.messages.get(inbound.message_id or 0)
    if key(kind, ticket, first) in plan.done:
        return
    if not ratelimit.hit(
        f"email-auto:{address}",
        limit=loops.AUTO_REPLY_LIMIT,
        window_seconds=loops.AUTO_REPLY_WINDOW,
    ):
        logger.warning("automatic replies to %s rate limited", address)
        return
    template = "acknowledgement" if kind == OutboundKind.ACKNOWLEDGEMENT else "notice"
    _send(
        plan,
        ticket,
        kind,
        message=first,
        recipients=[inbound.from_address],
        template=template,
        language=ticket.requester.language,
        context={"notes": inbound.limits_noted},
        automatic=True,
        in_reply_to=inbound.email_message_id,
    )


def key(kind: str, ticket: Ticket, message: Message | None) -> str:
    return f"{kind}:{ticket.pk}:{message.pk if message else 0}"


def _send(
    plan: Plan,
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
) -> None:
    dedupe = key(kind, ticket, message)
    if dedupe in plan.done:
        return
    ours = loops.our_addresses(_mailboxes())
    recipients = [r for r in dict.fromkeys(recipients) if r and r.lower() not in ours]
    if not recipients:
        return
    mailbox = plan.mailbox_for(ticket)
    thread_in_reply_to, references = plan.thread_headers(ticket)
    in_reply_to = in_reply_to or thread_in_reply_to
    if in_reply_to and in_reply_to not in references:
        references.append(in_reply_to)
    from_address = mailbox.address if mailbox else parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    message_id = mail.new_message_id(from_address, idstring=f"td{ticket.number}")
    brand = settings.TICKETDESK["BRAND_NAME"]
    sender_name = ticket.team.name if ticket.team else brand
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {"ticket": ticket, "brand": brand, "site_url": settings.SITE_URL, **context}
        subject = render_to_string(f"email_channel/mail/{template}_subject.txt", context)
        text = render_to_string(f"email_channel/mail/{template}.txt", context)
        html = render_to_string(f"email_channel/mail/{template}.html", context)
    subject_line = " ".join(str(subject).split())
    headers = {"X-Ticketdesk-Ticket": str(ticket.number)}
    if in_reply_to:
        headers["In-Reply-To"] = f"<{in_reply_to}>"
        headers["References"] = " ".join(f"<{r}>" for r in references)
    if automatic:
        headers["Auto-Submitted"] = "auto-replied"
        headers["X-Auto-Response-Suppress"] = "All"
        headers["Precedence"] = "bulk"
    files = []
    if kind == OutboundKind.REPLY:
        files = [
            {"path": a.file.name, "name": a.original_name, "content_type": a.content_type}
            for a in context.get("attachments", [])
        ]
    queued = mail.build_mail(
        dedupe_key=f"customer:{dedupe}",
        to=recipients[:1],
        cc=recipients[1:],
        subject=subject_line,
        body=text,
        html=html,
        from_email=formataddr((sender_name, from_address)),
        reply_to=[from_address],
        headers=headers,
        attachments=files,
        ticket_id=ticket.pk,
        purpose=PURPOSES.get(kind, "notice"),
        message_id=message_id,
    )
    if queued is None:
        return
    now = clock.now()
    plan.mails.append(queued)
    plan.records.append(
        OutboundEmail(
            dedupe_key=dedupe,
            email_message_id=queued.message_id,
            kind=kind,
            ticket=ticket,
            message=message,
            mailbox=mailbox,
            recipients=", ".join(recipients),
            subject=subject_line[:300],
            in_reply_to=in_reply_to[:998],
            created_at=now,
        )
    )
    plan.done.add(dedupe)
    plan.sent[ticket.pk].append((now, queued.message_id))  # the next mail threads after it
