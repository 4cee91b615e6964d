"""Accept, then process: the webhook stores a verified delivery and answers; the worker's
sender takes the messages in — once, in order per conversation, a failing one retried with
backoff and kept as failed in the end without holding back the others. A signed delivery
that cannot be read is kept as malformed and shown to admins."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ticketdesk.channels.messaging import inbound_queue, ingest
from ticketdesk.channels.messaging.models import (
    ChannelAccount,
    InboundMessage,
    InboundStatus,
    Provider,
)
from ticketdesk.core import clock
from ticketdesk.tickets.models import Message, Ticket

from .conftest import deliver, drain

pytestmark = pytest.mark.django_db

SECRET = "s3cret-token_1"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


@pytest.fixture
def account() -> ChannelAccount:
    return ChannelAccount.objects.create(
        provider=Provider.TELEGRAM, name="Support bot", access_token="1:x", webhook_secret=SECRET
    )


def update(message_id: int, text: str, chat: int = 1111111) -> dict[str, Any]:
    person = {"id": chat, "is_bot": False, "first_name": f"Person {chat}"}
    return {
        "update_id": 10000 + message_id,
        "message": {
            "date": 1441645532,
            "chat": {**person, "type": "private"},
            "from": person,
            "message_id": message_id,
            "text": text,
        },
    }


def post(client: Any, account: ChannelAccount, payload: Any) -> Any:
    return deliver(client, account, payload, HEADERS, process=False)


@pytest.fixture
def failing(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Messages whose text is "boom" fail to be taken in (as a bug or an outage would),
    `remaining` more times."""
    state = {"remaining": 1000}
    real = ingest.take_in

    def take_in(account: Any, inbound: Any, incoming: Any, files: Any, notes: Any) -> bool:
        if incoming.text == "boom" and state["remaining"] > 0:
            state["remaining"] -= 1
            raise RuntimeError("the desk fell over")
        return real(account, inbound, incoming, files, notes)

    monkeypatch.setattr(ingest, "take_in", take_in)
    return state


def texts(ticket: Ticket) -> list[str]:
    return list(ticket.messages.order_by("id").values_list("body_text", flat=True))


def test_accepting_stores_and_answers_without_ticket_work(client, account):
    response = post(client, account, update(1, "Hello"))
    assert response.status_code == 200 and response.json() == {"ok": True, "messages": 1}
    row = InboundMessage.objects.get()
    assert row.status == InboundStatus.PENDING and row.sender_id == "1111111"
    assert '"Hello"' in row.body
    assert not Ticket.objects.exists()
    assert drain() == 1
    row.refresh_from_db()
    assert row.status == InboundStatus.PROCESSED and row.ticket is not None
    assert row.identity is not None and row.processed_at is not None
    assert row.body == ""  # its text is on the ticket; the raw delivery is not kept twice


def test_a_duplicate_delivery_is_stored_once(client, account):
    assert post(client, account, update(7, "Twice")).status_code == 200
    assert post(client, account, update(7, "Twice")).status_code == 200  # before processing
    assert InboundMessage.objects.count() == 1
    drain()
    assert post(client, account, update(7, "Twice")).status_code == 200  # after processing
    assert drain() == 0
    assert InboundMessage.objects.count() == 1
    assert Message.objects.count() == 1


def test_a_signed_delivery_that_cannot_be_read_is_kept_and_shown(client, account, admin_user):
    url = f"/channels/messaging/{account.webhook_key}/"
    broken = b'{"update_id": 1, "message": '
    response = client.post(url, data=broken, content_type="application/json", headers=HEADERS)
    assert response.status_code == 200 and response.json()["kept_as_malformed"] is True
    again = client.post(url, data=broken, content_type="application/json", headers=HEADERS)
    assert again.status_code == 200
    no_id = update(2, "Hi")
    del no_id["message"]["chat"]["id"]
    del no_id["message"]["message_id"]
    assert post(client, account, no_id).json()["kept_as_malformed"] is True
    kept = list(InboundMessage.objects.order_by("id"))
    assert [k.status for k in kept] == [InboundStatus.MALFORMED] * 2
    assert kept[0].body == broken.decode() and "JSON" in kept[0].last_error
    assert "no id" in kept[1].last_error
    assert drain() == 0 and not Ticket.objects.exists()
    # a forged one is refused and not kept
    forged = client.post(
        url,
        data=broken,
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
    )
    assert forged.status_code == 403 and InboundMessage.objects.count() == 2
    client.force_login(admin_user)
    page = client.get("/admin/messaging/inboundmessage/", {"status__exact": "malformed"})
    assert page.status_code == 200
    assert kept[0].provider_message_id in page.content.decode()


def test_messages_of_a_conversation_are_taken_in_in_arrival_order(client, account, failing):
    failing["remaining"] = 1
    for number, text in enumerate(["boom", "second", "third"], start=1):
        post(client, account, update(number, text, chat=1))
    post(client, account, update(10, "other person", chat=2))
    ids, token = inbound_queue.claim(50)  # the head of each conversation only
    assert [InboundMessage.objects.get(pk=i).provider_message_id for i in ids] == ["1:1", "2:10"]
    inbound_queue.release(ids, token)

    drain()  # "boom" fails once: the rest of its conversation waits, the other goes on
    first = InboundMessage.objects.get(provider_message_id="1:1")
    assert first.status == InboundStatus.PENDING and first.attempts == 1
    assert "the desk fell over" in first.last_error
    assert InboundMessage.objects.filter(sender_id="1", status="pending").count() == 3
    assert Ticket.objects.get().requester.name == "Person 2"

    with clock.frozen(clock.now() + dt.timedelta(seconds=10)):
        drain()
    ticket = InboundMessage.objects.get(pk=first.pk).ticket
    assert ticket is not None
    assert texts(ticket) == ["boom", "second", "third"]
    assert not InboundMessage.objects.filter(status=InboundStatus.PENDING).exists()


def test_a_failing_message_is_retried_then_kept_as_failed(client, account, admin_user, failing):
    post(client, account, update(1, "boom", chat=1))
    post(client, account, update(2, "after it", chat=1))
    post(client, account, update(3, "fine", chat=2))
    drain()
    assert Ticket.objects.count() == 1  # the other conversation is not held back
    moment = clock.now()
    for attempt in range(2, inbound_queue.MAX_ATTEMPTS + 1):
        moment += inbound_queue.backoff(attempt - 1) + dt.timedelta(seconds=1)
        with clock.frozen(moment):
            drain()
    bad = InboundMessage.objects.get(provider_message_id="1:1")
    assert bad.status == InboundStatus.FAILED and bad.attempts == inbound_queue.MAX_ATTEMPTS
    assert bad.last_error == "RuntimeError: the desk fell over"
    # failed for good: its conversation goes on
    assert InboundMessage.objects.get(provider_message_id="1:2").status == "processed"

    client.force_login(admin_user)
    page = client.get("/admin/messaging/inboundmessage/", {"status__exact": "failed"})
    assert "the desk fell over" in page.content.decode()
    failing["remaining"] = 0
    client.post(
        "/admin/messaging/inboundmessage/",
        {"action": "process_again", "_selected_action": [bad.pk]},
    )
    bad.refresh_from_db()
    assert bad.status == InboundStatus.PENDING and bad.attempts == 0
    drain()
    bad.refresh_from_db()
    assert bad.status == InboundStatus.PROCESSED


def test_a_message_taken_over_by_another_worker_is_taken_in_once(client, account):
    post(client, account, update(1, "Hello"))
    ids, _stale = inbound_queue.claim(10)
    row = InboundMessage.objects.get(pk=ids[0])
    # our lease ran out; another worker claimed it and took it in
    with clock.frozen(clock.now() + dt.timedelta(seconds=inbound_queue.LEASE_SECONDS + 1)):
        assert drain() == 1
    assert inbound_queue.process(row, account) is False  # our claim no longer holds it
    assert Message.objects.count() == 1
