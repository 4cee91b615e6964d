"""Ticket endpoints: idempotency, optimistic locking, attachments, pagination, query counts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import ContactFactory, make_agent, make_ticket
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_idempotency_key_replays_the_first_ticket(api_for, agent, team):
    api = api_for(agent)
    body = {"subject": "Printer jam", "requester_email": "bob@example.org", "team_id": team.pk}
    first = api.post("/api/v1/tickets", body, headers={"Idempotency-Key": "abc-1"})
    again = api.post("/api/v1/tickets", body, headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 201
    assert first.json()["number"] == again.json()["number"]
    assert again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    other = api.post(
        "/api/v1/tickets", {**body, "subject": "Other"}, headers={"Idempotency-Key": "abc-1"}
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    # keys are per user
    colleague = api_for(make_agent(team, username="luca"))
    assert (
        colleague.post("/api/v1/tickets", body, headers={"Idempotency-Key": "abc-1"}).status_code
        == 201
    )
    assert Ticket.objects.count() == 2


def test_failed_create_does_not_burn_the_key(api_for, agent, team):
    api = api_for(agent)
    bad = {"subject": "  ", "requester_email": "bob@example.org", "team_id": team.pk}
    assert api.post("/api/v1/tickets", bad, headers={"Idempotency-Key": "k"}).status_code == 400
    good = {"subject": "ok", "requester_email": "bob@example.org", "team_id": team.pk}
    assert api.post("/api/v1/tickets", good, headers={"Idempotency-Key": "k"}).status_code == 201
    assert Ticket.objects.count() == 1


def test_stale_version_is_409_with_current_state(api_for, agent, team):
    ticket = make_ticket(team=team)
    api = api_for(agent)
    etag = api.get(f"/api/v1/tickets/{ticket.number}")["ETag"]
    actions.set_fields(ticket, actor=agent, urgency=4)  # someone else changes it
    response = api.patch(
        f"/api/v1/tickets/{ticket.number}", {"subject": "Mine"}, headers={"If-Match": etag}
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    assert body["current_version"] == ticket.version + 1
    assert body["ticket"]["urgency"] == 4 and body["ticket"]["subject"] == ticket.subject
    assert any(c["field"] == "urgency" for c in body["changes"])
    fresh = api.patch(
        f"/api/v1/tickets/{ticket.number}", {"subject": "Mine", "version": body["current_version"]}
    )
    assert fresh.status_code == 200 and fresh.json()["subject"] == "Mine"


def test_invalid_transition_is_400(api_for, agent, team):
    ticket = make_ticket(team=team)
    response = api_for(agent).post(f"/api/v1/tickets/{ticket.number}/status", {"status": "nope"})
    assert response.status_code == 400
    assert "status" in response.json()["fields"]


def test_upload_download_and_size_limit(api_for, agent, team, customer, settings):
    user, contact = customer
    ticket = make_ticket(team=team, requester=contact)
    api = api_for(agent)
    upload = api.client.post(
        f"/api/v1/tickets/{ticket.number}/attachments",
        {"files": [SimpleUploadedFile("log.txt", b"line one\n")], "body": "The log"},
        headers={"Authorization": f"Bearer {api.secret}"},
    )
    assert upload.status_code == 201, upload.content
    attachment = upload.json()["attachments"][0]
    assert attachment["name"] == "log.txt" and attachment["size"] == 9
    note = api.client.post(
        f"/api/v1/tickets/{ticket.number}/attachments",
        {"files": [SimpleUploadedFile("secret.txt", b"internal")], "kind": "internal"},
        headers={"Authorization": f"Bearer {api.secret}"},
    )
    internal = note.json()["attachments"][0]
    mine = api_for(user)
    download = mine.get(attachment["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"line one\n"
    assert "attachment" in download["Content-Disposition"]
    assert mine.get(internal["url"]).status_code == 404
    assert api_for(ContactFactory() and make_agent(None)).get(attachment["url"]).status_code == 404

    settings.TICKETDESK = {**settings.TICKETDESK, "MAX_ATTACHMENT_BYTES": 10}
    too_big = api.client.post(
        f"/api/v1/tickets/{ticket.number}/attachments",
        {"files": [SimpleUploadedFile("big.bin", b"x" * 11)]},
        headers={"Authorization": f"Bearer {api.secret}"},
    )
    assert too_big.status_code == 413
    assert too_big.json()["code"] == "too_large"


def test_list_filters_and_keyset_pages(api_for, agent, team):
    tickets = [make_ticket(team=team, subject=f"Disk {i}") for i in range(5)]
    actions.set_tags(tickets[0], actor=agent, add=["disk"])
    api = api_for(agent)
    seen, cursor = [], None
    while True:
        page = api.get("/api/v1/tickets", {"limit": 2, **({"cursor": cursor} if cursor else {})})
        body = page.json()
        seen += [t["number"] for t in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(t.number for t in tickets) and len(seen) == 5
    assert [t["number"] for t in api.get("/api/v1/tickets", {"tag": "disk"}).json()["items"]] == [
        tickets[0].number
    ]
    assert api.get("/api/v1/tickets", {"assignee": "none"}).json()["items"]
    assert not api.get("/api/v1/tickets", {"assignee": "me"}).json()["items"]
    by_q = api.get("/api/v1/tickets", {"q": "tag:disk status:new"}).json()["items"]
    assert [t["number"] for t in by_q] == [tickets[0].number]
    bad_q = api.get("/api/v1/tickets", {"q": "nosuchkey:1"})
    assert bad_q.status_code == 400


def test_list_query_count_is_bounded(api_for, agent, team, django_assert_max_num_queries):
    for i in range(30):
        ticket = make_ticket(team=team, subject=f"Ticket {i}")
        actions.set_tags(ticket, actor=agent, add=[f"t{i}", "common"])
    api = api_for(agent)
    api.get("/api/v1/statuses")  # token's last_used_at written once
    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/tickets", {"limit": 30})
    assert len(response.json()["items"]) == 30
    number = response.json()["items"][0]["number"]
    for i in range(10):
        actions.reply(Ticket.objects.get(number=number), actor=agent, body=f"reply {i}")
    with django_assert_max_num_queries(8):
        assert len(api.get(f"/api/v1/tickets/{number}/messages").json()["items"]) == 11
    with django_assert_max_num_queries(6):
        assert len(api.get("/api/v1/events", {"limit": 100}).json()["items"]) >= 40
    with django_assert_max_num_queries(6):
        assert api.get("/api/v1/contacts").status_code == 200


def test_change_feed_resumes_and_respects_visibility(api_for, agent, team, customer):
    user, contact = customer
    mine = make_ticket(team=team, requester=contact)
    make_ticket(team=team)  # someone else's
    api = api_for(user)
    first = api.get("/api/v1/events").json()
    assert {e["ticket_number"] for e in first["items"]} == {mine.number}
    cursor = first["next_cursor"]
    assert api.get("/api/v1/events", {"cursor": cursor}).json()["items"] == []
    actions.reply(mine, actor=agent, body="Hello")
    actions.add_note(mine, actor=agent, body="internal")
    new = api.get("/api/v1/events", {"cursor": cursor}).json()["items"]
    assert [e["kind"] for e in new] == ["message_added", "status_changed"]


def test_links_and_sla(api_for, agent, team):
    a, b = make_ticket(team=team), make_ticket(team=team)
    api = api_for(agent)
    created = api.post(f"/api/v1/tickets/{a.number}/links", {"target": b.number, "kind": "related"})
    assert created.status_code == 201, created.content
    assert api.get(f"/api/v1/tickets/{b.number}/links").json()[0]["direction"] == "incoming"
    link_id = created.json()["id"]
    assert api.delete(f"/api/v1/tickets/{a.number}/links/{link_id}").status_code == 204
    assert api.get(f"/api/v1/tickets/{a.number}/links").json() == []
    sla = api.get(f"/api/v1/tickets/{a.number}/sla").json()
    assert sla["sla_state"] == "none"


def test_catalogue_endpoints(api_for, agent, customer):
    api = api_for(agent)
    statuses = api.get("/api/v1/statuses").json()
    assert "open" in [s["key"] for s in statuses]
    assert "incident" in [t["key"] for t in api.get("/api/v1/types").json()]
    assert api.get("/api/v1/teams").json()[0]["name"] == "IT Support"
    assert agent.pk in [a["id"] for a in api.get("/api/v1/agents").json()]
    assert api.get("/api/v1/statuses/new/transitions").status_code == 200
    assert api.get("/api/v1/canned-responses").status_code == 200
    created = api.post("/api/v1/contacts", {"email": "New@Example.org", "name": "New"})
    assert created.status_code == 201
    again = api.post("/api/v1/contacts", {"email": "new@example.org"})
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]


@pytest.mark.parametrize("sort", ["-updated_at", "created_at"])
def test_pages_are_complete_when_timestamps_tie(api_for, agent, team, sort):
    import datetime as dt

    from ticketdesk.core import clock

    with clock.frozen(dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)):
        numbers = {make_ticket(team=team, subject=f"Tie {i}").number for i in range(12)}
    api = api_for(agent)
    seen, cursor = [], None
    for _ in range(10):
        params = {"limit": 5, "sort": sort, **({"cursor": cursor} if cursor else {})}
        body = api.get("/api/v1/tickets", params).json()
        seen += [t["number"] for t in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 12 and set(seen) == numbers
    assert seen == sorted(seen, reverse=sort.startswith("-"))


def test_admin_manages_webhooks_through_the_api(api_for, admin_user, agent, team):
    from ticketdesk.core import outbox
    from ticketdesk.notifications.models import WebhookDelivery

    api = api_for(admin_user)
    refused = api.post("/api/v1/webhooks", {"name": "x", "url": "http://127.0.0.1:9/hook"})
    assert refused.status_code == 400 and refused.json()["code"] == "unsafe_destination"
    created = api.post(
        "/api/v1/webhooks",
        {
            "name": "CI",
            "url": "http://127.0.0.1:9/hook",
            "allow_private": True,
            "events": ["ticket.created"],
        },
    )
    assert created.status_code == 201, created.content
    endpoint = created.json()
    assert len(endpoint["secret"]) == 48
    assert api_for(agent).get("/api/v1/webhooks").status_code == 403
    make_ticket(team=team)
    outbox.process_pending()
    log = api.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").json()["items"]
    assert [d["topic"] for d in log] == ["ticket.created"]
    again = api.post(f"/api/v1/webhooks/{endpoint['id']}/deliveries/{log[0]['id']}/redeliver")
    assert again.status_code == 201
    assert WebhookDelivery.objects.count() == 2
    assert api.delete(f"/api/v1/webhooks/{endpoint['id']}").status_code == 204


def test_watchers_cc_split_and_move(api_for, agent, team):
    from tests.factories import make_agent as new_agent

    luca = new_agent(team, username="luca")
    ticket = make_ticket(team=team)
    api = api_for(agent)
    base = f"/api/v1/tickets/{ticket.number}"
    watched = api.post(f"{base}/watchers/{luca.pk}")
    assert watched.status_code == 200 and [w["id"] for w in watched.json()["watchers"]] == [luca.pk]
    assert api.delete(f"{base}/watchers/{luca.pk}").json()["watchers"] == []
    cc = api.post(f"{base}/cc", {"email": "Boss@Example.org"})
    assert [c["email"].lower() for c in cc.json()["cc"]] == ["boss@example.org"]
    actions.reply(ticket, actor=agent, body="Any news?")
    customer_message = actions.reply(
        ticket, actor=None, author_contact=ticket.requester, body="Another problem: the scanner"
    )
    split = api.post(f"{base}/messages/{customer_message.pk}/split", {"subject": "Scanner"})
    assert split.status_code == 201, split.content
    new_number = split.json()["number"]
    assert split.json()["subject"] == "Scanner" and new_number != ticket.number
    other = make_ticket(team=team)
    agent_message = ticket.messages.filter(author_user=agent).get()
    moved = api.post(f"{base}/messages/{agent_message.pk}/move", {"to": other.number})
    assert moved.status_code == 200, moved.content
    assert agent_message.pk in [
        m["id"] for m in api.get(f"/api/v1/tickets/{other.number}/messages").json()["items"]
    ]
