from __future__ import annotations

import pytest

from tests.factories import TeamFactory, make_agent, make_customer
from tests.reports.conftest import at
from ticketdesk.accounts.models import Organization
from ticketdesk.core import clock
from ticketdesk.reports.facts import refresh_ticket
from ticketdesk.reports.models import TicketFact
from ticketdesk.tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


def add_csat(ticket, rating: int, when) -> None:
    """What the portal records when a customer rates a ticket."""
    TicketEvent.objects.create(
        ticket=ticket,
        kind="csat",
        actor_contact=ticket.requester,
        data={"rating": rating, "scale": 5},
        created_at=when,
    )
    refresh_ticket(ticket.pk)


def test_customer_journey_lists_every_ticket_and_csat(
    client, history, agent, django_assert_max_num_queries
):
    add_csat(history.a, 4, at(days=1, hours=3))
    assert TicketFact.objects.get(ticket=history.a).csat_score == 75.0
    client.force_login(agent)
    contact = history.a.requester
    with clock.frozen(at(days=3)), django_assert_max_num_queries(20):
        response = client.get(f"/reports/customers/{contact.pk}/")
    assert response.status_code == 200
    assert response.context["totals"]["tickets"] == 1  # B was merged into A
    assert response.context["totals"]["csat"] == 75.0
    assert {t.pk for t in response.context["tickets"]} == {history.a.pk, history.b.pk}
    kinds = [e.kind for e in response.context["events"]]
    assert "csat" in kinds and "merged_into" in kinds
    assert 'role="img"' in response.content.decode()


def test_organization_journey(client, history, agent):
    org = Organization.objects.create(name="Acme")
    history.c.organization = org  # test setup only: tickets have no organization here
    history.c.save(update_fields=["organization"])
    client.force_login(agent)
    response = client.get(f"/reports/organizations/{org.pk}/")
    assert response.status_code == 200
    assert [t.pk for t in response.context["tickets"]] == [history.c.pk]
    assert "no data yet" in response.content.decode()


def test_journey_respects_the_policy(client, history):
    other = make_agent(TeamFactory(name="Facilities", slug="facilities"), username="fac")
    client.force_login(other)
    response = client.get(f"/reports/customers/{history.a.requester_id}/")
    assert response.status_code == 200
    assert list(response.context["tickets"]) == []
    user, _contact = make_customer(username="cust2", email="cust2@example.org")
    client.force_login(user)
    assert client.get(f"/reports/customers/{history.a.requester_id}/").status_code == 403
    assert client.get("/reports/customers/999999/").status_code in (403, 404)
