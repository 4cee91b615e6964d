"""Routing through the real write path: tickets created (and returned to the queue) are
assigned by the team's strategy through the outbox subscriber, respecting availability and
capacity, and every decision says why."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import (
    ContactFactory,
    OrganizationFactory,
    TeamFactory,
    make_agent,
    make_ticket,
)
from ticketdesk.accounts.models import AssignmentStrategy, Role
from ticketdesk.core import clock, outbox
from ticketdesk.routing import engine
from ticketdesk.routing.models import AgentAvailability, AgentSkill, Presence, RoutingDecision
from ticketdesk.sla.models import BusinessCalendar, WorkingHours
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import Category, EventKind, Level, Ticket, TicketEvent, TicketType

pytestmark = pytest.mark.django_db


def drain() -> None:
    outbox.process_pending()


def routed_team(strategy: str, size: int = 3, **kwargs):
    team = TeamFactory(assignment_strategy=strategy, **kwargs)
    agents = [make_agent(team, username=f"{strategy}-{i}") for i in range(size)]
    return team, agents


def create(team, **kwargs) -> Ticket:
    ticket = make_ticket(team=team, **kwargs)
    drain()
    ticket.refresh_from_db()
    return ticket


def test_round_robin_takes_turns_and_records_why():
    team, agents = routed_team(AssignmentStrategy.ROUND_ROBIN)
    assignees = [create(team).assignee_id for _ in range(4)]
    assert assignees == [agents[0].pk, agents[1].pk, agents[2].pk, agents[0].pk]
    ticket = Ticket.objects.order_by("-id").first()
    decision = RoutingDecision.objects.get(ticket=ticket)
    assert decision.assignee_id == agents[0].pk and "Round robin" in decision.reason
    assert len(decision.candidates) == 3
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.ASSIGNED)
    assert event.actor_user is None
    assert event.data["routing"]["strategy"] == "round_robin"
    assert event.data["routing"]["decision_id"] == decision.pk


def test_least_loaded_weights_open_tickets_by_priority():
    team, (a, b) = routed_team(AssignmentStrategy.LEAST_LOADED, size=2)
    other = TeamFactory()
    for member in (a, b):
        other.memberships.create(user=member)
    # a: one critical (weight 4); b: two low (weight 2) -> b is less loaded
    make_ticket(team=other, assignee=a, priority_override=Level.CRITICAL)
    make_ticket(team=other, assignee=b, priority_override=Level.LOW)
    make_ticket(team=other, assignee=b, priority_override=Level.LOW)
    ticket = create(team)
    assert ticket.assignee_id == b.pk
    assert "weighted load 2" in RoutingDecision.objects.get(ticket=ticket).reason
    # resolved tickets do not count
    for t in Ticket.objects.filter(assignee=a):
        actions.change_status(t, status=_status("resolved"), actor=None)
    assert create(team).assignee_id == a.pk


def _status(key):
    from tests.factories import status

    return status(key)


def test_skills_match_language_category_type_and_organization():
    team, (generalist, portuguese, hardware) = routed_team(AssignmentStrategy.SKILLS)
    AgentSkill.objects.create(user=portuguese, kind="language", value="pt")
    AgentSkill.objects.create(user=hardware, kind="category", value="Hardware")
    AgentSkill.objects.create(user=hardware, kind="type", value="incident")
    org = OrganizationFactory(name="Acme")
    AgentSkill.objects.create(user=generalist, kind="organization", value="acme")
    laptop = Category.objects.create(name="Laptop", parent=Category.objects.create(name="Hardware"))

    brazilian = ContactFactory(language="pt-br")
    assert create(team, requester=brazilian).assignee_id == portuguese.pk
    incident = TicketType.objects.get(key="incident")
    ticket = create(team, category=laptop, ticket_type=incident)
    assert ticket.assignee_id == hardware.pk
    reason = RoutingDecision.objects.get(ticket=ticket).reason
    assert "category Hardware" in reason and "type incident" in reason
    assert create(team, organization=org).assignee_id == generalist.pk
    # nobody matches: least loaded (the generalist has 1 open, the others 1 each: tie -> order)
    plain = create(team)
    assert "nobody matched" in RoutingDecision.objects.get(ticket=plain).reason


def test_availability_and_capacity_are_respected():
    team, (away, full, free) = routed_team(AssignmentStrategy.ROUND_ROBIN)
    AgentAvailability.objects.create(user=away, status=Presence.AWAY)
    AgentAvailability.objects.create(user=full, capacity=1)
    first = create(team)
    assert first.assignee_id == full.pk  # round robin starts with the lowest id still free
    second = create(team)
    assert second.assignee_id == free.pk
    third = create(team)
    assert third.assignee_id == free.pk  # full is at capacity, away is away
    AgentAvailability.objects.filter(user=free).update(status=Presence.OFF)
    waiting = create(team)
    assert waiting.assignee_id is None
    decision = RoutingDecision.objects.get(ticket=waiting)
    assert decision.assignee is None and "No agent" in decision.reason
    skipped = {c["user_id"]: c["skipped"] for c in decision.candidates}
    assert "away" in skipped[away.pk] and "capacity" in skipped[full.pk]


def test_agent_working_calendar_limits_routing():
    team, (night, day) = routed_team(AssignmentStrategy.ROUND_ROBIN, size=2)
    calendar = BusinessCalendar.objects.create(name="Nights", time_zone="Europe/Rome")
    for weekday in range(7):
        WorkingHours.objects.create(
            calendar=calendar, weekday=weekday, start=dt.time(22), end=dt.time(0)
        )
    AgentAvailability.objects.create(user=night, calendar=calendar)
    with clock.frozen(dt.datetime(2025, 6, 9, 10, tzinfo=dt.UTC)):
        assert create(team).assignee_id == day.pk
        assert create(team).assignee_id == day.pk
    with clock.frozen(dt.datetime(2025, 6, 9, 21, 30, tzinfo=dt.UTC)):  # 23:30 in Rome
        assert create(team).assignee_id == night.pk


def test_ticket_returning_to_the_queue_is_routed_again():
    team, (a, b) = routed_team(AssignmentStrategy.ROUND_ROBIN, size=2)
    ticket = create(team)
    assert ticket.assignee_id == a.pk
    actions.assign(ticket, assignee=None, actor=a)
    drain()
    ticket.refresh_from_db()
    assert ticket.assignee_id == b.pk
    # least loaded would pick b again (a has nothing): the agent who gave it back is avoided
    team.assignment_strategy = AssignmentStrategy.LEAST_LOADED
    team.save()
    make_ticket(team=team, assignee=a)  # a is now busier than b will be
    drain()
    actions.assign(ticket, assignee=None, actor=b)
    drain()
    ticket.refresh_from_db()
    assert ticket.assignee_id == a.pk
    # moved to another routed team: routed there
    other, (c,) = routed_team(AssignmentStrategy.LEAST_LOADED, size=1)
    actions.assign(ticket, assignee=None, team=other, actor=b)
    drain()
    ticket.refresh_from_db()
    assert ticket.team_id == other.pk and ticket.assignee_id == c.pk


def test_manual_teams_and_assigned_tickets_are_left_alone():
    team, _agents = routed_team(AssignmentStrategy.MANUAL)
    assert create(team).assignee_id is None
    assert not RoutingDecision.objects.exists()
    routed, (_a, b) = routed_team(AssignmentStrategy.ROUND_ROBIN, size=2)
    ticket = create(routed, assignee=b)
    assert ticket.assignee_id == b.pk
    assert engine.route(ticket.pk) is None


def test_light_agents_and_customers_are_never_candidates():
    team = TeamFactory(assignment_strategy=AssignmentStrategy.ROUND_ROBIN)
    make_agent(team, role=Role.LIGHT_AGENT)
    agent = make_agent(team)
    assert create(team).assignee_id == agent.pk
    assert create(team).assignee_id == agent.pk


def test_routing_query_count_is_bounded(django_assert_max_num_queries):
    team, _agents = routed_team(AssignmentStrategy.SKILLS, size=8)
    ticket = make_ticket(team=team)
    with django_assert_max_num_queries(45):
        engine.route(ticket.pk)
    ticket.refresh_from_db()
    assert ticket.assignee_id is not None


def test_route_queue_command_routes_waiting_tickets(capsys):
    from django.core.management import call_command

    team, (a, b) = routed_team(AssignmentStrategy.MANUAL, size=2)
    waiting = [create(team) for _ in range(2)]
    assert all(t.assignee_id is None for t in waiting)
    team.assignment_strategy = AssignmentStrategy.ROUND_ROBIN
    team.save()
    call_command("route_queue", "--team", team.slug)
    assert "Queued 2 tickets of 1 teams" in capsys.readouterr().out
    drain()
    assert sorted(Ticket.objects.filter(team=team).values_list("assignee_id", flat=True)) == [
        a.pk,
        b.pk,
    ]
