"""Every message of tests/email/corpus/ has its expected outcome (expected.json): state,
decoded subject and body, sanitised HTML, attachments, and whether an automatic
acknowledgement is sent (to a real SMTP server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ticketdesk.channels.email.ingest import ingest
from ticketdesk.core import outbox

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())


def test_every_corpus_file_has_an_expectation():
    assert sorted(p.name for p in CORPUS.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message(name, mailbox, smtp_out):
    expected = EXPECTED[name]
    raw = (CORPUS / name).read_bytes()
    inbound = ingest(raw)
    assert inbound.state == expected["state"], inbound.reason
    assert bytes(inbound.raw) == raw
    if "reason" in expected:
        assert expected["reason"] in inbound.reason
    if inbound.state != "processed":
        assert inbound.ticket is None
        return
    message = inbound.message
    ticket = inbound.ticket
    if "subject" in expected:
        assert ticket.subject == expected["subject"]
    for fragment in expected.get("text", []):
        assert fragment in message.body_text
    for fragment in expected.get("html", []):
        assert fragment in message.body_html
    for fragment in expected.get("html_not", []):
        assert fragment not in message.body_html
    if "attachments" in expected:
        got = list(message.attachments.order_by("id"))
        assert [a.original_name for a in got] == [e[0] for e in expected["attachments"]]
        for attachment, (_name, content_type, content_id, inline) in zip(
            got, expected["attachments"], strict=True
        ):
            if content_type:
                assert attachment.content_type == content_type
            assert attachment.content_id == content_id
            assert attachment.is_inline is inline
            assert "/" not in attachment.original_name and "\x00" not in attachment.original_name
    if "no_auto_reply" in expected:
        assert expected["no_auto_reply"].lower() in inbound.no_auto_reply.lower()
    outbox.process_pending()
    acknowledged = [m for m in smtp_out if m["X-Ticketdesk-Ticket"] == str(ticket.number)]
    if "ack" in expected:
        assert bool(acknowledged) is expected["ack"]


@pytest.mark.django_db
def test_inline_images_point_at_the_stored_attachment(mailbox):
    from django.template import Context, Template

    inbound = ingest((CORPUS / "nested_inline_image.eml").read_bytes())
    message = inbound.message
    image = message.attachments.get(is_inline=True)
    rendered = Template(
        "{% load email_channel %}{{ message.body_html|inline_images:message }}"
    ).render(Context({"message": message}))
    assert f'src="/files/{image.pk}/"' in rendered
    assert "cid:" not in rendered
