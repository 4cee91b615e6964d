"""Marking a bug report as a duplicate (merging it) keeps its reporter informed: they are
copied on the ticket that stays and get its next reply by mail (issue 15)."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

import pytest

from ticketdesk.channels.email.ingest import ingest
from ticketdesk.core import outbox
from ticketdesk.tickets import actions

from .conftest import make_mail

pytestmark = pytest.mark.django_db


def test_the_duplicates_reporter_gets_the_replies_of_the_original(mailbox, agent, smtp_out):
    original = ingest(make_mail(message_id="<a@example.org>", subject="Save fails")).ticket
    duplicate = ingest(
        make_mail(
            sender="Rui Lima <rui@example.org>",
            message_id="<b@example.org>",
            subject="Cannot save",
        )
    ).ticket
    outbox.process_pending()
    smtp_out.clear()
    actions.merge(duplicate, original, actor=agent)
    actions.reply(original, actor=agent, body="Fixed in 4.3, please update.")
    outbox.process_pending()
    mails = [message_from_bytes(m.as_bytes(), policy=default) for m in smtp_out]
    customer_mails = [m for m in mails if not m["X-Ticketdesk-Notification"]]
    assert len(customer_mails) == 1
    (mail,) = customer_mails
    assert mail["To"] == "maria@example.org"
    assert "rui@example.org" in (mail["Cc"] or "")
    assert "Fixed in 4.3" in mail.get_body(("plain",)).get_content()
