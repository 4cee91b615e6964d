"""WhatsApp Cloud API: signed webhooks (X-Hub-Signature-256), the verify-token handshake,
threading and redelivery, replies and retries against a local fake of the Graph API, the
24-hour customer-service window, media by id under the attachment limit, and contacts
matched by phone number."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from typing import Any

import pytest

from tests.factories import ContactFactory
from ticketdesk.channels.messaging import outbound
from ticketdesk.channels.messaging.models import (
    ChannelAccount,
    Identity,
    OutboundKind,
    OutboundMessage,
    OutboundStatus,
    Provider,
)
from ticketdesk.core import clock, outbox
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import Message, MessageKind, Ticket

from .conftest import Answer, Call, FakeApi, deliver, deliver_signed, json_answer

pytestmark = pytest.mark.django_db

PHONE_NUMBER_ID = "106540352242922"
ACCESS_TOKEN = "EAAJB-test-token"
CUSTOMER = "5511987654321"
_wamids = itertools.count(1)


def graph_api(fake: FakeApi, call: Call) -> Answer:
    """Answers as the Cloud API reference documents them."""
    if call.headers.get("authorization") != f"Bearer {ACCESS_TOKEN}":
        return json_answer(
            {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException"}}, 401
        )
    if call.method == "POST" and call.path == f"/{PHONE_NUMBER_ID}/messages":
        to = call.json["to"]
        return json_answer(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": f"wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI{next(_wamids)}"}],
            }
        )
    if call.method == "GET" and call.path.startswith("/download/"):
        return 200, fake.files[call.path.rsplit("/", 1)[1]], "image/jpeg"
    media_id = call.path.strip("/")
    if call.method == "GET" and media_id in fake.files:
        content = fake.files[media_id]
        return json_answer(
            {
                "messaging_product": "whatsapp",
                "url": f"{fake.url}/download/{media_id}",
                "mime_type": "image/jpeg",
                "sha256": hashlib.sha256(content).hexdigest(),
                "file_size": str(len(content)),
                "id": media_id,
            }
        )
    return json_answer({"error": {"message": "Unsupported request", "code": 100}}, 400)


@pytest.fixture
def fake_graph(fake_api: FakeApi) -> FakeApi:
    fake_api.respond = graph_api
    return fake_api


@pytest.fixture
def account(fake_graph: FakeApi) -> ChannelAccount:
    return ChannelAccount.objects.create(
        provider=Provider.WHATSAPP,
        name="WhatsApp support",
        external_id=PHONE_NUMBER_ID,
        access_token=ACCESS_TOKEN,
        app_secret="app-secret",
        webhook_secret="verify-me",
        api_base_url=fake_graph.url,
        allow_private=True,
    )


def notification(wamid: str, message: dict[str, Any] | None = None, *, at: Any = None) -> dict:
    """The documented webhook payload of an incoming message."""
    timestamp = str(int((at or clock.now()).timestamp()))
    body = message or {"type": "text", "text": {"body": "Where is my order?"}}
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550783881",
                                "phone_number_id": PHONE_NUMBER_ID,
                            },
                            "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": CUSTOMER}],
                            "messages": [
                                {"from": CUSTOMER, "id": wamid, "timestamp": timestamp, **body}
                            ],
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def test_verify_token_handshake(client, account):
    url = f"/channels/messaging/{account.webhook_key}/"
    ok = client.get(
        url,
        {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"},
    )
    assert ok.status_code == 200 and ok.content == b"1158201444"
    bad = client.get(
        url, {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1158201444"}
    )
    assert bad.status_code == 403 and bad.json()["error"] == "bad_verify_token"


def test_inbound_threading_redelivery_and_bad_signature(client, account):
    assert deliver_signed(client, account, notification("wamid.A1")).status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.channel == "whatsapp" and ticket.subject == "Where is my order?"
    identity = Identity.objects.get()
    assert identity.display_name == "Sheena Nelson" and identity.phone == f"+{CUSTOMER}"
    second = notification("wamid.A2", {"type": "text", "text": {"body": "Order 1042"}})
    deliver_signed(client, account, second)
    deliver_signed(client, account, second)  # redelivered
    assert Ticket.objects.count() == 1
    assert Message.objects.filter(ticket=ticket).count() == 2

    forged = deliver_signed(client, account, notification("wamid.A3"), secret="not-the-secret")
    assert forged.status_code == 403 and forged.json()["error"] == "bad_signature"
    unsigned = deliver(client, account, notification("wamid.A4"), {})
    assert unsigned.status_code == 403
    assert Message.objects.count() == 2


def test_status_receipts_and_other_numbers_are_ignored(client, account):
    receipt = notification("wamid.X")
    value = receipt["entry"][0]["changes"][0]["value"]
    del value["messages"]
    value["statuses"] = [{"id": "wamid.X", "status": "delivered", "recipient_id": CUSTOMER}]
    assert deliver_signed(client, account, receipt).json() == {"ok": True, "messages": 0}
    other = notification("wamid.Y")
    other["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
    assert deliver_signed(client, account, other).json()["messages"] == 0


def test_contact_matched_by_phone_number(client, account):
    known = ContactFactory(email="sheena@example.org", phone=f"+{CUSTOMER}")
    deliver_signed(client, account, notification("wamid.B1"))
    assert Ticket.objects.get().requester == known


def test_reply_inside_the_window_is_sent_as_text_and_retried(client, account, agent, fake_graph):
    deliver_signed(client, account, notification("wamid.C1"))
    ticket = Ticket.objects.get()
    fake_graph.fail_posts = [500]
    actions.reply(ticket, actor=agent, body="It ships tomorrow.")
    outbox.process_pending()
    row = OutboundMessage.objects.get()
    assert row.status == OutboundStatus.PENDING and row.attempts == 1
    with clock.frozen(clock.now() + dt.timedelta(minutes=1)):
        outbound.send_due()
    row.refresh_from_db()
    assert row.status == OutboundStatus.SENT and row.provider_message_id.startswith("wamid.")
    sent = fake_graph.posts()[-1].json
    assert sent == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": CUSTOMER,
        "type": "text",
        "text": {"preview_url": False, "body": "It ships tomorrow."},
    }


def test_outside_the_window_only_the_template_is_sent(client, account, agent, fake_graph):
    account.template_name = "follow_up"
    account.template_language = "pt_BR"
    account.save()
    deliver_signed(client, account, notification("wamid.D1"))
    ticket = Ticket.objects.get()
    with clock.frozen(clock.now() + dt.timedelta(hours=25)):
        actions.reply(ticket, actor=agent, body="Sorry for the delay")
        outbox.process_pending()
    row = OutboundMessage.objects.get()
    assert row.kind == OutboundKind.TEMPLATE and row.status == OutboundStatus.SENT
    sent = fake_graph.posts()[-1].json
    assert sent["type"] == "template"
    assert sent["template"] == {"name": "follow_up", "language": {"code": "pt_BR"}}
    assert "text" not in sent
    note = Message.objects.get(ticket=ticket, kind=MessageKind.INTERNAL)
    assert "more than 24 hours" in note.body_text and "follow_up" in note.body_text


def test_outside_the_window_without_template_nothing_is_sent(client, account, agent, fake_graph):
    deliver_signed(client, account, notification("wamid.E1"))
    ticket = Ticket.objects.get()
    with clock.frozen(clock.now() + dt.timedelta(hours=24, minutes=1)):
        actions.reply(ticket, actor=agent, body="Hello?")
        outbox.process_pending()
    assert fake_graph.posts() == []
    assert OutboundMessage.objects.count() == 0
    note = Message.objects.get(ticket=ticket, kind=MessageKind.INTERNAL)
    assert "NOT sent to WhatsApp" in note.body_text
    # the customer writes again: the window opens, the next reply goes out as text
    with clock.frozen(clock.now() + dt.timedelta(hours=25)):
        deliver_signed(client, account, notification("wamid.E2", at=clock.now()))
        actions.reply(ticket, actor=agent, body="Now it works")
        outbox.process_pending()
    assert fake_graph.posts()[-1].json["text"]["body"] == "Now it works"


def test_image_by_media_id_and_the_size_limit(client, account, fake_graph, settings):
    fake_graph.files["1037543291543636"] = b"\xff\xd8\xff\xe0" + b"p" * 300
    image = {
        "type": "image",
        "image": {
            "caption": "Broken box",
            "mime_type": "image/jpeg",
            "sha256": "abc",
            "id": "1037543291543636",
        },
    }
    deliver_signed(client, account, notification("wamid.F1", image))
    message = Message.objects.get()
    assert message.body_text == "Broken box"
    attachment = message.attachments.get()
    assert attachment.size == 304 and attachment.content_type == "image/jpeg"

    settings.TICKETDESK = {**settings.TICKETDESK, "MAX_ATTACHMENT_BYTES": 100}
    image["image"]["id"] = "1037543291543636"
    deliver_signed(client, account, notification("wamid.F2", image))
    latest = Message.objects.order_by("-id").first()
    assert latest.attachments.count() == 0
    assert "larger than the limit" in latest.body_text
    downloads = [c for c in fake_graph.calls if c.path.startswith("/download/")]
    assert len(downloads) == 1  # the declared size was enough to refuse it
