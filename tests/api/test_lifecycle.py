"""A ticket's whole life through the API, as a script would run it."""

from __future__ import annotations

import pytest

from tests.factories import ContactFactory
from ticketdesk.tickets.models import Ticket, TicketEvent
from ticketdesk.tickets.priority import compute_priority

pytestmark = pytest.mark.django_db


def test_ticket_whole_life(api_for, agent, team, customer):
    api = api_for(agent)
    user, contact = customer
    created = api.post(
        "/api/v1/tickets",
        {
            "subject": "VPN drops every hour",
            "body": "Since Monday the VPN disconnects.",
            "requester_id": contact.pk,
            "team_id": team.pk,
            "urgency": 3,
            "impact": 3,
            "tags": ["vpn", "Network"],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    number = body["number"]
    assert body["team"]["id"] == team.pk
    assert body["tags"] == ["network", "vpn"]
    assert body["priority"] == compute_priority(3, 3)
    assert created["ETag"] == f'"{body["version"]}"'
    assert created["Location"].endswith(f"/api/v1/tickets/{number}")

    listing = api.get("/api/v1/tickets", {"status_category": "new"}).json()
    assert [t["number"] for t in listing["items"]] == [number]

    reply = api.post(f"/api/v1/tickets/{number}/replies", {"body": "Which client version?"})
    assert reply.status_code == 201, reply.content
    note = api.post(f"/api/v1/tickets/{number}/notes", {"body": "Probably the MTU again."})
    assert note.status_code == 201
    assert note.json()["kind"] == "internal"

    ticket = api.get(f"/api/v1/tickets/{number}").json()
    assert ticket["status"]["key"] == "open"  # the agent's first reply opened it
    assigned = api.post(f"/api/v1/tickets/{number}/assign", {"assignee_id": agent.pk})
    assert assigned.status_code == 200, assigned.content
    assert assigned.json()["assignee"]["id"] == agent.pk

    patched = api.patch(
        f"/api/v1/tickets/{number}",
        {
            "subject": "VPN drops hourly",
            "tags_add": ["urgent"],
            "version": assigned.json()["version"],
        },
    )
    assert patched.status_code == 200, patched.content
    assert "urgent" in patched.json()["tags"]

    refused = api.post(f"/api/v1/tickets/{number}/status", {"status": "resolved"})
    assert refused.status_code == 400
    assert set(refused.json()["fields"]) == {"resolution_summary"}
    resolved = api.post(
        f"/api/v1/tickets/{number}/status",
        {"status": "resolved", "resolution_summary": "Moved the user to gateway 1."},
    )
    assert resolved.status_code == 200, resolved.content
    assert resolved.json()["resolved_at"] is not None
    assert resolved.json()["resolution_summary"] == "Moved the user to gateway 1."

    messages = api.get(f"/api/v1/tickets/{number}/messages").json()["items"]
    assert [m["kind"] for m in messages] == ["public", "public", "internal"]
    history = api.get(f"/api/v1/tickets/{number}/events").json()["items"]
    kinds = [e["kind"] for e in history]
    assert kinds[0] == "created" and "status_changed" in kinds and "assigned" in kinds

    # the customer sees their ticket, without the internal note
    mine = api_for(user)
    assert [m["kind"] for m in mine.get(f"/api/v1/tickets/{number}/messages").json()["items"]] == [
        "public",
        "public",
    ]
    assert "note_added" not in [
        e["kind"] for e in mine.get(f"/api/v1/tickets/{number}/events").json()["items"]
    ]

    other = api.post(
        "/api/v1/tickets",
        {
            "subject": "Duplicate VPN report",
            "requester_id": ContactFactory().pk,
            "team_id": team.pk,
        },
    ).json()
    merged = api.post(f"/api/v1/tickets/{other['number']}/merge", {"into": number})
    assert merged.status_code == 200, merged.content
    assert merged.json()["number"] == number
    assert Ticket.objects.get(number=other["number"]).merged_into_id == body["id"]
    assert TicketEvent.objects.filter(ticket_id=body["id"], kind="merged").exists()
