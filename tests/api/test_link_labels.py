"""Link and event labels follow the policy of the ticket they name (issue 19, item 3): whoever
may not see #B never reads its number or subject — not in the ticket's events, the change
feed, the links, nor the agent's ticket page."""

from __future__ import annotations

import json

import pytest

from tests.factories import PASSWORD, TeamFactory, make_agent, make_customer, make_ticket
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import LinkKind

from .conftest import client_for

pytestmark = pytest.mark.django_db

SECRET = "Acquisition of Initech"
MERGED_SECRET = "Layoffs in March"


@pytest.fixture
def scene(team, agent, admin_user):
    """Maria's ticket A (agent's team) linked to, and merged with, Legal's tickets."""
    legal = TeamFactory(name="Legal", slug="legal")
    maria, maria_contact = make_customer(username="maria", email="maria@example.org")
    mine = make_ticket(team=team, requester=maria_contact, subject="My laptop is slow")
    secret = make_ticket(team=legal, subject=SECRET)
    merged = make_ticket(team=legal, subject=MERGED_SECRET)
    actions.link(mine, secret, LinkKind.RELATED, actor=admin_user)
    actions.merge(merged, mine, actor=admin_user)
    return {"maria": maria, "mine": mine, "secret": secret, "merged": merged}


def _hidden_everywhere(text: str, scene) -> None:
    assert SECRET not in text
    assert MERGED_SECRET not in text
    for ticket in (scene["secret"], scene["merged"]):
        assert f"#{ticket.number}" not in text
        assert f'"number": {ticket.number}' not in text


@pytest.mark.parametrize("who", ["maria", "agent"])
def test_events_and_feed_never_name_a_ticket_the_viewer_cannot_see(scene, agent, who):
    viewer = scene["maria"] if who == "maria" else agent
    api = client_for(viewer, scope="read")
    mine = scene["mine"]
    response = api.get(f"/api/v1/tickets/{mine.number}/events")
    assert response.status_code == 200
    events = response.json()["items"]
    linked = next(e for e in events if e["kind"] == "linked")
    assert linked["new_value"] == {"id": None, "label": "a ticket you cannot see"}
    assert "number" not in linked["data"] and linked["data"]["hidden"] is True
    merged = next(e for e in events if e["kind"] == "merged")
    assert merged["new_value"]["id"] is None
    _hidden_everywhere(json.dumps(events), scene)

    feed = api.get("/api/v1/events", {"limit": 500})
    assert feed.status_code == 200
    _hidden_everywhere(json.dumps(feed.json()), scene)


def test_links_and_the_ticket_page_hide_a_ticket_the_agent_cannot_see(client, scene, agent):
    mine = scene["mine"]
    assert client_for(agent).get(f"/api/v1/tickets/{mine.number}/links").json() == []
    assert client.login(username=agent.username, password=PASSWORD)
    page = client.get(f"/t/{mine.number}/").content.decode()
    _hidden_everywhere(page, scene)
    assert f"/t/{scene['secret'].number}/" not in page
    assert "a ticket you cannot see" in page


def test_who_may_see_both_tickets_still_sees_the_label(client, scene, admin_user, team):
    mine, secret = scene["mine"], scene["secret"]
    legal_agent = make_agent(team, username="lea")
    legal_agent.team_memberships.create(team=secret.team)
    for viewer in (admin_user, legal_agent):
        events = client_for(viewer).get(f"/api/v1/tickets/{mine.number}/events").json()["items"]
        linked = next(e for e in events if e["kind"] == "linked")
        assert linked["new_value"]["label"] == f"#{secret.number} {SECRET}"
        assert linked["data"]["number"] == secret.number
    assert client.login(username=legal_agent.username, password=PASSWORD)
    page = client.get(f"/t/{mine.number}/").content.decode()
    assert f"/t/{secret.number}/" in page and SECRET[:20] in page


def test_the_feed_keeps_bounded_queries_with_hidden_labels(scene, django_assert_max_num_queries):
    api = client_for(scene["maria"], scope="read")
    api.get("/api/v1/events")  # warm the token and caches
    with django_assert_max_num_queries(12):
        assert api.get("/api/v1/events", {"limit": 500}).status_code == 200
