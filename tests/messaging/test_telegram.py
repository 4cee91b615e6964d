"""Telegram: webhooks with the secret token, threading, redelivery, replies through the Bot
API (a local fake of it), retries, and photos under the attachment limit."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from tests.factories import make_agent
from ticketdesk.channels.messaging import outbound
from ticketdesk.channels.messaging.models import (
    ChannelAccount,
    Identity,
    InboundMessage,
    OutboundMessage,
    OutboundStatus,
    Provider,
)
from ticketdesk.core import clock, outbox
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import Message, MessageKind, Ticket

from .conftest import Answer, Call, FakeApi, deliver, json_answer

pytestmark = pytest.mark.django_db

TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
SECRET = "s3cret-token_1"
_ids = itertools.count(1365)


def telegram_api(fake: FakeApi, call: Call) -> Answer:
    """Answers as https://core.telegram.org/bots/api documents them."""
    prefix = f"/bot{TOKEN}/"
    if call.path.startswith(f"/file/bot{TOKEN}/"):
        path = call.path[len(f"/file/bot{TOKEN}/") :]
        return 200, fake.files[path], "application/octet-stream"
    if not call.path.startswith(prefix):
        return json_answer({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
    method = call.path[len(prefix) :]
    if method == "getFile":
        file_id = call.query["file_id"][0]
        path = f"photos/{file_id}.jpg"
        content = fake.files[path]
        return json_answer(
            {
                "ok": True,
                "result": {
                    "file_id": file_id,
                    "file_unique_id": "AgADBAADr6cxG2",
                    "file_size": len(content),
                    "file_path": path,
                },
            }
        )
    if method == "sendMessage":
        sent = call.json
        return json_answer(
            {
                "ok": True,
                "result": {
                    "message_id": next(_ids),
                    "from": {"id": 123456, "is_bot": True, "first_name": "Desk"},
                    "chat": {"id": sent["chat_id"], "type": "private"},
                    "date": 1441645600,
                    "text": sent["text"],
                },
            }
        )
    return json_answer({"ok": False, "error_code": 404, "description": "Not Found"}, 404)


@pytest.fixture
def fake_telegram(fake_api: FakeApi) -> FakeApi:
    fake_api.respond = telegram_api
    return fake_api


@pytest.fixture
def account(fake_telegram: FakeApi, team: Any) -> ChannelAccount:
    return ChannelAccount.objects.create(
        provider=Provider.TELEGRAM,
        name="Support bot",
        access_token=TOKEN,
        webhook_secret=SECRET,
        api_base_url=fake_telegram.url,
        allow_private=True,
        team=team,
    )


def update(message_id: int = 1365, text: str = "My printer is on fire", **extra: Any) -> dict:
    """The shape of Telegram's documented webhook example."""
    return {
        "update_id": 10000 + message_id,
        "message": {
            "date": 1441645532,
            "chat": {
                "last_name": "Test Lastname",
                "id": 1111111,
                "type": "private",
                "first_name": "Test Firstname",
                "username": "Testusername",
            },
            "message_id": message_id,
            "from": {
                "last_name": "Test Lastname",
                "id": 1111111,
                "is_bot": False,
                "first_name": "Test Firstname",
                "username": "Testusername",
            },
            "text": text,
            **extra,
        },
    }


def send(client: Any, account: ChannelAccount, payload: dict, secret: str = SECRET) -> Any:
    return deliver(client, account, payload, {"X-Telegram-Bot-Api-Secret-Token": secret})


def test_inbound_opens_a_ticket_then_threads_and_ignores_redelivery(client, account, team):
    response = send(client, account, update(1365, "My printer is on fire"))
    assert response.status_code == 200, response.content
    assert response.json() == {"ok": True, "messages": 1}
    ticket = Ticket.objects.get()
    assert ticket.channel == "telegram"
    assert ticket.subject == "My printer is on fire"
    assert ticket.team == team
    identity = Identity.objects.get()
    assert identity.external_id == "1111111"
    assert identity.display_name == "Test Firstname Test Lastname"
    assert ticket.requester == identity.contact
    assert identity.contact.email == "telegram.1111111@messaging.invalid"

    assert send(client, account, update(1366, "Still burning")).status_code == 200
    assert Ticket.objects.count() == 1
    bodies = list(Message.objects.filter(ticket=ticket).values_list("body_text", flat=True))
    assert bodies == ["My printer is on fire", "Still burning"]

    again = send(client, account, update(1366, "Still burning"))  # Telegram redelivers
    assert again.status_code == 200
    assert Message.objects.filter(ticket=ticket).count() == 2
    assert InboundMessage.objects.count() == 2


def test_a_closed_ticket_is_not_reopened_a_new_one_opens(client, account, agent):
    send(client, account, update(1, "First problem"))
    first = Ticket.objects.get()
    actions.set_fields(first, actor=None, status=_closed())
    send(client, account, update(2, "Second problem"))
    assert Ticket.objects.count() == 2
    assert Ticket.objects.exclude(pk=first.pk).get().subject == "Second problem"


def _closed() -> Any:
    from ticketdesk.tickets.models import Status, StatusCategory

    return Status.objects.filter(category=StatusCategory.CLOSED).first()


def test_bad_secret_token_is_403_with_json(client, account):
    response = send(client, account, update(), secret="wrong")
    assert response.status_code == 403
    assert response.json()["error"] == "bad_signature"
    missing = deliver(client, account, update(), {})
    assert missing.status_code == 403
    assert Ticket.objects.count() == 0
    unknown = client.post("/channels/messaging/nope/", data=b"{}", content_type="application/json")
    assert unknown.status_code == 404 and unknown.json()["error"] == "unknown_account"


def test_agent_reply_goes_out_through_send_message(client, account, agent, fake_telegram):
    send(client, account, update(1, "Hello?"))
    ticket = Ticket.objects.get()
    outbox.process_pending()  # the customer's own message is not sent back
    assert fake_telegram.posts() == []
    actions.reply(ticket, actor=agent, body="Hello, how can we help?")
    actions.add_note(ticket, actor=agent, body="internal, never sent")
    outbox.process_pending()
    posts = fake_telegram.posts()
    assert len(posts) == 1
    assert posts[0].path == f"/bot{TOKEN}/sendMessage"
    assert posts[0].json == {"chat_id": "1111111", "text": "Hello, how can we help?"}
    row = OutboundMessage.objects.get()
    assert row.status == OutboundStatus.SENT and row.provider_message_id
    outbox.process_pending()  # nothing is sent twice
    assert len(fake_telegram.posts()) == 1


def test_a_500_is_retried_with_backoff(client, account, agent, fake_telegram):
    send(client, account, update(1, "Hello?"))
    ticket = Ticket.objects.get()
    fake_telegram.fail_posts = [500]
    actions.reply(ticket, actor=agent, body="Answer")
    outbox.process_pending()
    row = OutboundMessage.objects.get()
    assert row.status == OutboundStatus.PENDING and row.attempts == 1
    assert "HTTP 500" in row.last_error
    assert row.next_attempt_at is not None and row.next_attempt_at > clock.now()
    assert outbound.send_due() == 0  # not due yet
    with clock.frozen(clock.now() + dt.timedelta(minutes=2)):
        assert outbound.send_due() == 1
    row.refresh_from_db()
    assert row.status == OutboundStatus.SENT and row.attempts == 2
    assert len(fake_telegram.posts()) == 2


def test_a_rejected_reply_is_dead_lettered_with_a_note(client, account, agent, fake_telegram):
    send(client, account, update(1, "Hello?"))
    ticket = Ticket.objects.get()
    fake_telegram.fail_posts = [400]  # not worth retrying
    actions.reply(ticket, actor=agent, body="Answer")
    outbox.process_pending()
    row = OutboundMessage.objects.get()
    assert row.status == OutboundStatus.FAILED
    note = Message.objects.filter(ticket=ticket, kind=MessageKind.INTERNAL).get()
    assert "could not be delivered to Telegram" in note.body_text


def test_photo_is_downloaded_into_an_attachment(client, account, fake_telegram):
    fake_telegram.files["photos/AgACAgQ.jpg"] = b"\xff\xd8\xff\xe0" + b"x" * 500
    photo = [
        {"file_id": "small", "file_unique_id": "a", "file_size": 50, "width": 90, "height": 51},
        {"file_id": "AgACAgQ", "file_unique_id": "b", "file_size": 504, "width": 800},
    ]
    send(client, account, update(1, "", photo=photo, caption="See the smoke"))
    message = Message.objects.get()
    assert message.body_text == "See the smoke"
    attachment = message.attachments.get()
    assert attachment.size == 504 and attachment.content_type == "image/jpeg"
    assert attachment.file.read() == fake_telegram.files["photos/AgACAgQ.jpg"]


def test_media_over_the_limit_is_not_kept_and_said(client, account, fake_telegram, settings):
    settings.TICKETDESK = {**settings.TICKETDESK, "MAX_ATTACHMENT_BYTES": 1000}
    fake_telegram.files["photos/big.jpg"] = b"\xff\xd8\xff" + b"x" * 5000
    photo = [{"file_id": "big", "file_unique_id": "b", "width": 800}]  # size not declared
    send(client, account, update(1, "", photo=photo))
    message = Message.objects.get()
    assert message.attachments.count() == 0
    assert "larger than the limit" in message.body_text
    assert InboundMessage.objects.get().limits_noted


def test_merge_into_the_email_contact_gives_one_history(client, account, agent, customer):
    _user, email_contact = customer
    send(client, account, update(1, "Hi from Telegram"))
    identity = Identity.objects.get()
    placeholder = identity.contact
    from ticketdesk.channels.messaging.contacts import merge_contacts

    assert merge_contacts(placeholder, email_contact, actor=agent) == 1
    identity.refresh_from_db()
    assert identity.contact == email_contact
    assert Ticket.objects.get().requester == email_contact
    send(client, account, update(2, "Me again"))  # threads into the same ticket
    assert Ticket.objects.count() == 1
    light = make_agent(None, role="light_agent", username="light")
    from ticketdesk.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        merge_contacts(email_contact, placeholder, actor=light)


def _queries_for_replies(client, account, agent, count: int, start: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ticketdesk.core.models import OutboxMessage

    tickets = []
    for n in range(count):
        payload = update(start + n, f"Problem {start + n}")
        payload["message"]["chat"]["id"] = payload["message"]["from"]["id"] = 5000 + start + n
        send(client, account, payload)
        tickets.append(Ticket.objects.order_by("-id").first())
    first = OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for ticket in tickets:
        actions.reply(ticket, actor=agent, body="On it")
    events = list(OutboxMessage.objects.filter(id__gt=first, topic="message.created"))
    with CaptureQueriesContext(connection) as captured:
        outbound.queue_replies(events)
    assert OutboundMessage.objects.filter(ticket__in=tickets).count() == count
    return len(captured)


def test_queueing_replies_takes_a_bounded_number_of_queries(client, account, agent):
    few = _queries_for_replies(client, account, agent, 2, 100)
    many = _queries_for_replies(client, account, agent, 12, 200)
    assert many == few <= 8
