"""Query budget of ingesting one mail (issue 20): configuration (mailboxes, staff addresses)
comes from the per-process cache, the mailbox row is not loaded again, and threading stops
at the first source that names the most recent reference."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ticketdesk.channels.email.ingest import ingest
from ticketdesk.channels.email.models import InboundState, ThreadReason

from .conftest import make_mail

pytestmark = pytest.mark.django_db

NEW_TICKET_BUDGET = 16  # 19 before (mailbox row, staff lookup, team)
REPLY_BUDGET = 12  # 16 before (and the two other threading sources)


def _selects_from(captured: CaptureQueriesContext, table: str) -> list[str]:
    return [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].lstrip().upper().startswith("SELECT") and f'FROM "{table}"' in q["sql"]
    ]


def _statements(captured: CaptureQueriesContext) -> list[str]:
    """What ran, savepoints (the test's own transaction) left aside."""
    return [
        q["sql"][:100]
        for q in captured.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def test_ingest_reads_no_configuration_per_mail(mailbox):
    ingest(make_mail(message_id="<warm@example.org>", sender="warm@example.org"))
    with CaptureQueriesContext(connection) as new:
        first = ingest(make_mail(message_id="<q1@example.org>"))
    assert first.state == InboundState.PROCESSED, first.reason
    assert first.mailbox == mailbox
    assert first.ticket.team == mailbox.team
    with CaptureQueriesContext(connection) as reply:
        second = ingest(
            make_mail(
                subject="Re: Printer on fire",
                message_id="<q2@example.org>",
                headers={"In-Reply-To": "<q1@example.org>"},
            )
        )
    assert second.thread_reason == ThreadReason.HEADER
    assert second.ticket == first.ticket
    for captured in (new, reply):
        assert _selects_from(captured, "email_channel_mailbox") == []
        assert _selects_from(captured, "accounts_user") == []
    # the mailbox's team comes with the cached mailbox; only intake checks it is active
    assert len(_selects_from(new, "accounts_team")) <= 1
    # found among the ticket messages: the mail we sent and the mail received are not asked
    assert _selects_from(reply, "email_channel_outboundemail") == []
    assert len(_statements(new)) <= NEW_TICKET_BUDGET, _statements(new)
    assert len(_statements(reply)) <= REPLY_BUDGET, _statements(reply)


def test_a_new_agent_address_is_seen_at_once(mailbox, team):
    """The staff-address cache is cleared when a user is saved: mail from a just-created
    agent is recognised as the agent's (held: not authenticated), not as a customer's."""
    from ticketdesk.accounts.actions import create_user

    ingest(make_mail(message_id="<w2@example.org>", sender="someone@example.org"))
    create_user(
        username="newagent",
        email="newagent@desk.test",
        password="x-secret-123",
        role="agent",
        teams=[team],
    )
    inbound = ingest(make_mail(message_id="<a3@example.org>", sender="newagent@desk.test"))
    assert inbound.state == InboundState.HELD, inbound.reason


def test_a_mailbox_change_is_seen_at_once(mailbox, team):
    from ticketdesk.accounts.models import Team

    ingest(make_mail(message_id="<w3@example.org>"))
    other = Team.objects.create(name="Other", slug="other")
    mailbox.team = other
    mailbox.save()
    inbound = ingest(make_mail(message_id="<m2@example.org>", subject="Another"))
    assert inbound.ticket.team == other
