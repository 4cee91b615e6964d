"""Facebook Messenger and Instagram direct messages through the Graph webhook format:
signed webhooks, handshake, threading, redelivery, echoes ignored, replies and retries
through a local fake of the Send API, attachments by URL under the size limit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ticketdesk.channels.messaging import outbound
from ticketdesk.channels.messaging.models import (
    ChannelAccount,
    Identity,
    OutboundMessage,
    OutboundStatus,
    Provider,
)
from ticketdesk.core import clock, outbox
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import Message, Ticket

from .conftest import Answer, Call, FakeApi, deliver, deliver_signed, json_answer

pytestmark = pytest.mark.django_db

PAGE_ID = "1067280970047460"
PSID = "2147483647123456"
TOKEN = "EAAG-page-token"


def send_api(fake: FakeApi, call: Call) -> Answer:
    """The Send API and the attachment CDN, as documented."""
    if call.method == "GET" and call.path.startswith("/cdn/"):
        return 200, fake.files[call.path.rsplit("/", 1)[1]], "image/png"
    if call.headers.get("authorization") != f"Bearer {TOKEN}":
        return json_answer({"error": {"message": "Invalid OAuth access token.", "code": 190}}, 401)
    if call.method == "POST" and call.path == "/me/messages":
        return json_answer(
            {
                "recipient_id": call.json["recipient"]["id"],
                "message_id": "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8",
            }
        )
    return json_answer({"error": {"message": "Unknown path", "code": 100}}, 400)


@pytest.fixture
def fake_meta(fake_api: FakeApi) -> FakeApi:
    fake_api.respond = send_api
    return fake_api


def make_account(fake: FakeApi, provider: str = Provider.MESSENGER) -> ChannelAccount:
    return ChannelAccount.objects.create(
        provider=provider,
        name=f"{provider} inbox",
        external_id=PAGE_ID,
        access_token=TOKEN,
        app_secret="app-secret",
        webhook_secret="verify-me",
        api_base_url=fake.url,
        allow_private=True,
    )


@pytest.fixture
def account(fake_meta: FakeApi) -> ChannelAccount:
    return make_account(fake_meta)


def event(mid: str, text: str = "hello, world!", *, obj: str = "page", **message: Any) -> dict:
    """The documented `messages` webhook event."""
    now = int(clock.now().timestamp() * 1000)
    return {
        "object": obj,
        "entry": [
            {
                "id": PAGE_ID,
                "time": now,
                "messaging": [
                    {
                        "sender": {"id": PSID},
                        "recipient": {"id": PAGE_ID},
                        "timestamp": now,
                        "message": {"mid": mid, "text": text, **message},
                    }
                ],
            }
        ],
    }


def test_messenger_inbound_threads_and_ignores_redelivery_and_echoes(client, account):
    assert deliver_signed(client, account, event("mid.1457764197618:41d1")).status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.channel == "messenger" and ticket.subject == "hello, world!"
    assert Identity.objects.get().external_id == PSID
    deliver_signed(client, account, event("mid.2", "second"))
    deliver_signed(client, account, event("mid.2", "second"))
    echo = event("mid.3", "our own reply", is_echo=True)
    assert deliver_signed(client, account, echo).json()["messages"] == 0
    assert Ticket.objects.count() == 1
    assert Message.objects.filter(ticket=ticket).count() == 2


def test_bad_signature_and_handshake(client, account):
    forged = deliver_signed(client, account, event("mid.9"), secret="other")
    assert forged.status_code == 403 and forged.json()["error"] == "bad_signature"
    assert deliver(client, account, event("mid.9"), {}).status_code == 403
    assert Ticket.objects.count() == 0
    url = f"/channels/messaging/{account.webhook_key}/"
    answer = client.get(
        url, {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "42"}
    )
    assert answer.content == b"42"


def test_reply_goes_to_the_send_api_with_a_retry(client, account, agent, fake_meta):
    deliver_signed(client, account, event("mid.1"))
    ticket = Ticket.objects.get()
    fake_meta.fail_posts = [500, 503]
    actions.reply(ticket, actor=agent, body="Hi! What can we do for you?")
    outbox.process_pending()
    for minutes in (1, 3):
        with clock.frozen(clock.now() + dt.timedelta(minutes=minutes)):
            outbound.send_due()
    row = OutboundMessage.objects.get()
    assert row.status == OutboundStatus.SENT and row.attempts == 3
    assert row.provider_message_id.startswith("m_")
    assert fake_meta.posts()[-1].json == {
        "recipient": {"id": PSID},
        "messaging_type": "RESPONSE",
        "message": {"text": "Hi! What can we do for you?"},
    }


def test_instagram_uses_the_same_format(client, fake_meta, agent):
    account = make_account(fake_meta, Provider.INSTAGRAM)
    deliver_signed(
        client, account, event("aWdfZAG1faXRlbTox", "Is this in stock?", obj="instagram")
    )
    ticket = Ticket.objects.get()
    assert ticket.channel == "instagram"
    page_event = event("mid.page", "not for instagram")  # a Messenger event: not ours
    assert deliver_signed(client, account, page_event).json()["messages"] == 0
    actions.reply(ticket, actor=agent, body="Yes")
    outbox.process_pending()
    assert OutboundMessage.objects.get().status == OutboundStatus.SENT


def test_attachment_url_downloaded_and_limit_enforced(client, account, fake_meta, settings):
    fake_meta.files["shot.png"] = b"\x89PNG\r\n\x1a\n" + b"q" * 200
    fake_meta.files["huge.png"] = b"\x89PNG\r\n\x1a\n" + b"q" * 5000
    image = [{"type": "image", "payload": {"url": f"{fake_meta.url}/cdn/shot.png"}}]
    deliver_signed(client, account, event("mid.a", "", attachments=image))
    attachment = Message.objects.get().attachments.get()
    assert attachment.original_name == "shot.png" and attachment.content_type == "image/png"
    assert attachment.size == 208

    settings.TICKETDESK = {**settings.TICKETDESK, "MAX_ATTACHMENT_BYTES": 1000}
    huge = [{"type": "image", "payload": {"url": f"{fake_meta.url}/cdn/huge.png"}}]
    deliver_signed(client, account, event("mid.b", "look", attachments=huge))
    latest = Message.objects.order_by("-id").first()
    assert latest.attachments.count() == 0
    assert "larger than the limit" in latest.body_text


def test_a_private_api_address_is_refused_unless_allowed(client, account, agent, fake_meta):
    account.allow_private = False
    account.save()
    deliver_signed(client, account, event("mid.1"))
    actions.reply(Ticket.objects.get(), actor=agent, body="Hi")
    outbox.process_pending()
    row = OutboundMessage.objects.get()
    assert row.status == OutboundStatus.FAILED and "private or local" in row.last_error
    assert fake_meta.posts() == []
