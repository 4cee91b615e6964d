"""Role × endpoint: who may do what through the API (accounts/policy.py decides)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.conftest import ApiClient, client_for
from tests.factories import TeamFactory, make_agent, make_customer, make_ticket
from ticketdesk.accounts.models import Role
from ticketdesk.tickets import actions
from ticketdesk.tickets.actions import AttachmentInput

pytestmark = pytest.mark.django_db

ROLES = [
    "admin",
    "agent_of_team",
    "agent_other_team",
    "light_agent",
    "customer_a",
    "customer_b",
    "anonymous",
    "read_only_token",
]


@dataclass
class World:
    team: Any
    users: dict[str, Any]
    contact_a: Any
    assignee: Any


@pytest.fixture
def world(team) -> World:
    other = TeamFactory(name="Facilities", slug="facilities")
    agent = make_agent(team, username="ana")
    user_a, contact_a = make_customer(username="alice", email="alice@example.org")
    user_b, _contact_b = make_customer(username="bruno", email="bruno@example.org")
    users = {
        "admin": make_agent(None, role=Role.ADMIN, username="root"),
        "agent_of_team": agent,
        "agent_other_team": make_agent(other, username="otto"),
        "light_agent": make_agent(team, role=Role.LIGHT_AGENT, username="lia"),
        "customer_a": user_a,
        "customer_b": user_b,
        "anonymous": None,
        "read_only_token": agent,
    }
    return World(team=team, users=users, contact_a=contact_a, assignee=agent)


def _client(world: World, role: str) -> ApiClient:
    scope = "read" if role == "read_only_token" else "write"
    return client_for(world.users[role], scope=scope)


def _ticket(world: World) -> Any:
    ticket = make_ticket(team=world.team, requester=world.contact_a)
    actions.reply(
        ticket,
        actor=world.assignee,
        body="See the file",
        attachments=[AttachmentInput(name="a.txt", content=b"hello")],
    )
    return ticket


# endpoint → expected status per role (ana/root/... see World)
Y, N, H, U, R = 200, 403, 404, 401, 403  # allowed, forbidden, hidden, unauthenticated, read-only
C = 201
EXPECTED: dict[str, dict[str, int]] = {
    #                    admin agent other light  custA custB anon  ro
    "read_ticket":       dict(zip(ROLES, [Y, Y, H, Y, Y, H, U, Y], strict=True)),
    "list_messages":     dict(zip(ROLES, [Y, Y, H, Y, Y, H, U, Y], strict=True)),
    "ticket_events":     dict(zip(ROLES, [Y, Y, H, Y, Y, H, U, Y], strict=True)),
    "download":          dict(zip(ROLES, [Y, Y, H, Y, Y, H, U, Y], strict=True)),
    "patch_subject":     dict(zip(ROLES, [Y, Y, H, N, N, H, U, R], strict=True)),
    "reply":             dict(zip(ROLES, [C, C, H, N, C, H, U, R], strict=True)),
    "note":              dict(zip(ROLES, [C, C, H, C, N, H, U, R], strict=True)),
    "assign":            dict(zip(ROLES, [Y, Y, H, N, N, H, U, R], strict=True)),
    "close":             dict(zip(ROLES, [Y, Y, H, N, Y, H, U, R], strict=True)),
    "list_contacts":     dict(zip(ROLES, [Y, Y, Y, Y, N, N, U, Y], strict=True)),
    "create_contact":    dict(zip(ROLES, [C, C, C, N, N, N, U, R], strict=True)),
    "list_tags":         dict(zip(ROLES, [Y, Y, Y, Y, N, N, U, Y], strict=True)),
    "list_agents":       dict(zip(ROLES, [Y, Y, Y, Y, N, N, U, Y], strict=True)),
    "list_statuses":     dict(zip(ROLES, [Y, Y, Y, Y, Y, Y, U, Y], strict=True)),
}  # fmt: skip
# does the ticket show in the list and the change feed?
SEES_IN_LISTS = {
    "admin": True,
    "agent_of_team": True,
    "agent_other_team": False,
    "light_agent": True,
    "customer_a": True,
    "customer_b": False,
    "read_only_token": True,
}


def _call(name: str, api: ApiClient, world: World, ticket: Any) -> int:
    base = f"/api/v1/tickets/{ticket.number}"
    if name == "read_ticket":
        return api.get(base).status_code
    if name == "list_messages":
        return api.get(f"{base}/messages").status_code
    if name == "ticket_events":
        return api.get(f"{base}/events").status_code
    if name == "download":
        attachment = ticket.attachments.get()
        return api.get(f"/api/v1/attachments/{attachment.pk}").status_code
    if name == "patch_subject":
        return api.patch(base, {"subject": "Changed"}).status_code
    if name == "reply":
        return api.post(f"{base}/replies", {"body": "Hi"}).status_code
    if name == "note":
        return api.post(f"{base}/notes", {"body": "Internal"}).status_code
    if name == "assign":
        return api.post(f"{base}/assign", {"assignee_id": world.assignee.pk}).status_code
    if name == "close":
        return api.post(
            f"{base}/status", {"status": "closed", "resolution_summary": "Done."}
        ).status_code
    if name == "list_contacts":
        return api.get("/api/v1/contacts").status_code
    if name == "create_contact":
        return api.post("/api/v1/contacts", {"email": "new@example.org"}).status_code
    if name == "list_tags":
        return api.get("/api/v1/tags").status_code
    if name == "list_agents":
        return api.get("/api/v1/agents").status_code
    if name == "list_statuses":
        return api.get("/api/v1/statuses").status_code
    raise AssertionError(name)


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(world, role):
    api = _client(world, role)
    got: dict[str, int] = {}
    for name in EXPECTED:
        ticket = _ticket(world)  # a fresh ticket per call: writes do not affect each other
        got[name] = _call(name, api, world, ticket)
    expected = {name: row[role] for name, row in EXPECTED.items()}
    assert got == expected
    if role == "anonymous":
        return
    ticket = _ticket(world)
    listed = [t["number"] for t in api.get("/api/v1/tickets", {"limit": 100}).json()["items"]]
    assert (ticket.number in listed) is SEES_IN_LISTS[role]
    feed = api.get("/api/v1/events", {"limit": 500}).json()["items"]
    assert (ticket.number in {e["ticket_number"] for e in feed}) is SEES_IN_LISTS[role]


def test_customer_cannot_upload_internal_or_open_for_others(world):
    api = _client(world, "customer_a")
    ticket = _ticket(world)
    response = api.client.post(
        f"/api/v1/tickets/{ticket.number}/attachments",
        {"files": [SimpleUploadedFile("x.txt", b"x")], "kind": "internal"},
        headers={"Authorization": f"Bearer {api.secret}"},
    )
    assert response.status_code == 403
    other = api.post(
        "/api/v1/tickets", {"subject": "For Bruno", "requester_email": "bruno@example.org"}
    )
    assert other.status_code == 403
    mine = api.post("/api/v1/tickets", {"subject": "My own problem", "body": "Help"})
    assert mine.status_code == 201, mine.content
    assert mine.json()["requester"]["email"] == "alice@example.org"
    assert mine.json()["watchers"] is None  # staff-only detail hidden
