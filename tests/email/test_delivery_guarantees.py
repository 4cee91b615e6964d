"""What the event backbone promises, checked at a real SMTP server: a consumer that fails
again and again is retried alone and delivers once when it recovers; no other consumer runs
twice, so the customer gets exactly one copy of the agent's reply. And no mail is spoken to
the server while a database transaction is open."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from ticketdesk.channels.email.ingest import ingest
from ticketdesk.core import clock, outbox
from ticketdesk.core.mail import send_pending
from ticketdesk.core.models import OutboxDelivery
from ticketdesk.core.transactions import NetworkInTransaction
from ticketdesk.reports.models import TicketFact
from ticketdesk.tickets import actions

from .conftest import make_mail

pytestmark = pytest.mark.django_db


def _customer_mail(smtp_out, subject_part: str) -> list:
    return [
        m for m in smtp_out if subject_part in str(m["Subject"]) and m["Auto-Submitted"] is None
    ]


def test_a_consumer_failing_n_times_delivers_once_and_nobody_runs_twice(
    mailbox, agent, smtp_out, monkeypatch
):
    from ticketdesk.reports import consumers as report_consumers

    mailbox.send_acknowledgement = False
    mailbox.save()
    ticket = ingest(make_mail(subject="VPN down")).ticket
    outbox.process_pending()
    failures = {"left": 4}
    real = report_consumers.refresh_tickets

    def broken(ticket_ids, **options):
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("reports database is down")
        real(ticket_ids, **options)

    monkeypatch.setattr(report_consumers, "refresh_tickets", broken)
    actions.reply(ticket, actor=agent, body="Please restart the VPN client.")
    for _round in range(8):
        outbox.process_pending()
        later = OutboxDelivery.objects.filter(consumer="reports").order_by("available_at").first()
        if later is None:
            break
        with clock.frozen(later.available_at + dt.timedelta(seconds=1)):
            outbox.process_pending()
    assert failures["left"] == 0  # it failed four times, then recovered
    assert not OutboxDelivery.objects.filter(consumer="reports").exists()
    fact = TicketFact.objects.get(ticket_id=ticket.pk)
    assert fact.replies == 1  # the reply reached the reports once it recovered
    replies = _customer_mail(smtp_out, "VPN down")
    assert len(replies) == 1, "the customer got the reply more than once"
    assert "restart the VPN client" in replies[0].get_payload()[0].get_payload(decode=True).decode()


def test_no_mail_is_sent_inside_a_transaction(mailbox, agent, smtp_out):
    ticket = ingest(make_mail(subject="Printer")).ticket
    actions.reply(ticket, actor=agent, body="On my way.")
    outbox.run_round(run_senders=False)  # queued, not sent
    with transaction.atomic(), pytest.raises(NetworkInTransaction):
        send_pending()
    assert smtp_out == []
    send_pending()
    assert _customer_mail(smtp_out, "Printer")


def test_a_reply_to_the_rating_mail_threads_back_to_its_ticket(mailbox, agent, smtp_out):
    """The rating request says "reply to this mail": the reply lands on the ticket, not in a
    new one (a user walk found ticket #N+1 "Re: How did we do? #N")."""
    from email import message_from_bytes
    from email.message import EmailMessage
    from email.policy import default

    from ticketdesk.tickets.models import Status, Ticket
    from ticketdesk.tickets.resolution import Resolution

    ticket = ingest(make_mail(subject="VPN keeps dropping")).ticket
    actions.reply(ticket, actor=agent, body="Fixed on our side.")
    resolved = Status.objects.filter(category="resolved").first()
    actions.change_status(
        ticket,
        resolved,
        actor=agent,
        resolution=Resolution(summary="Gateway certificate renewed."),
    )
    outbox.process_pending()
    parsed = [message_from_bytes(m.as_bytes(), policy=default) for m in smtp_out]
    [rating] = [m for m in parsed if "[" in str(m["Subject"]) and "?" in str(m["Subject"])]
    assert ticket.subject_token in rating["Subject"]
    assert rating["Reply-To"] == mailbox.address
    answer = EmailMessage()
    answer["From"] = "maria@example.org"
    answer["To"] = mailbox.address
    answer["Subject"] = f"Re: {rating['Subject']}"
    answer["Message-ID"] = "<rating-answer@example.org>"
    answer.set_content("It broke again this morning.")
    inbound = ingest(answer.as_bytes())
    assert inbound.ticket == ticket
    assert Ticket.objects.count() == 1
