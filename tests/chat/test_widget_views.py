"""The widget's endpoints from another origin: CORS for the allow-list only, the token in
place of CSRF, precise 4xx answers with a JSON body, the event stream."""

from __future__ import annotations

import json

import pytest

from tests.kb.helpers import make_article, make_section
from ticketdesk.channels.chat import actions
from ticketdesk.channels.chat.models import ChatConversation

pytestmark = pytest.mark.django_db
SHOP = "http://shop.example.net"


@pytest.fixture(autouse=True)
def _allow_shop(settings):
    settings.TICKETDESK_CHAT_ORIGINS = [SHOP]


def post(client, url, data, **headers):
    return client.post(
        url, json.dumps(data), content_type="application/json", headers={"Origin": SHOP, **headers}
    )


def test_script_is_small_and_served(client):
    response = client.get("/chat/widget.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    import gzip

    assert len(gzip.compress(response.content)) < 30 * 1024


def test_config_says_whether_chat_is_offered_in_the_visitors_language(client, online_agent):
    response = client.get("/chat/w/config/?lang=pt-BR", headers={"Origin": SHOP})
    assert response["Access-Control-Allow-Origin"] == SHOP
    body = response.json()
    assert body["offered"] is True
    assert body["language"] == "pt-br"
    assert body["strings"]["send"] == "Enviar"
    body = client.get("/chat/w/config/?lang=it").json()
    assert body["strings"]["start"] != "Start the chat"


def test_other_origins_are_refused(client):
    response = client.get("/chat/w/config/", headers={"Origin": "http://evil.example"})
    assert response.status_code == 403
    assert response.json()["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in response


def test_preflight_names_the_token_header(client):
    response = client.options("/chat/w/start/", headers={"Origin": SHOP})
    assert response.status_code == 204
    assert "X-Chat-Token" in response["Access-Control-Allow-Headers"]


def test_start_then_talk_with_the_token_only(client, online_agent):
    response = post(
        client,
        "/chat/w/start/",
        {"name": "Vera", "email": "vera@example.net", "topic": "Printer", "page_url": SHOP + "/p"},
    )
    assert response.status_code == 201, response.content
    chat_id, token = response.json()["chat"], response.json()["token"]
    assert ChatConversation.objects.get(pk=chat_id).page_url == SHOP + "/p"
    said = post(
        client, f"/chat/w/{chat_id}/messages/", {"text": "Hello"}, **{"X-Chat-Token": token}
    )
    assert said.status_code == 201
    wrong = post(client, f"/chat/w/{chat_id}/messages/", {"text": "Hi"}, **{"X-Chat-Token": "x"})
    assert wrong.status_code == 404 and wrong.json()["code"] == "not_found"
    empty = post(client, f"/chat/w/{chat_id}/messages/", {"text": " "}, **{"X-Chat-Token": token})
    assert empty.status_code == 400 and "text" in empty.json()["fields"]
    typing = post(client, f"/chat/w/{chat_id}/typing/", {}, **{"X-Chat-Token": token})
    assert typing.status_code == 204


def test_start_names_the_wrong_fields(client):
    response = post(client, "/chat/w/start/", {"name": "", "email": "x", "topic": "t"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"name", "email"}


def test_leave_a_message(client):
    response = post(
        client,
        "/chat/w/leave/",
        {"name": "Olga", "email": "olga@example.net", "topic": "Late", "message": "Call me"},
    )
    assert response.status_code == 201
    assert response.json()["ticket"]


def test_upload_follows_the_attachment_rules(client, started, settings):
    chat, token = started
    from django.core.files.uploadedfile import SimpleUploadedFile

    ok = client.post(
        f"/chat/w/{chat.pk}/upload/",
        {"token": token, "file": SimpleUploadedFile("note.txt", b"hello", "text/plain")},
        headers={"Origin": SHOP},
    )
    assert ok.status_code == 201
    assert chat.ticket.attachments.get().original_name == "note.txt"
    settings.TICKETDESK = {**settings.TICKETDESK, "MAX_ATTACHMENT_BYTES": 3}
    big = client.post(
        f"/chat/w/{chat.pk}/upload/",
        {"token": token, "file": SimpleUploadedFile("big.txt", b"hello", "text/plain")},
        headers={"Origin": SHOP},
    )
    assert big.status_code == 413


def test_suggestions_come_from_the_knowledge_base(client):
    make_article("Connect to the VPN from home", "Open GlobalProtect.", section=make_section())
    response = client.get("/chat/w/suggest/?q=vpn+from+home", headers={"Origin": SHOP})
    articles = response.json()["articles"]
    assert [a["title"] for a in articles] == ["Connect to the VPN from home"]
    assert "/portal/" in articles[0]["url"]


def test_event_stream_sends_the_chat(client, started, online_agent):
    chat, token = started
    chat = actions.accept(chat, online_agent)
    actions.agent_says(chat, online_agent, "Hello Vera")
    assert client.get(f"/chat/w/{chat.pk}/events/?token=no").status_code == 404
    plain = client.get(f"/chat/w/{chat.pk}/events/?token={token}")
    assert plain.status_code == 406 and plain.json()["code"] == "not_acceptable"
    response = client.get(
        f"/chat/w/{chat.pk}/events/?token={token}",
        headers={"Origin": SHOP, "Accept": "text/event-stream"},
    )
    assert response["Content-Type"] == "text/event-stream"
    assert response["Access-Control-Allow-Origin"] == SHOP
    chunks = iter(response.streaming_content)
    assert next(chunks).startswith(b"retry:")
    events = [json.loads(next(chunks).split(b"data: ")[1]) for _ in range(4)]
    assert [e["kind"] for e in events] == ["queued", "message", "accepted", "message"]
    assert events[3]["text"] == "Hello Vera" and events[3]["author"] == "Ana Souza"
    response.close()  # last: closing ends the request (and its connection, in a test)


def test_transcript_request(client, started):
    chat, token = started
    response = post(client, f"/chat/w/{chat.pk}/transcript/", {}, **{"X-Chat-Token": token})
    assert response.status_code == 202
    for _ in range(3):
        response = post(client, f"/chat/w/{chat.pk}/transcript/", {}, **{"X-Chat-Token": token})
    assert response.status_code == 409


@pytest.mark.parametrize("url", ["/chat/w/start/", "/chat/w/leave/"])
def test_wrong_fields_are_named_in_the_widgets_language(client, url):
    """The walk found English errors under Portuguese labels: the widget's language decides,
    not the browser's."""
    response = post(
        client,
        f"{url}?lang=pt-BR",
        {"name": "", "email": "x", "topic": "t", "message": "m"},
        **{"Accept-Language": "en"},
    )
    assert response.status_code == 400
    messages = " ".join(m for ms in response.json()["fields"].values() for m in ms)
    assert "obrigatório" in messages and "required" not in messages
