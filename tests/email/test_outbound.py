"""Outbound mail over Django's SMTP backend to a real SMTP server (aiosmtpd): threading
headers, token, acknowledgements, loop protection and limits."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest

from ticketdesk.channels.email import outbound
from ticketdesk.channels.email.ingest import ingest
from ticketdesk.channels.email.models import OutboundEmail, OutboundKind, ThreadReason
from ticketdesk.core import outbox
from ticketdesk.core.models import OutboxMessage
from ticketdesk.tickets import actions
from ticketdesk.tickets.actions import AttachmentInput

from .conftest import make_mail

pytestmark = pytest.mark.django_db


def _parsed(collected):
    """The mail customers got (not the agents' notifications); aiosmtpd's Message handler
    gives compat32 messages: re-parsed with the modern API."""
    parsed = [message_from_bytes(m.as_bytes(), policy=default) for m in collected]
    return [m for m in parsed if not m["X-Ticketdesk-Notification"]]


def test_conversation_threads_both_ways(mailbox, agent, smtp_out):
    first = ingest(make_mail(message_id="<conv1@example.org>", subject="VPN down"))
    ticket = first.ticket
    outbox.process_pending()
    (ack,) = _parsed(smtp_out)
    assert ack["To"] == "maria@example.org"
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"] == "<conv1@example.org>"
    assert ticket.subject_token in ack["Subject"]
    assert ack["Message-ID"].endswith("@desk.test>")
    assert ack["Reply-To"] == "support@desk.test"
    assert ack.get_body(("plain",)) is not None and ack.get_body(("html",)) is not None

    actions.reply(
        ticket,
        actor=agent,
        body="Please **restart** the client.",
        attachments=[AttachmentInput(name="steps.txt", content=b"1. restart\n")],
    )
    outbox.process_pending()
    reply = _parsed(smtp_out)[1]
    assert reply["Auto-Submitted"] is None
    assert reply["Subject"] == f"Re: {ticket.subject_token} VPN down"
    assert reply["In-Reply-To"] == "<conv1@example.org>"
    assert "<conv1@example.org>" in reply["References"]
    assert ack["Message-ID"] in reply["References"]
    assert "restart" in reply.get_body(("plain",)).get_content()
    assert "<strong>restart</strong>" in reply.get_body(("html",)).get_content()
    assert [a.get_filename() for a in reply.iter_attachments()] == ["steps.txt"]
    sent = OutboundEmail.objects.get(kind=OutboundKind.REPLY)
    assert f"<{sent.email_message_id}>" == reply["Message-ID"]
    assert sent.sent_at is not None

    # the customer's mail client answers the agent's mail: same ticket, by header
    answer = EmailMessage()
    answer["From"] = "maria@example.org"
    answer["To"] = "support@desk.test"
    answer["Subject"] = "Re: VPN down"  # a client that dropped the token
    answer["Message-ID"] = "<conv2@example.org>"
    answer["In-Reply-To"] = reply["Message-ID"]
    answer["References"] = reply["References"] + " " + reply["Message-ID"]
    answer.set_content("Works now, thanks!")
    inbound = ingest(answer.as_bytes())
    assert inbound.ticket == ticket
    assert inbound.thread_reason == ThreadReason.HEADER
    outbox.process_pending()
    assert len(_parsed(smtp_out)) == 2  # no acknowledgement for a reply


def test_outbox_delivering_twice_sends_once(mailbox, agent, smtp_out):
    ticket = ingest(make_mail()).ticket
    actions.reply(ticket, actor=agent, body="Hello")
    event = OutboxMessage.objects.get(topic="message.created")
    outbound.customer_mail([event])
    outbound.customer_mail([event])  # the consumer handling the event again after a crash
    outbox.process_pending()
    replies = [m for m in _parsed(smtp_out) if m["Auto-Submitted"] is None]
    assert len(replies) == 1


def test_internal_notes_are_not_mailed(mailbox, agent, smtp_out):
    mailbox.send_acknowledgement = False
    mailbox.save()
    ticket = ingest(make_mail()).ticket
    actions.add_note(ticket, actor=agent, body="secret")
    outbox.process_pending()
    assert _parsed(smtp_out) == []


def test_acknowledgements_are_rate_limited_per_sender(mailbox, smtp_out):
    for number in range(7):
        ingest(make_mail(subject=f"Spam {number}", message_id=f"<rl{number}@example.org>"))
    outbox.process_pending()
    assert len(_parsed(smtp_out)) == 5


def test_oversized_attachment_is_noted_and_the_sender_told(mailbox, smtp_out, settings):
    settings.TICKETDESK = {**settings.TICKETDESK, "MAX_ATTACHMENT_BYTES": 1000}
    mail = EmailMessage()
    mail["From"] = "maria@example.org"
    mail["To"] = "support@desk.test"
    mail["Subject"] = "Big file"
    mail["Message-ID"] = "<big@example.org>"
    mail.set_content("See attached.")
    mail.add_attachment(b"x" * 5000, maintype="application", subtype="zip", filename="big.zip")
    mail.add_attachment(b"small", maintype="text", subtype="plain", filename="small.txt")
    inbound = ingest(mail.as_bytes())
    assert inbound.state == "processed"
    message = inbound.message
    assert [a.original_name for a in message.attachments.all()] == ["small.txt"]
    assert "big.zip" in message.body_text and "not kept" in message.body_text
    outbox.process_pending()
    (ack,) = _parsed(smtp_out)
    assert "big.zip" in ack.get_body(("plain",)).get_content()

    # the same on a reply: a notice
    reply = EmailMessage()
    reply["From"] = "maria@example.org"
    reply["To"] = "support@desk.test"
    reply["Subject"] = f"Re: {inbound.ticket.subject_token} Big file"
    reply["Message-ID"] = "<big2@example.org>"
    reply.set_content("Again.")
    reply.add_attachment(b"y" * 5000, maintype="application", subtype="zip", filename="b2.zip")
    ingest(reply.as_bytes())
    outbox.process_pending()
    notice = _parsed(smtp_out)[1]
    assert notice["Auto-Submitted"] == "auto-replied"
    assert "b2.zip" in notice.get_body(("plain",)).get_content()


def test_oversized_message_still_becomes_a_ticket(mailbox, smtp_out, settings):
    settings.TICKETDESK = {**settings.TICKETDESK, "MAX_MESSAGE_BYTES": 500}
    mail = EmailMessage()
    mail["From"] = "maria@example.org"
    mail["To"] = "support@desk.test"
    mail["Subject"] = "Huge"
    mail.set_content("Body text survives.")
    mail.add_attachment(b"z" * 2000, maintype="application", subtype="pdf", filename="a.pdf")
    inbound = ingest(mail.as_bytes())
    assert inbound.state == "processed"
    assert inbound.message.attachments.count() == 0
    assert "Body text survives." in inbound.message.body_text
    assert inbound.limits_noted
    outbox.process_pending()
    assert len(_parsed(smtp_out)) == 1


def test_replies_to_auto_submitted_mail_get_no_acknowledgement(mailbox, smtp_out):
    ingest(make_mail(headers={"Auto-Submitted": "auto-generated"}))
    ingest(make_mail(sender="MAILER-DAEMON@mx.example.org", subject="Hi"))
    ingest(make_mail(sender="support@desk.test", subject="our own"))
    outbox.process_pending()
    assert smtp_out == []


def test_language_of_the_requester_is_used(mailbox, smtp_out):
    from ticketdesk.accounts.models import Contact

    Contact.objects.create(email="giulia@example.it", name="Giulia", language="it")
    ingest(make_mail(sender="giulia@example.it"))
    outbox.process_pending()
    (ack,) = _parsed(smtp_out)
    assert ack["Subject"].startswith("Abbiamo ricevuto")


def test_a_failed_send_is_retried_then_shown_on_the_ticket(mailbox, agent, smtp_out, settings):
    from ticketdesk.core import mail as outgoing
    from ticketdesk.core.models import MailStatus, OutgoingMail

    from .conftest import free_port

    mailbox.send_acknowledgement = False
    mailbox.save()
    ticket = ingest(make_mail()).ticket
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there: connection refused
    actions.reply(ticket, actor=agent, body="Try this.")
    outbox.process_pending()
    record = OutboundEmail.objects.select_related("mail").get(kind=OutboundKind.REPLY)
    queued = record.mail
    OutgoingMail.objects.exclude(pk=queued.pk).delete()  # the agents' notifications
    assert record.sent_at is None and queued.attempts == 1
    assert queued.status == MailStatus.PENDING
    assert "Connection refused" in queued.last_error or "Errno" in queued.last_error
    assert queued.available_at > queued.created_at  # retried later, with backoff

    settings.EMAIL_PORT = working_port  # the mail server is back
    OutgoingMail.objects.filter(pk=queued.pk).update(available_at=queued.created_at)
    assert outgoing.send_pending() == 1
    queued.refresh_from_db()
    assert queued.status == MailStatus.SENT and queued.sent_at is not None
    assert len(_parsed(smtp_out)) == 1
    assert outgoing.send_pending() == 0

    # a mail that never goes out ends as an internal note on the ticket
    settings.EMAIL_PORT = free_port()
    actions.reply(ticket, actor=agent, body="Second try.")
    outbox.process_pending()
    failing = OutgoingMail.objects.get(status=MailStatus.PENDING, purpose="reply")
    for _attempt in range(outgoing.MAX_ATTEMPTS - 1):
        OutgoingMail.objects.update(available_at=failing.created_at)
        outgoing.send_pending()
    failing.refresh_from_db()
    assert failing.status == MailStatus.FAILED
    assert failing.attempts == outgoing.MAX_ATTEMPTS
    outbox.process_pending()  # the mail.failed event reaches the email consumer
    note = ticket.messages.filter(kind="internal").get()
    assert "could not be sent" in note.body_text
