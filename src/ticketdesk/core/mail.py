"""Outgoing mail as intent rows: `queue_mail` records a mail inside the transaction that
decided it (once per dedupe key); `send_pending` sends the due ones after commit, outside any
transaction, through Django's mail backend, with retries and backoff.

Each mail's Message-ID is fixed when it is queued: if a worker dies between the mail server's
"250 OK" and our note that it was sent, the resend carries the same Message-ID, which mail
systems use to drop the copy. After the last attempt the row is kept as "failed" and a
`mail.failed` event tells the app that queued it (the email channel adds a note to the ticket).
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import time
from collections.abc import Iterable, Sequence
from email.utils import make_msgid, parseaddr
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction

from . import clock, metrics
from .models import MailStatus, OutgoingMail
from .outbox import claims, publish, wake_after_commit
from .transactions import assert_no_transaction

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6  # about an hour: 1, 2, 4, 8, 16 minutes apart
BATCH = 50
FAILED_TOPIC = "mail.failed"


def domain_of(address: str) -> str:
    domain = parseaddr(address)[1].rpartition("@")[2].strip().lower()
    if not domain or domain == "localhost":
        domain = settings.TICKETDESK.get("MAIL_DOMAIN") or _site_domain()
    return domain


def _site_domain() -> str:
    from urllib.parse import urlsplit

    host = urlsplit(settings.SITE_URL).hostname or "ticketdesk.invalid"
    return "ticketdesk.invalid" if host in ("127.0.0.1", "localhost", "::1") else host


def new_message_id(from_email: str, idstring: str | None = None) -> str:
    """A Message-ID (without <>) in the sender's domain, never "@localhost"."""
    return make_msgid(idstring=idstring, domain=domain_of(from_email)).strip("<>")


def build_mail(
    *,
    dedupe_key: str,
    to: Iterable[str],
    subject: str,
    body: str,
    html: str = "",
    from_email: str | None = None,
    cc: Iterable[str] = (),
    reply_to: Iterable[str] = (),
    headers: dict[str, str] | None = None,
    attachments: Sequence[dict[str, Any]] = (),
    ticket_id: int | None = None,
    purpose: str = "",
    message_id: str | None = None,
) -> OutgoingMail | None:
    """The intent row, not saved yet (None when there is nobody to send to)."""
    recipients = [address for address in dict.fromkeys(to) if address]
    copies = [a for a in dict.fromkeys(cc) if a and a not in recipients]
    if not recipients and not copies:
        return None
    sender = from_email or settings.DEFAULT_FROM_EMAIL
    now = clock.now()
    return OutgoingMail(
        dedupe_key=dedupe_key[:200],
        purpose=purpose[:30],
        message_id=(message_id or new_message_id(sender)).strip("<>")[:255],
        from_email=sender[:400],
        to=recipients,
        cc=copies,
        reply_to=[a for a in reply_to if a],
        subject=" ".join(subject.split())[:400],
        body=body,
        html=html,
        headers=dict(headers or {}),
        attachments=list(attachments),
        ticket_id=ticket_id,
        available_at=now,
        created_at=now,
    )


def queue_mail(**fields: Any) -> OutgoingMail | None:
    """Record a mail to send after commit (the arguments of `build_mail`). Queuing the same
    dedupe key again returns the row already there: nothing is sent twice. None when there
    is nobody to send to."""
    existing = OutgoingMail.objects.filter(dedupe_key=fields["dedupe_key"]).values_list(
        "pk", flat=True
    )
    if existing:
        return OutgoingMail.objects.get(pk=existing[0])
    mail = build_mail(**fields)
    if mail is None:
        return None
    # a rival with the same key (very rare: a worker handles an event alone) makes this
    # raise; the consumer's chunk is then tried again and finds the row above
    mail.save(force_insert=True)
    wake_after_commit()
    return mail


def queue_many(mails: list[OutgoingMail]) -> list[OutgoingMail]:
    """Save several intents built with `build_mail` in one statement (their keys must be new:
    the caller checked; a clash rolls its transaction back)."""
    if not mails:
        return []
    saved = OutgoingMail.objects.bulk_create(mails)
    wake_after_commit()
    return saved


def attachment_from_bytes(name: str, content: bytes, content_type: str) -> dict[str, Any]:
    """A small generated attachment stored inline in the queued row."""
    return {
        "name": name,
        "content_type": content_type,
        "content_b64": base64.b64encode(content).decode(),
    }


def build(mail: OutgoingMail, connection: Any = None) -> EmailMultiAlternatives:
    headers = {**(mail.headers or {}), "Message-ID": f"<{mail.message_id}>"}
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.body,
        from_email=mail.from_email,
        to=list(mail.to or []),
        cc=list(mail.cc or []),
        reply_to=list(mail.reply_to or []),
        headers=headers,
        connection=connection,
    )
    if mail.html:
        message.attach_alternative(mail.html, "text/html")
    for item in mail.attachments or []:
        name = str(item.get("name") or "attachment")
        content_type = str(item.get("content_type") or "application/octet-stream")
        if item.get("content_b64"):
            message.attach(name, base64.b64decode(item["content_b64"]), content_type)
            continue
        path = item.get("path")
        if not path:
            continue
        try:
            with default_storage.open(path, "rb") as handle:
                message.attach(name, handle.read(), content_type)
        except FileNotFoundError:
            logger.warning("attachment %s of mail %s is gone; sent without it", path, mail.pk)
    return message


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=60 * 2 ** max(attempts - 1, 0))


def _failed(mail: OutgoingMail, exc: BaseException) -> None:
    now = clock.now()
    error = f"{type(exc).__name__}: {exc}"[:2000]
    logger.warning("sending mail %s failed (attempt %s): %s", mail.pk, mail.attempts, error)
    if mail.attempts < MAX_ATTEMPTS:
        metrics.MAIL_SENT.labels("retry").inc()
        OutgoingMail.objects.filter(pk=mail.pk).update(
            last_error=error, available_at=now + backoff(mail.attempts)
        )
        return
    metrics.MAIL_SENT.labels("failed").inc()
    with transaction.atomic():
        OutgoingMail.objects.filter(pk=mail.pk).update(
            last_error=error, status=MailStatus.FAILED, available_at=now
        )
        publish(
            FAILED_TOPIC,
            {
                "mail_id": mail.pk,
                "purpose": mail.purpose,
                "dedupe_key": mail.dedupe_key,
                "recipients": [*mail.to, *mail.cc],
                "attempts": mail.attempts,
                "error": error,
                "ticket_id": mail.ticket_id,
            },
            ticket_id=mail.ticket_id,
        )


def send_pending(deadline: float | None = None, *, limit: int = BATCH) -> int:
    """Send due mail (claimed with a lease, so two workers never send the same row at once);
    returns how many were attempted. Never inside a transaction."""
    assert_no_transaction("sending mail")
    attempted = 0
    while deadline is None or time.monotonic() < deadline:
        ids = claims.claim_mail(limit)
        if not ids:
            break
        mails = list(OutgoingMail.objects.filter(pk__in=ids).order_by("id"))
        connection = get_connection()
        try:
            connection.open()
        except Exception as exc:  # the mail server is unreachable: every mail waits
            for mail in mails:
                _failed(mail, exc)
            attempted += len(mails)
            break
        try:
            for index, mail in enumerate(mails):
                if deadline is not None and time.monotonic() > deadline:
                    OutgoingMail.objects.filter(pk__in=[m.pk for m in mails[index:]]).update(
                        available_at=clock.now()
                    )
                    return attempted
                attempted += 1
                try:
                    sent = connection.send_messages([build(mail, connection)])
                    if not sent:
                        raise RuntimeError("the mail backend did not send it")
                except Exception as exc:
                    _failed(mail, exc)
                    continue
                OutgoingMail.objects.filter(pk=mail.pk).update(
                    status=MailStatus.SENT, sent_at=clock.now()
                )
                metrics.MAIL_SENT.labels("sent").inc()
        finally:
            try:
                connection.close()
            except Exception:
                logger.warning("closing the mail connection failed", exc_info=True)
        if len(ids) < limit:
            break
    return attempted


def retry_failed(mail: OutgoingMail) -> None:
    """An admin asks to try a given-up mail again."""
    OutgoingMail.objects.filter(pk=mail.pk).update(
        status=MailStatus.PENDING, attempts=0, available_at=clock.now(), last_error=""
    )
    wake_after_commit()
