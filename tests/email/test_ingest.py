"""The ingestion path: store first, process, idempotency, quarantine, threading."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from ticketdesk.channels.email.ingest import ingest, reprocess
from ticketdesk.channels.email.models import (
    ClosedReplyRule,
    InboundEmail,
    InboundState,
    OutboundEmail,
    OutboundKind,
    ThreadReason,
)
from ticketdesk.channels.email.reply_address import reply_address_for
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import LinkKind, Message, Status, Ticket, TicketLink, Transition

from .conftest import make_mail

pytestmark = pytest.mark.django_db


def test_new_mail_opens_a_ticket_with_mailbox_defaults(mailbox):
    inbound = ingest(make_mail(message_id="<first@example.org>"))
    assert inbound.state == InboundState.PROCESSED, inbound.reason
    assert inbound.mailbox == mailbox
    assert inbound.thread_reason == ThreadReason.NEW
    ticket = inbound.ticket
    assert ticket.subject == "Printer on fire"
    assert ticket.team == mailbox.team
    assert ticket.requester.email == "maria@example.org"
    assert ticket.requester.name == "Maria Silva"
    assert inbound.message.external_message_id == "first@example.org"
    assert "floor 2" in inbound.message.body_text
    assert bytes(inbound.raw).startswith(b"From:") or b"Message-ID" in bytes(inbound.raw)


def test_same_message_twice_is_a_duplicate(mailbox):
    raw = make_mail(message_id="<dup@example.org>")
    first = ingest(raw)
    # a relay adds a trace header on the second delivery: still the same message
    second = ingest(b"Received: from relay.example by mx; Mon, 23 Nov 2026\r\n" + raw)
    assert first.state == InboundState.PROCESSED
    assert second.state == InboundState.DUPLICATE
    assert second.duplicate_of == first
    assert second.ticket == first.ticket
    assert Ticket.objects.count() == 1
    assert Message.objects.count() == 1
    assert InboundEmail.objects.count() == 2  # both deliveries are kept


def test_same_message_id_different_content_both_kept(mailbox):
    first = ingest(make_mail(message_id="<same@example.org>", body="one"))
    second = ingest(make_mail(message_id="<same@example.org>", body="two", subject="Other"))
    assert first.state == second.state == InboundState.PROCESSED
    assert first.ticket != second.ticket
    assert Message.objects.filter(external_message_id="same@example.org").count() == 2


def test_threading_by_in_reply_to_of_a_received_message(mailbox):
    first = ingest(make_mail(message_id="<a1@example.org>"))
    reply = ingest(
        make_mail(
            subject="Re: something else",
            message_id="<a2@example.org>",
            headers={"In-Reply-To": "<a1@example.org>", "References": "<a1@example.org>"},
        )
    )
    assert reply.thread_reason == ThreadReason.HEADER
    assert reply.ticket == first.ticket
    assert first.ticket.messages.count() == 2


def test_threading_by_references_of_a_mail_we_sent(mailbox, agent):
    first = ingest(make_mail(message_id="<b1@example.org>"))
    OutboundEmail.objects.create(
        email_message_id="td1.xyz@desk.test",
        dedupe_key="reply:x",
        kind=OutboundKind.REPLY,
        ticket=first.ticket,
        created_at=first.received_at,
    )
    reply = ingest(
        make_mail(
            sender="someone.else@example.net",
            subject="no token here",
            headers={"References": "<unknown@x> <td1.xyz@desk.test>"},
        )
    )
    assert reply.thread_reason == ThreadReason.HEADER
    assert reply.ticket == first.ticket


def test_token_from_the_requester_threads(mailbox):
    first = ingest(make_mail())
    ticket = first.ticket
    reply = ingest(make_mail(subject=f"Re: {ticket.subject_token} Printer on fire", body="More"))
    assert reply.thread_reason == ThreadReason.TOKEN
    assert reply.ticket == ticket


def test_token_from_a_cc_contact_threads_and_agent_reply_is_public(mailbox, agent):
    first = ingest(make_mail(headers={"Cc": "Boss <boss@example.org>"}))
    ticket = first.ticket
    assert list(ticket.cc.values_list("email", flat=True)) == ["boss@example.org"]
    from_cc = ingest(make_mail(sender="boss@example.org", subject=f"{ticket.subject_token} hi"))
    assert from_cc.ticket == ticket
    from_agent = ingest(
        make_mail(
            sender=agent.email,
            to=reply_address_for(ticket, agent),
            subject=f"Re: {ticket.subject_token} x",
        )
    )
    assert from_agent.ticket == ticket
    assert from_agent.message.author_user == agent
    assert from_agent.message.kind == "public"
    assert not from_agent.message.is_customer_message


def test_token_from_a_stranger_opens_a_new_ticket_not_linked_to_it(mailbox):
    """Issue 19, item 3: a link would show the other ticket's subject to the stranger."""
    first = ingest(make_mail())
    ticket = first.ticket
    stranger = ingest(
        make_mail(sender="mallory@evil.test", subject=f"Re: {ticket.subject_token} give me")
    )
    assert stranger.thread_reason == ThreadReason.NEW
    assert stranger.ticket != ticket
    assert not TicketLink.objects.filter(target=ticket).exists()
    assert not TicketLink.objects.filter(source=ticket).exists()
    assert ticket.messages.count() == 1
    assert ticket.display_number in stranger.reason  # the administrator is told why


def test_guessing_ticket_numbers_by_mail_tells_nothing(mailbox):
    """A stranger's [#N] for an existing and for a missing ticket: the same outcome."""
    ticket = ingest(make_mail(subject="Salary review")).ticket
    outcomes = []
    for number in (ticket.number, ticket.number + 500):
        guess = ingest(
            make_mail(sender="mallory@evil.test", subject=f"Re: [#{number}] hello", body="x")
        )
        events = list(guess.ticket.events.values_list("kind", flat=True))
        outcomes.append((guess.thread_reason, events, guess.ticket.links_out.count()))
    assert outcomes[0] == outcomes[1]
    assert not TicketLink.objects.exists()


def _close(ticket):
    actions.change_status(ticket, Status.objects.get(key="closed"), actor=None)
    ticket.refresh_from_db()
    return ticket


def test_reply_to_closed_ticket_opens_follow_up(mailbox):
    ticket = _close(ingest(make_mail(message_id="<c1@example.org>")).ticket)
    reply = ingest(
        make_mail(message_id="<c2@example.org>", headers={"In-Reply-To": "<c1@example.org>"})
    )
    assert reply.thread_reason == ThreadReason.FOLLOW_UP
    assert reply.ticket != ticket
    assert reply.ticket.team == ticket.team
    assert TicketLink.objects.filter(
        source=reply.ticket, target=ticket, kind=LinkKind.FOLLOW_UP
    ).exists()


def test_reply_to_closed_ticket_reopens_when_the_rule_says_so(mailbox):
    mailbox.closed_reply_rule = ClosedReplyRule.REOPEN
    mailbox.save()
    Transition.objects.create(
        from_status=Status.objects.get(key="closed"), to_status=Status.objects.get(key="open")
    )
    ticket = _close(ingest(make_mail(message_id="<d1@example.org>")).ticket)
    reply = ingest(
        make_mail(message_id="<d2@example.org>", headers={"In-Reply-To": "<d1@example.org>"})
    )
    assert reply.thread_reason == ThreadReason.HEADER
    assert reply.ticket == ticket
    ticket.refresh_from_db()
    assert ticket.status_category == "open"
    assert ticket.reopen_count == 1


def test_reopen_rule_falls_back_to_follow_up_when_workflow_forbids(mailbox):
    mailbox.closed_reply_rule = ClosedReplyRule.REOPEN
    mailbox.save()
    ticket = _close(ingest(make_mail(message_id="<e1@example.org>")).ticket)
    reply = ingest(
        make_mail(message_id="<e2@example.org>", headers={"In-Reply-To": "<e1@example.org>"})
    )
    assert reply.thread_reason == ThreadReason.FOLLOW_UP
    assert reply.ticket != ticket


def test_malformed_message_is_quarantined_then_reprocessed(mailbox):
    raw = b"Subject: no sender at all\r\nMessage-ID: <bad@example.org>\r\n\r\nbody\r\n"
    inbound = ingest(raw)
    assert inbound.state == InboundState.QUARANTINED
    assert "sender" in inbound.reason
    assert bytes(inbound.raw) == raw
    assert Ticket.objects.count() == 0
    # the admin fixes the cause (here: the raw message is repaired) and re-processes it
    InboundEmail.objects.filter(pk=inbound.pk).update(raw=b"From: fixed@example.org\r\n" + raw)
    inbound.refresh_from_db()
    again = reprocess(inbound)
    assert again.state == InboundState.PROCESSED
    assert again.attempts == 2
    assert again.ticket.requester.email == "fixed@example.org"


def test_mail_from_our_own_address_is_ignored(mailbox):
    inbound = ingest(make_mail(sender="support@desk.test"))
    assert inbound.state == InboundState.IGNORED
    assert Ticket.objects.count() == 0


def test_bounce_is_noted_on_the_ticket_not_opened(mailbox):
    ticket = ingest(make_mail()).ticket
    OutboundEmail.objects.create(
        email_message_id="td9.bounced@desk.test",
        dedupe_key="reply:b",
        kind=OutboundKind.REPLY,
        ticket=ticket,
        recipients="maria@example.org",
        created_at=ticket.created_at,
    )
    dsn = (
        b"From: MAILER-DAEMON@mx.example.org\r\nTo: support@desk.test\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn1@mx>\r\n"
        b"Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nMail could not be delivered.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example.org\r\n\r\nFinal-Recipient: rfc822; maria@example.org\r\n"
        b"Action: failed\r\nStatus: 5.1.1\r\n"
        b"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        b"From: support@desk.test\r\nMessage-ID: <td9.bounced@desk.test>\r\nSubject: Re\r\n"
        b"--B--\r\n"
    )
    inbound = ingest(dsn)
    assert inbound.state == InboundState.PROCESSED, inbound.reason
    assert inbound.thread_reason == ThreadReason.BOUNCE
    assert inbound.ticket == ticket
    assert inbound.message.kind == "internal"
    assert "5.1.1" in inbound.message.body_text
    assert Ticket.objects.count() == 1
    assert OutboundEmail.objects.get(dedupe_key="reply:b").bounced_at is not None


def test_unknown_bounce_is_ignored(mailbox):
    dsn = (
        b"From: MAILER-DAEMON@mx.example.org\r\nTo: support@desk.test\r\nSubject: failure\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; "
        b'boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--B--\r\n'
    )
    inbound = ingest(dsn)
    assert inbound.state == InboundState.IGNORED
    assert Ticket.objects.count() == 0


@hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.one_of(
        st.binary(max_size=2000),
        st.builds(
            lambda head, body: b"From: fuzz@example.org\r\n" + head + b"\r\n\r\n" + body,
            st.binary(max_size=300),
            st.binary(max_size=500),
        ),
    )
)
def test_random_bytes_are_never_lost(mailbox, raw):
    before = InboundEmail.objects.count()
    inbound = ingest(raw)
    assert InboundEmail.objects.count() == before + 1
    assert bytes(InboundEmail.objects.get(pk=inbound.pk).raw) == raw
    assert inbound.state in (
        InboundState.PROCESSED,
        InboundState.QUARANTINED,
        InboundState.DUPLICATE,
        InboundState.IGNORED,
        # a malformed From (e.g. b"From: fuzz@example.org\r\n\t\x17...") is held for review
        InboundState.HELD,
    )
