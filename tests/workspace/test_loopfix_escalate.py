"""Escalating from the ticket page: a team lead escalating "to the next level" reaches the
next tier's lead, and the message shown matches what happened."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, TeamFactory, make_agent, make_ticket
from ticketdesk.accounts.models import TeamMembership
from ticketdesk.tickets import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(team):
    user = make_agent(team, username="lena", first_name="Lena", last_name="Lead")
    TeamMembership.objects.filter(user=user).update(is_lead=True)
    return user


@pytest.fixture
def tier2_lead(team):
    tier2 = TeamFactory(name="Infrastructure", slug="infrastructure")
    team.escalation_team = tier2
    team.save()
    user = make_agent(tier2, username="priya", first_name="Priya", last_name="Natarajan")
    TeamMembership.objects.filter(user=user).update(is_lead=True)
    return user


def _escalate(client, ticket, **data):
    return client.post(
        reverse("workspace:escalate", args=[ticket.number]),
        {"kind": "hierarchical", "reason": "Needs a decision.", **data},
        follow=True,
    )


def test_the_team_lead_escalates_to_the_next_tier_s_lead(client, team, agent, lead, tier2_lead):
    ticket = make_ticket(team=team, subject="Angry customer")
    actions.assign(ticket, assignee=agent, actor=agent)
    assert client.login(username=lead.username, password=PASSWORD)
    response = _escalate(client, ticket, user="")
    page = response.content.decode()
    assert response.redirect_chain, page
    assert "Ticket escalated." in page and "has no lead" not in page
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1
    assert ticket.watchers.filter(pk=tier2_lead.pk).exists()


def test_the_only_lead_is_told_what_to_do_not_that_there_is_no_lead(client, team, agent, lead):
    ticket = make_ticket(team=team)
    assert client.login(username=lead.username, password=PASSWORD)
    response = _escalate(client, ticket, user="")
    page = response.content.decode()
    assert response.status_code == 400
    assert "has no lead" not in page and "You lead this team" in page
    ticket.refresh_from_db()
    assert ticket.escalation_level == 0


def test_nobody_escalates_to_themselves(client, team, agent, lead):
    ticket = make_ticket(team=team)
    assert client.login(username=lead.username, password=PASSWORD)
    response = _escalate(client, ticket, user=lead.pk)
    assert response.status_code == 400
    assert "other than yourself" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.escalation_level == 0


def test_team_escalation_unassigns_leaves_in_progress_and_shows_one_entry(
    client, team, agent, tier2_lead
):
    from ticketdesk.tickets.models import TicketEvent
    from ticketdesk.workspace import timeline

    ticket = make_ticket(team=team, subject="VPN gateway errors")
    actions.assign(ticket, assignee=agent, actor=agent)
    ticket.refresh_from_db()
    assert ticket.status.key == "in-progress"
    actions.escalate(ticket, actor=agent, reason="Gateway logs need Infrastructure.")
    ticket.refresh_from_db()
    assert ticket.assignee is None and ticket.team == tier2_lead.teams.get()
    assert ticket.status.key == "open"  # in its new team's queue, nobody works it yet
    events = list(TicketEvent.objects.filter(ticket=ticket).order_by("id"))
    entries = timeline.build([], events)
    texts = [e.text for e in entries]
    escalated = [e for e in entries if e.event.kind == "escalated"]
    assert len(escalated) == 1
    assert texts[-1] == "Ana Souza escalated the ticket to Tier 2: team Infrastructure"
    assert escalated[0].summary == "Gateway logs need Infrastructure."
    # the team, assignee, status and watcher changes are its details, not entries of their own
    assert not any("changed team" in t or "unassigned" in t for t in texts)
    details = " | ".join(escalated[0].details)
    assert "unassigned" in details and "changed team" in details and "watcher" in details
    client.force_login(agent)
    page = client.get(reverse("workspace:ticket", args=[ticket.number])).content.decode()
    assert page.count("escalated the ticket to Tier 2") == 1
