"""Resolving from the ticket page: the summary and the type's checklist are asked; nothing
changes until they are given."""

from __future__ import annotations

import pytest

from tests.factories import make_ticket, status
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import Message, TicketType, VerificationStep

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident_ticket(team, agent):
    incident = TicketType.objects.get(key="incident")
    VerificationStep.objects.filter(ticket_type=incident, key="fix_tested_by").update(required=True)
    ticket = make_ticket(team=team, ticket_type=incident, subject="VPN drops")
    actions.assign(ticket, assignee=agent, actor=agent)
    ticket.refresh_from_db()
    return ticket


def test_the_page_offers_resolve_not_a_bare_status(agent_client, incident_ticket):
    page = agent_client.get(f"/t/{incident_ticket.number}/")
    body = page.content.decode()
    assert "Resolve ticket" in body and "Fix tested by" in body
    side_statuses = {s.key for s in page.context["form"].fields["status"].queryset}
    assert "resolved" not in side_statuses and "closed" not in side_statuses


def test_resolving_without_summary_keeps_everything(agent_client, incident_ticket):
    response = agent_client.post(
        f"/t/{incident_ticket.number}/resolve/",
        {"status": status("resolved").pk, "resolution_summary": "",
         "expected_version": incident_ticket.version},
    )  # fmt: skip
    assert response.status_code == 400
    form = response.context["resolve_form"]
    assert "resolution_summary" in form.errors
    incident_ticket.refresh_from_db()
    assert incident_ticket.status.key == "in-progress"
    response = agent_client.post(
        f"/t/{incident_ticket.number}/resolve/",
        {"status": status("resolved").pk, "resolution_summary": "New VPN profile",
         "expected_version": incident_ticket.version},
    )  # fmt: skip
    assert response.status_code == 400
    assert "check_fix_tested_by" in response.context["resolve_form"].errors


def test_resolve_and_tell_the_customer(agent_client, incident_ticket):
    response = agent_client.post(
        f"/t/{incident_ticket.number}/resolve/",
        {"status": status("resolved").pk, "resolution_summary": "New VPN profile, tested.",
         "check_fix_tested_by": "Luca", "check_customer_confirmed": "on",
         "send_to_customer": "on", "expected_version": incident_ticket.version},
    )  # fmt: skip
    assert response.status_code == 302
    incident_ticket.refresh_from_db()
    assert incident_ticket.status.key == "resolved"
    assert incident_ticket.resolution_summary == "New VPN profile, tested."
    reply = Message.objects.filter(ticket=incident_ticket).last()
    assert reply.kind == "public" and "New VPN profile" in reply.body_text
    page = agent_client.get(f"/t/{incident_ticket.number}/").content.decode()
    assert "Resolution" in page and "Luca" in page and "resolved the ticket" in page


def test_bulk_resolving_takes_one_summary_for_all(agent_client, team, agent):
    tickets = [make_ticket(team=team, subject=f"Outage {i}") for i in range(2)]
    resolved = status("resolved").pk
    ids = [t.pk for t in tickets]
    response = agent_client.post(
        "/bulk/", {"ids": ids, "op": "status", "status": resolved, "next": "/"}, follow=True
    )
    assert "Resolving needs a summary of what was done" in response.content.decode()
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.status.key == "new"
    agent_client.post(
        "/bulk/",
        {"ids": ids, "op": "status", "status": resolved, "next": "/",
         "resolution_summary": "The mail server was restarted."},
    )  # fmt: skip
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.status.key == "resolved"
        assert ticket.resolution_summary == "The mail server was restarted."
