"""Mail we send to customers, driven by events: agent replies (`message.created`), the
acknowledgement of a ticket opened by mail (`ticket.created`) and the notice that limits
removed something; and the note on the ticket when such a mail could not be delivered
(`mail.failed`).

The consumer only records intents: an OutboundEmail (our Message-ID, so replies thread back)
and a queued core.mail row with the In-Reply-To/References of the conversation, the "[#1042]"
subject token, a Reply-To of the mailbox, plain and HTML parts; automatic ones carry
`Auto-Submitted: auto-replied`. The worker sends the mail after commit (core/mail.py).
"""

from __future__ import annotations

import logging
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from ticketdesk.accounts import ratelimit
from ticketdesk.core import clock, mail, outbox
from ticketdesk.core.models import MailStatus, OutboxMessage
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import Channel, Message, MessageKind, Ticket

from . import loops
from .models import InboundEmail, InboundState, Mailbox, OutboundEmail, OutboundKind

logger = logging.getLogger(__name__)
MAX_REFERENCES = 10
PURPOSES: dict[str, str] = {OutboundKind.REPLY: "reply", OutboundKind.ACKNOWLEDGEMENT: "ack"}


@outbox.consumer(
    "email",
    topics=("message.created", "ticket.created", mail.FAILED_TOPIC),
    live_only=True,
    chunk_size=25,
)
def customer_mail(events: list[OutboxMessage]) -> None:
    _preload_messages(events)
    for event in events:
        if event.topic == "message.created":
            on_message_created(event)
        elif event.topic == "ticket.created":
            on_ticket_created(event)
        elif event.topic == mail.FAILED_TOPIC:
            on_mail_failed(event)


MESSAGE_RELATED = ("ticket", "ticket__requester", "ticket__team", "author_user")


def _preload_messages(events: list[OutboxMessage]) -> None:
    """The messages of a chunk's events in one query (each event then finds its own)."""
    ids = [
        int(e.payload["message_id"])
        for e in events
        if isinstance((e.payload or {}).get("message_id"), int)
    ]
    cache: dict[int, Message] = outbox.batch_cached("email.messages", dict)
    missing = [i for i in ids if i not in cache]
    if missing:
        cache.update(Message.objects.select_related(*MESSAGE_RELATED).in_bulk(missing))


def _message(message_id: Any) -> Message | None:
    if not isinstance(message_id, int):
        return None
    cache: dict[int, Message] = outbox.batch_cached("email.messages", dict)
    if message_id not in cache:
        found = Message.objects.select_related(*MESSAGE_RELATED).filter(pk=message_id).first()
        if found is None:
            return None
        cache[message_id] = found
    return cache[message_id]


def _mailboxes() -> list[Mailbox]:
    return outbox.batch_cached(  # type: ignore[no-any-return]
        "email.mailboxes", lambda: list(Mailbox.objects.order_by("id"))
    )


def original_inbound(message: Message | None) -> InboundEmail | None:
    """The stored mail a message was made from — never a later duplicate delivery of it."""
    if message is None:
        return None
    return (
        InboundEmail.objects.filter(message=message)
        .exclude(state=InboundState.DUPLICATE)
        .exclude(from_address="")
        .select_related("mailbox", "ticket", "ticket__requester", "message")
        .defer("raw")
        .order_by("id")
        .first()
    )


def on_message_created(event: OutboxMessage) -> None:
    payload = event.payload or {}
    if payload.get("kind", MessageKind.PUBLIC) != MessageKind.PUBLIC:
        return  # internal notes never leave the desk
    if payload.get("from_customer") and payload.get("channel", Channel.EMAIL) != Channel.EMAIL:
        return  # only a customer's mail can earn a notice about limits
    message = _message(payload.get("message_id"))
    if message is None or message.kind != MessageKind.PUBLIC:
        return
    if message.is_customer_message:
        inbound = original_inbound(message)
        if inbound is not None and inbound.limits_noted:
            send_automatic(message.ticket, inbound, OutboundKind.NOTICE, message=message)
        return
    if message.author_user_id is None:
        return
    send_reply(message)


def on_ticket_created(event: OutboxMessage) -> None:
    payload = event.payload or {}
    if payload.get("channel", Channel.EMAIL) != Channel.EMAIL:
        return  # only tickets opened by mail are acknowledged by mail
    inbound = original_inbound(_message(payload.get("message_id")))
    if inbound is None or inbound.ticket is None:
        return  # only tickets opened by mail are acknowledged by mail
    mailbox = inbound.mailbox
    if (mailbox is None or mailbox.send_acknowledgement) or inbound.limits_noted:
        send_automatic(inbound.ticket, inbound, OutboundKind.ACKNOWLEDGEMENT)


def on_mail_failed(event: OutboxMessage) -> None:
    """A customer mail we queued could not be delivered: say so on the ticket."""
    payload = event.payload or {}
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


def mailbox_for(ticket: Ticket) -> Mailbox | None:
    """The mailbox the ticket came in on, else its team's first active one."""
    mailboxes = {m.pk: m for m in _mailboxes()}
    if ticket.channel == Channel.EMAIL:
        first = (
            InboundEmail.objects.filter(ticket=ticket)
            .exclude(mailbox=None)
            .order_by("id")
            .values_list("mailbox_id", flat=True)
            .first()
        )
        if first is not None and first in mailboxes:
            return mailboxes[first]
    if ticket.team_id is not None:
        for mailbox in mailboxes.values():
            if mailbox.team_id == ticket.team_id and mailbox.active:
                return mailbox
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
        OutboundEmail.objects.filter(ticket=ticket)
        .exclude(mail__status=MailStatus.FAILED)
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
) -> OutboundEmail | None:
    """An acknowledgement or limit notice to the sender of `inbound`, unless loop protection
    forbids it."""
    if inbound.no_auto_reply:
        logger.info("no automatic reply to %s: %s", inbound.from_address, inbound.no_auto_reply)
        return None
    address = inbound.from_address.lower()
    if not address or address in loops.our_addresses(_mailboxes()):
        return None
    if _done(_key(kind, ticket, message or inbound.message)):
        return None
    if not ratelimit.hit(
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
    """Queued already (an event handled again after a crash)."""
    return OutboundEmail.objects.filter(dedupe_key=key).exists()


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
    ours = loops.our_addresses(_mailboxes())
    recipients = [r for r in dict.fromkeys(recipients) if r and r.lower() not in ours]
    if not recipients:
        return None
    mailbox = mailbox_for(ticket)
    thread_in_reply_to, references = thread_headers(ticket)
    in_reply_to = in_reply_to or thread_in_reply_to
    if in_reply_to and in_reply_to not in references:
        references.append(in_reply_to)
    from_address = mailbox.address if mailbox else parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    message_id = mail.new_message_id(from_address, idstring=f"td{ticket.number}")
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
    queued = mail.queue_mail(
        dedupe_key=f"customer:{key}",
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
        return None
    # once per event: the consumer's transaction deletes the delivery with these rows
    return OutboundEmail.objects.create(
        dedupe_key=key,
        email_message_id=queued.message_id,
        kind=kind,
        ticket=ticket,
        message=message,
        mailbox=mailbox,
        mail=queued,
        recipients=", ".join(recipients),
        subject=subject_line[:300],
        in_reply_to=in_reply_to[:998],
        created_at=clock.now(),
    )
