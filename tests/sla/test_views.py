"""SLA pages and partials: the admin overview, a ticket's clock fragment, the badge partial,
the availability toggle, the admin policy form and the management commands."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template.loader import render_to_string

from tests.factories import PASSWORD, TeamFactory, make_agent, make_ticket, status
from ticketdesk.accounts.models import AssignmentStrategy, Role
from ticketdesk.core import clock, outbox
from ticketdesk.routing.models import AgentAvailability, Presence
from ticketdesk.sla.admin import SLAPolicyForm
from ticketdesk.sla.models import SLAPolicy
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import SLAState, Ticket

from .helpers import at, make_policy, office_calendar

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def configured(db):
    calendar = office_calendar()
    make_policy("Standard", order=20)
    make_policy("VIP", order=5, priorities=[4], calendar=calendar, first_response=60)
    return calendar


def test_overview_is_for_admins(
    client, admin_user, agent, configured, django_assert_max_num_queries
):
    assert client.get("/sla/").status_code == 302  # to the login page
    login(client, agent)
    assert client.get("/sla/").status_code == 403
    client.logout()
    login(client, admin_user)
    for n in range(5):
        make_policy(f"Extra {n}", order=30 + n)
    with django_assert_max_num_queries(25):
        response = client.get("/sla/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Standard" in body and "VIP" in body and "Rome office" in body
    assert "Europe/Rome" in body and 'aria-current="page"' in body


def test_ticket_clock_fragment_shows_targets_and_history(client, team, agent, customer, configured):
    user, contact = customer
    with clock.frozen(at(2025, 6, 9, 9)):
        ticket = make_ticket(team=team, requester=contact)
    with clock.frozen(at(2025, 6, 9, 10)):
        actions.change_status(ticket, status("pending"), actor=agent)
        outbox.process_pending()
    login(client, agent)
    with clock.frozen(at(2025, 6, 9, 11)):
        response = client.get(f"/sla/ticket/{ticket.number}/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body  # a fragment
    assert "Standard" in body and "First response" in body
    assert "clock paused (waiting on the customer)" in body
    assert "16h 00m" in body  # resolution target in business hours, not "0d 16h"
    assert body.index("clock started") < body.index("clock paused")
    assert "SLA paused" in body  # the badge
    full = client.get(f"/sla/ticket/{ticket.number}/")
    assert full.status_code == 200 and "<html" in full.content.decode()
    client.logout()
    login(client, user)
    assert client.get(f"/sla/ticket/{ticket.number}/").status_code == 403
    client.logout()
    outsider = make_agent(TeamFactory(), username="outsider")
    login(client, outsider)
    assert client.get(f"/sla/ticket/{ticket.number}/").status_code == 404


@pytest.mark.parametrize(
    ("state", "due_minutes", "label", "colour"),
    [
        (SLAState.ACTIVE, 135, "2h 15m left", "var(--link-strong)"),
        (SLAState.AT_RISK, 20, "20m left", "var(--warn)"),
        (SLAState.BREACHED, -(26 * 60), "Overdue 1d 2h", "var(--danger)"),
        (SLAState.PAUSED, None, "SLA paused", "var(--muted)"),
        (SLAState.MET, None, "SLA met", "var(--ok)"),
    ],
)
def test_badge_partial(state, due_minutes, label, colour):
    now = dt.datetime(2025, 6, 9, 12, tzinfo=dt.UTC)
    due = now + dt.timedelta(minutes=due_minutes) if due_minutes is not None else None
    ticket = Ticket(sla_state=state, due_at=due)
    with clock.frozen(now):
        html = render_to_string("sla/badge.html", {"ticket": ticket})
    assert label in html and f"sla-{state}" in html
    assert "style=" not in html  # coloured by its class: no style attribute under the CSP
    css = (Path(settings.BASE_DIR) / "static" / "ticketdesk" / "app.css").read_text()
    rule = re.search(
        r"\.sla-badge" + ("" if state == "active" else rf"\.sla-{state}") + r" \{[^}]*\}", css
    )
    assert rule and f"color: {colour}" in rule.group(0)
    assert render_to_string("sla/badge.html", {"ticket": Ticket()}).strip() == ""


def test_badge_is_translated():
    from django.utils import translation

    now = dt.datetime(2025, 6, 9, 12, tzinfo=dt.UTC)
    ticket = Ticket(sla_state=SLAState.PAUSED)
    with translation.override("pt-br"), clock.frozen(now):
        html = render_to_string("sla/badge.html", {"ticket": ticket})
    assert "SLA pausado" in html


def test_availability_toggle_routes_waiting_tickets(client, customer):
    team = TeamFactory(assignment_strategy=AssignmentStrategy.ROUND_ROBIN)
    agent = make_agent(team, username="solo")
    login(client, agent)
    response = client.post("/sla/availability/", {"status": "off"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'value="off" class="small button" aria-pressed="true"' in response.content.decode()
    assert AgentAvailability.objects.get(user=agent).status == Presence.OFF
    waiting = make_ticket(team=team)
    outbox.process_pending()
    waiting.refresh_from_db()
    assert waiting.assignee_id is None
    client.post("/sla/availability/", {"status": "online"}, headers={"HX-Request": "true"})
    while outbox.process_pending():  # agent available -> one routing message per ticket
        pass
    waiting.refresh_from_db()
    assert waiting.assignee_id == agent.pk
    bad = client.post("/sla/availability/", {"status": "sleeping"}, headers={"HX-Request": "true"})
    assert bad.status_code == 400
    assert client.get("/sla/availability/").status_code == 200
    client.logout()
    login(client, customer[0])
    assert client.post("/sla/availability/", {"status": "off"}).status_code == 403


def test_admin_policy_form_cleans_conditions(configured):
    form = SLAPolicyForm(
        data={
            "name": "Gold",
            "order": 1,
            "active": "on",
            "priorities": ["3", "4"],
            "channels": ["email"],
            "customer_tiers": "gold, platinum ,",
            "pause_status_keys": ["pending", "on-hold"],
        }
    )
    assert form.is_valid(), form.errors
    policy = form.save()
    assert policy.priorities == [3, 4]
    assert policy.customer_tiers == ["gold", "platinum"]
    assert policy.pause_status_keys == ["pending", "on-hold"]
    assert SLAPolicyForm(instance=policy).initial["customer_tiers"] == "gold, platinum"


def test_management_commands(team, capsys, configured):
    agent = make_agent(team, username="cmd")
    call_command("availability", "cmd", "--status", "away", "--capacity", "5")
    row = AgentAvailability.objects.get(user=agent)
    assert (row.status, row.capacity) == (Presence.AWAY, 5)
    customer = make_agent(None, role=Role.CUSTOMER, username="cust")
    with pytest.raises(Exception, match="Only agents"):
        call_command("availability", customer.username, "--status", "online")
    ticket = make_ticket(team=team)  # outbox not drained: no SLA yet
    assert Ticket.objects.get(pk=ticket.pk).sla_state == SLAState.NONE
    call_command("sla_recompute")
    assert Ticket.objects.get(pk=ticket.pk).sla_state == SLAState.ACTIVE
    assert "Recomputed 1 tickets." in capsys.readouterr().out
    assert SLAPolicy.objects.count() == 2


def test_sla_defaults_command_is_idempotent(team, capsys):
    with clock.frozen(at(2025, 6, 9, 9)):
        ticket = make_ticket(team=team, priority_override=4)
        call_command("sla_defaults", "--time-zone", "Europe/Rome")
        call_command("sla_defaults")
    assert SLAPolicy.objects.count() == 3
    out = capsys.readouterr().out
    assert "3 policies created" in out and "0 policies created" in out
    ticket.refresh_from_db()
    # critical: 30 minutes of calendar time
    assert ticket.first_response_due_at == at(2025, 6, 9, 9, 30)
