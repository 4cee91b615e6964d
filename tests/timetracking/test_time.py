"""Logging time: entries, the timer, totals, the rule "time before resolving", the report."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import OrganizationFactory, TeamFactory, make_agent, make_ticket, resolution
from tests.factories import status as status_named
from ticketdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from ticketdesk.core.models import OutboxMessage
from ticketdesk.tickets import actions as ticket_actions
from ticketdesk.tickets.models import StatusCategory, TicketType
from ticketdesk.timetracking import actions, queries
from ticketdesk.timetracking.forms import parse_minutes
from ticketdesk.timetracking.models import RunningTimer, TypeTimeRule

pytestmark = pytest.mark.django_db


def test_parse_minutes():
    assert [parse_minutes(t) for t in ("45", "90m", "1h30", "1h 30m", "1:30", "2h")] == [
        45,
        90,
        90,
        90,
        90,
        120,
    ]
    assert parse_minutes("abc") is None and parse_minutes("") is None


def test_log_time_validates_and_publishes(team, agent):
    ticket = make_ticket(team=team)
    with pytest.raises(ValidationFailed) as caught:
        actions.log_time(
            ticket,
            actor=agent,
            minutes=0,
            work_date=timezone.localdate() + dt.timedelta(days=2),
            note="x" * 1001,
        )
    assert set(caught.value.fields) == {"minutes", "work_date", "note"}
    entry = actions.log_time(ticket, actor=agent, minutes=30, note="Called the customer")
    assert (entry.team_id, entry.work_date) == (team.pk, timezone.localdate())
    event = OutboxMessage.objects.get(topic="time.logged")
    assert event.ticket_id == ticket.pk and event.payload["minutes"] == 30


def test_who_may_log_time(team, agent, customer):
    ticket = make_ticket(team=team, requester=customer[1])
    light = make_agent(team, role="light_agent", username="lee")
    actions.log_time(ticket, actor=light, minutes=5)  # light agents work the ticket
    outsider = make_agent(TeamFactory(), username="out")
    for person in (outsider, customer[0]):
        with pytest.raises(PermissionDenied):
            actions.log_time(ticket, actor=person, minutes=5)
    entry = actions.log_time(ticket, actor=agent, minutes=5)
    with pytest.raises(PermissionDenied):
        actions.delete_entry(entry, actor=light)
    actions.delete_entry(entry, actor=agent)
    assert OutboxMessage.objects.filter(topic="time.deleted").count() == 1


def test_timer_start_stop(team, agent, settings):
    ticket = make_ticket(team=team)
    timer = actions.start_timer(ticket, actor=agent)
    assert actions.start_timer(ticket, actor=agent).pk == timer.pk  # one per agent and ticket
    RunningTimer.objects.filter(pk=timer.pk).update(
        started_at=timezone.now() - dt.timedelta(minutes=12, seconds=5)
    )
    entry = actions.stop_timer(ticket, actor=agent, billable=False, note="debugging")
    assert (entry.minutes, entry.billable, entry.from_timer) == (13, False, True)
    assert not RunningTimer.objects.exists()
    with pytest.raises(NotFound):
        actions.stop_timer(ticket, actor=agent)


def test_ticket_totals(team, agent):
    ticket = make_ticket(team=team)
    actions.log_time(ticket, actor=agent, minutes=30)
    actions.log_time(ticket, actor=agent, minutes=15, billable=False)
    time = queries.ticket_time(agent, ticket)
    assert (time.total, time.billable, len(time.entries)) == (45, 30, 2)
    assert time.per_agent[0]["total"] == 45


def test_time_required_before_resolving(team, agent):
    incident = TicketType.objects.get(key="incident")
    TypeTimeRule.objects.create(ticket_type=incident, time_required=True)
    ticket = make_ticket(team=team, ticket_type=incident)
    resolved = status_named("resolved")
    with pytest.raises(ValidationFailed) as caught:
        ticket_actions.change_status(ticket, resolved, actor=agent, resolution=resolution(ticket))
    assert "Log the time spent" in caught.value.message and "time" in caught.value.fields
    ticket.refresh_from_db()
    assert ticket.status_category != StatusCategory.RESOLVED
    # the system (automation, auto-close) is not held back
    other = make_ticket(team=team, ticket_type=incident)
    ticket_actions.change_status(other, resolved, actor=None)
    actions.log_time(ticket, actor=agent, minutes=10)
    ticket_actions.change_status(ticket, resolved, actor=agent, resolution=resolution(ticket))
    ticket.refresh_from_db()
    assert ticket.status_category == StatusCategory.RESOLVED


def test_report_groups(team, agent, admin_user):
    acme = OrganizationFactory(name="ACME")
    other_team = TeamFactory(name="Field")
    bob = make_agent(other_team, username="bob", first_name="Bob", last_name="Lima")
    t1 = make_ticket(team=team, organization=acme)
    t2 = make_ticket(team=other_team)
    day = timezone.localdate()
    actions.log_time(t1, actor=agent, minutes=60, work_date=day)
    actions.log_time(t1, actor=admin_user, minutes=30, work_date=day, billable=False)
    actions.log_time(t2, actor=bob, minutes=45, work_date=day - dt.timedelta(days=40))
    since, until = day - dt.timedelta(days=60), day
    by_agent = {r["label"]: r["minutes"] for r in queries.report(since, until, "agent")}
    assert by_agent["Ana Souza"] == 60 and by_agent["Bob Lima"] == 45
    assert sorted(by_agent.values()) == [30, 45, 60]
    by_team = {
        r["label"]: (r["minutes"], r["billable_minutes"])
        for r in queries.report(since, until, "team")
    }
    assert by_team == {"IT Support": (90, 60), "Field": (45, 45)}
    by_org = {r["label"]: r["minutes"] for r in queries.report(since, until, "organization")}
    assert by_org == {"ACME": 90, "": 45}
    months = queries.report(since, until, "month")
    assert sum(r["minutes"] for r in months) == 135 and len(months) in (2, 3)
    assert [r["minutes"] for r in queries.report(day, day, "day")] == [90]
    billable = queries.report(since, until, "team", billable=True)
    assert {r["label"]: r["minutes"] for r in billable} == {"IT Support": 60, "Field": 45}


def test_report_per_affected_item(team, agent):
    """Time per asset: a ticket's time counts under each item it affects; tickets affecting no
    item are one row with an empty label."""
    from ticketdesk.assets import actions as asset_actions
    from ticketdesk.assets.actions import ItemInput
    from ticketdesk.assets.models import ItemType

    laptop = ItemType.objects.create(key="laptop", name="Laptop")
    lt1 = asset_actions.create_item(ItemInput(name="LT-1", item_type=laptop), actor=None)
    lt2 = asset_actions.create_item(ItemInput(name="LT-2", item_type=laptop), actor=None)
    both, one, none = make_ticket(team=team), make_ticket(team=team), make_ticket(team=team)
    for item in (lt1, lt2):
        asset_actions.link_ticket(both, item, actor=None)
    asset_actions.link_ticket(one, lt2, actor=None)
    day = timezone.localdate()
    actions.log_time(both, actor=agent, minutes=30, work_date=day)
    actions.log_time(one, actor=agent, minutes=20, work_date=day)
    actions.log_time(none, actor=agent, minutes=5, work_date=day)
    rows = {r["label"]: (r["minutes"], r["tickets"]) for r in queries.report(day, day, "item")}
    assert rows == {"LT-1": (30, 1), "LT-2": (50, 2), "": (5, 1)}
