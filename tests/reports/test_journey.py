from __future__ import annotations

import pytest

from tests.factories import TeamFactory, make_agent, make_customer
from tests.reports.conftest import at
from ticketdesk.accounts.models import Organization, TeamMembership
from ticketdesk.core import clock
from ticketdesk.reports.facts import refresh_ticket
from ticketdesk.reports.models import TicketFact
from ticketdesk.tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


def add_csat(ticket, score: int, when) -> None:
    """What the portal records when a customer rates a ticket (portal.actions.record_csat)."""
    TicketEvent.objects.create(
        ticket=ticket,
        kind="csat",
        actor_contact=ticket.requester,
        field="csat",
        new_value=score,
        data={"score": score, "scale": "five", "comment": "", "first": True},
        created_at=when,
    )
    refresh_ticket(ticket.pk)


def test_customer_journey_lists_every_ticket_and_csat(
    client, history, lead, django_assert_max_num_queries
):
    add_csat(history.a, 4, at(days=1, hours=3))
    assert TicketFact.objects.get(ticket=history.a).csat_score == 75.0
    client.force_login(lead)
    contact = history.a.requester
    with clock.frozen(at(days=3)), django_assert_max_num_queries(20):
        response = client.get(f"/reports/customers/{contact.pk}/")
    assert response.status_code == 200
    assert response.context["totals"]["tickets"] == 1  # B was merged into A
    assert response.context["totals"]["csat"] == 75.0
    assert {t.pk for t in response.context["tickets"]} == {history.a.pk, history.b.pk}
    kinds = [e.kind for e in response.context["events"]]
    assert "csat" in kinds and "merged_into" in kinds
    body = response.content.decode()
    assert 'role="img"' in body
    # the rating reads as a score out of five, not the scale's key ("/five")
    assert "4/5" in body
    assert "/five" not in body


def test_organization_journey(client, history, lead):
    org = Organization.objects.create(name="Acme")
    history.c.organization = org  # test setup only: tickets have no organization here
    history.c.save(update_fields=["organization"])
    client.force_login(lead)
    response = client.get(f"/reports/organizations/{org.pk}/")
    assert response.status_code == 200
    assert [t.pk for t in response.context["tickets"]] == [history.c.pk]
    assert "no data yet" in response.content.decode()


def test_journey_respects_the_policy(client, history):
    facilities = TeamFactory(name="Facilities", slug="facilities")
    other = make_agent(facilities, username="fac")
    TeamMembership.objects.filter(user=other).update(is_lead=True)
    client.force_login(other)
    response = client.get(f"/reports/customers/{history.a.requester_id}/")
    assert response.status_code == 200
    assert list(response.context["tickets"]) == []
    user, _contact = make_customer(username="cust2", email="cust2@example.org")
    client.force_login(user)
    assert client.get(f"/reports/customers/{history.a.requester_id}/").status_code == 403
    assert client.get("/reports/customers/999999/").status_code in (403, 404)


def test_customer_and_organization_pages_are_for_those_who_see_reports(client, history, agent):
    """Issue 19, item 5: the dashboard answered 403 to an agent who leads no team, the
    customer and organization pages 200."""
    org = Organization.objects.create(name="Acme")
    client.force_login(agent)
    assert client.get("/reports/").status_code == 403
    assert client.get(f"/reports/customers/{history.a.requester_id}/").status_code == 403
    assert client.get(f"/reports/organizations/{org.pk}/").status_code == 403
    TeamMembership.objects.filter(user=agent).update(is_lead=True)
    assert client.get(f"/reports/customers/{history.a.requester_id}/").status_code == 200
    assert client.get(f"/reports/organizations/{org.pk}/").status_code == 200
