"""The agents' chat console: who may open it, accepting, answering, transferring, ending;
bounded queries on its lists."""

from __future__ import annotations

import json

import pytest

from tests.factories import make_agent
from ticketdesk.channels.chat import actions
from ticketdesk.channels.chat.models import ChatAgent, ChatStatus

pytestmark = pytest.mark.django_db
FETCH = {"X-Requested-With": "fetch"}


def test_only_agents_open_the_console(client, customer, team):
    assert client.get("/chat/console/").status_code == 302  # to the sign-in page
    client.force_login(customer[0])
    assert client.get("/chat/console/").status_code == 403
    client.force_login(make_agent(team, role="light_agent", username="lia"))
    assert client.get("/chat/console/").status_code == 403
    refused = client.post("/chat/console/presence/", {"status": "online"}, headers=FETCH)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"


def test_presence_toggle(client, agent):
    client.force_login(agent)
    response = client.post("/chat/console/presence/", {"status": "online", "max_chats": "4"})
    assert response.status_code == 302
    row = ChatAgent.objects.get(user=agent)
    assert (row.status, row.max_chats) == ("online", 4)
    bad = client.post("/chat/console/presence/", {"max_chats": "99"}, headers=FETCH)
    assert bad.status_code == 400 and "max_chats" in bad.json()["fields"]


def test_accept_answer_transfer_end(client, online_agent, started, team):
    chat, _token = started
    colleague = make_agent(team, username="bea")
    actions.set_presence(colleague, actor=colleague, status="online")
    client.force_login(online_agent)
    page = client.get("/chat/console/")
    assert b"Vera Visitor" in page.content and b"Accept the chat with Vera Visitor" in page.content
    assert client.post(f"/chat/console/chats/{chat.pk}/accept/", headers=FETCH).status_code == 200
    panel = client.get(f"/chat/console/chats/{chat.pk}/")
    assert b"https://shop.example.net/help" in panel.content  # the visitor's page
    said = client.post(f"/chat/console/chats/{chat.pk}/say/", {"text": "Hi Vera"}, headers=FETCH)
    assert said.status_code == 200
    assert chat.ticket.messages.filter(body_text="Hi Vera").exists()
    assert client.post(f"/chat/console/chats/{chat.pk}/typing/").status_code == 204
    moved = client.post(
        f"/chat/console/chats/{chat.pk}/transfer/", {"to": f"agent:{colleague.pk}"}, headers=FETCH
    )
    assert moved.status_code == 200
    chat.refresh_from_db()
    assert chat.agent == colleague
    # no longer hers: 403 with a JSON body
    again = client.post(f"/chat/console/chats/{chat.pk}/say/", {"text": "x"}, headers=FETCH)
    assert again.status_code == 403 and again.json()["code"] == "permission_denied"
    client.force_login(colleague)
    assert client.post(f"/chat/console/chats/{chat.pk}/end/", headers=FETCH).status_code == 200
    chat.refresh_from_db()
    assert chat.status == ChatStatus.ENDED


def test_console_stream_hears_the_queue(client, online_agent, started):
    chat, _token = started
    client.force_login(online_agent)
    response = client.get("/chat/console/events/?after=0", headers={"Accept": "text/event-stream"})
    chunks = iter(response.streaming_content)
    next(chunks)
    first = json.loads(next(chunks).split(b"data: ")[1])
    response.close()
    assert first["kind"] == "queued" and first["chat"] == chat.pk


def test_console_queries_are_bounded(client, online_agent, django_assert_max_num_queries):
    for n in range(8):
        other, _t = actions.start_chat(name=f"V{n}", email=f"v{n}@example.net", topic="Hi")
        if n < 2:
            actions.accept(other, online_agent)
    client.force_login(online_agent)
    client.get("/chat/console/lists/")
    with django_assert_max_num_queries(20):
        response = client.get("/chat/console/lists/")
    assert response.content.count(b"data-open-chat") == 8
