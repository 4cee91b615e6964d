"""Escalation: levels, functional and hierarchical, a required reason, the outbox contract
for notifications, automatic escalation on SLA risk, lists, the API and reports."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from tests.api.conftest import client_for
from tests.automation.helpers import drain
from tests.factories import PASSWORD, TeamFactory, make_agent, make_ticket
from ticketdesk.accounts.models import Role, TeamMembership
from ticketdesk.automation import engine
from ticketdesk.automation.conditions import Context
from ticketdesk.automation.models import Rule, Trigger
from ticketdesk.core import clock
from ticketdesk.core.errors import PermissionDenied, ValidationFailed
from ticketdesk.core.models import OutboxMessage
from ticketdesk.reports import escalations, filters
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import Ticket, TicketEvent
from ticketdesk.workspace import timeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def infra(team):
    tier2 = TeamFactory(name="Infrastructure", slug="infrastructure")
    team.escalation_team = tier2
    team.save()
    return tier2


@pytest.fixture
def priya(infra):
    user = make_agent(infra, username="priya", first_name="Priya", last_name="Natarajan")
    TeamMembership.objects.filter(user=user).update(is_lead=True)
    return user


def _contract(ticket: Ticket) -> dict:
    row = (
        OutboxMessage.objects.filter(topic="ticket.updated", ticket_id=ticket.pk)
        .order_by("-id")
        .first()
    )
    assert row is not None
    assert "escalation" in row.payload["changes"]
    return row.payload


def test_functional_escalation_to_the_team_s_tier_2(team, agent, infra, priya):
    ticket = make_ticket(team=team, subject="VPN gateway errors")
    actions.assign(ticket, assignee=agent, actor=agent)
    actions.escalate(ticket, actor=agent, reason="Gateway logs need Infrastructure.")
    ticket.refresh_from_db()
    assert (ticket.escalation_level, ticket.team, ticket.assignee) == (1, infra, None)
    assert ticket.escalated_at is not None
    # the agent who escalated follows the ticket and still sees it
    assert ticket.watchers.filter(pk=agent.pk).exists()
    payload = _contract(ticket)
    assert payload["escalation"] == {
        "level": 1,
        "team_id": infra.pk,
        "user_id": None,
        "reason": "Gateway logs need Infrastructure.",
        "kind": "functional",
    }
    assert {"team", "assignee"} <= set(payload["changes"])
    event = TicketEvent.objects.get(ticket=ticket, kind="escalated")
    entry = timeline.build([], [event])[0]
    assert entry.text == "Ana Souza escalated the ticket to Tier 2: team Infrastructure"
    assert entry.summary == "Gateway logs need Infrastructure."


def test_hierarchical_escalation_to_the_lead(team, agent, infra, priya):
    ticket = make_ticket(team=infra)
    tier2_agent = make_agent(infra, username="sam")
    actions.assign(ticket, assignee=tier2_agent, actor=tier2_agent)
    actions.escalate(
        ticket, actor=tier2_agent, reason="Customer threatens to cancel.", kind="hierarchical"
    )
    ticket.refresh_from_db()
    assert (ticket.escalation_level, ticket.assignee, ticket.team) == (1, priya, infra)
    assert _contract(ticket)["escalation"]["user_id"] == priya.pk
    # an admin manager outside the team watches it instead of taking it over
    manager = make_agent(None, role=Role.ADMIN, username="boss")
    actions.escalate(ticket, actor=priya, reason="Needs a decision.", user=manager)
    ticket.refresh_from_db()
    assert ticket.escalation_level == 2 and ticket.assignee == priya
    assert ticket.watchers.filter(pk=manager.pk).exists()


def test_escalation_needs_a_reason_a_target_and_a_higher_level(team, agent, infra):
    ticket = make_ticket(team=team)
    with pytest.raises(ValidationFailed) as no_reason:
        actions.escalate(ticket, actor=agent, reason="  ")
    assert set(no_reason.value.fields) == {"reason"}
    other = make_ticket(team=TeamFactory(name="Billing"))
    admin = make_agent(None, role=Role.ADMIN, username="root2")
    with pytest.raises(ValidationFailed) as no_target:
        actions.escalate(other, actor=admin, reason="Help", kind="functional")
    assert set(no_target.value.fields) == {"team"}
    with pytest.raises(ValidationFailed) as no_lead:
        actions.escalate(other, actor=admin, reason="Help", kind="hierarchical")
    assert set(no_lead.value.fields) == {"user"}
    actions.escalate(ticket, actor=agent, reason="One", level=2, team=TeamFactory(name="Net"))
    with pytest.raises(ValidationFailed) as top:
        actions.escalate(ticket, actor=admin, reason="Two")
    assert set(top.value.fields) == {"level"}


def test_light_agents_and_customers_cannot_escalate(team, infra, customer):
    reader = make_agent(team, role=Role.LIGHT_AGENT, username="lia")
    user, contact = customer
    ticket = make_ticket(team=team, requester=contact)
    for actor in (reader, user):
        with pytest.raises(PermissionDenied):
            actions.escalate(ticket, actor=actor, reason="Please")


def test_automatic_escalation_on_sla_risk_by_the_demo_rule(team, agent, infra, priya):
    make_agent(None, role=Role.ADMIN, username="admin")
    call_command("automation_demo")
    rule = Rule.objects.get(name="Escalate tickets at SLA risk")
    ticket = make_ticket(team=team)
    stale = make_ticket(team=team)
    now = clock.now()
    for target, at in ((ticket, now), (stale, now - dt.timedelta(hours=5))):
        payload = {"ticket_id": target.pk, "metric": "resolution", "at": at.isoformat()}
        engine.handle(
            Trigger.SLA_WARNING, target.pk, Context(trigger=Trigger.SLA_WARNING, payload=payload)
        )
    ticket.refresh_from_db()
    stale.refresh_from_db()
    assert (ticket.escalation_level, ticket.team) == (1, infra)
    assert stale.escalation_level == 0  # a warning replayed hours later does not escalate
    event = TicketEvent.objects.get(ticket=ticket, kind="escalated")
    assert event.actor_user is None and "SLA at risk" in event.data["reason"]
    assert rule.executions.filter(ticket=ticket, matched=True).exists()
    drain()


def test_escalated_tickets_are_badged_filtered_and_counted(client, team, agent, infra):
    calm = make_ticket(team=team, subject="Calm ticket")
    hot = make_ticket(team=team, subject="Hot ticket")
    actions.escalate(hot, actor=agent, reason="Tier 2 please", user=None)
    assert client.login(username=agent.username, password=PASSWORD)
    listing = client.get("/?view=everything&escalated=yes").content.decode()
    assert "Hot ticket" in listing and "Calm ticket" not in listing
    assert "Escalated · Tier 2" in listing
    assert "Calm ticket" in client.get("/?view=everything&q=escalated:no").content.decode()
    rail = client.get("/?view=escalated").content.decode()
    assert "Hot ticket" in rail and calm.subject not in rail
    assert client.get("/?view=everything&q=escalated:soon").status_code == 400
    page = client.get(f"/t/{hot.number}/").content.decode()
    assert "data-escalated" in page


def test_the_api_escalates_and_answers_precise_errors(team, agent, infra):
    ticket = make_ticket(team=team)
    api = client_for(agent)
    missing = api.post(f"/api/v1/tickets/{ticket.number}/escalate", {"reason": ""})
    assert missing.status_code == 400 and set(missing.json()["fields"]) == {"reason"}
    done = api.post(
        f"/api/v1/tickets/{ticket.number}/escalate", {"reason": "Needs the network team"}
    )
    assert done.status_code == 200, done.content
    assert done.json()["escalation_level"] == 1 and done.json()["team"]["id"] == infra.pk
    items = api.get("/api/v1/tickets", {"q": "escalated:yes"}).json()["items"]
    assert [t["number"] for t in items] == [ticket.number]


def test_reports_count_escalations_per_team(team, agent, infra):
    lead = make_agent(team, username="lead")
    TeamMembership.objects.filter(user=lead).update(is_lead=True)
    for subject in ("A", "B"):
        actions.escalate(make_ticket(team=team, subject=subject), actor=agent, reason="Help")
    f = filters.parse(lead, {})
    rows = escalations.escalation_rows(f)
    assert [(r.team, r.tickets, r.escalations, r.to_tier_2) for r in rows] == [
        ("IT Support", 2, 2, 2)
    ]
