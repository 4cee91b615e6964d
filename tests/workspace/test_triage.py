"""Nothing unrouted is invisible: a ticket that no rule or default sends to a team waits in
the triage queue, which every agent sees (or the members of the teams chosen for it), and
they can open and work it. Each entrance is used for real: the portal, the embedded web
form, email ingestion, the REST API and the agent's phone form."""

from __future__ import annotations

import pytest

from tests.api.conftest import client_for
from tests.email.conftest import make_mail
from tests.factories import PASSWORD, TeamFactory, make_agent, make_customer, make_ticket
from ticketdesk.accounts.models import Role, Team
from ticketdesk.channels.email.ingest import ingest
from ticketdesk.channels.email.models import Mailbox
from ticketdesk.tickets.models import Category, Ticket, TicketType
from ticketdesk.workspace import rail

pytestmark = pytest.mark.django_db


@pytest.fixture
def vpn(db):
    software = Category.objects.create(name="Software")
    return Category.objects.create(name="VPN", parent=software)


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Customer Care", slug="customer-care")


@pytest.fixture
def luca(other_team):
    return make_agent(other_team, username="luca", first_name="Luca")


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def can_find_open_and_take(client, agent, ticket: Ticket) -> None:
    """The ordinary agent finds the ticket in the triage view, opens it and assigns it to
    themselves."""
    listing = client.get("/?view=triage")
    assert listing.status_code == 200
    assert ticket.subject in listing.content.decode()
    page = client.get(f"/t/{ticket.number}/")
    assert page.status_code == 200
    taken = client.post(f"/t/{ticket.number}/assign-me/")
    assert taken.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    # taken from triage, the ticket joins the agent's team (out of the triage queue)
    assert ticket.team is not None and ticket.team in agent.teams.all()


def test_maria_s_vpn_request_from_the_portal_reaches_the_it_lead(client, team, agent, vpn):
    """The reported bug: maria's Software / VPN request got no team, so the IT Support lead
    could not find it and /t/N/ answered 404."""
    team.memberships.filter(user=agent).update(is_lead=True)
    maria, _contact = make_customer(username="maria", email="maria@estrela.example")
    login(client, maria)
    response = client.post(
        "/portal/new/service-request/",
        {
            "subject": "VPN asks for a certificate",
            "description": "Since this morning the VPN client asks for a certificate.",
            "category": vpn.pk,
            "impact": "1",
            "urgency": "2",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = Ticket.objects.get()
    assert ticket.team is None
    client.logout()
    login(client, agent)
    can_find_open_and_take(client, agent, ticket)


def test_with_a_category_default_the_request_goes_to_the_team(client, team, agent, vpn):
    Category.objects.filter(name="Software").update(default_team=team)
    maria, _contact = make_customer(username="maria", email="maria@estrela.example")
    login(client, maria)
    client.post(
        "/portal/new/service-request/",
        {"subject": "VPN", "description": "It drops.", "category": vpn.pk, "impact": "1",
         "urgency": "2"},
    )  # fmt: skip
    ticket = Ticket.objects.get()
    assert ticket.team == team
    client.logout()
    login(client, agent)
    assert client.get(f"/t/{ticket.number}/").status_code == 200
    assert ticket.subject in client.get("/?view=unassigned").content.decode()


def _from_portal(client, luca):
    user, _contact = make_customer(username="bea", email="bea@example.net")
    login(client, user)
    client.post(
        "/portal/new/incident/",
        {"subject": "Portal: screen flickers", "description": "Flickers.", "impact": "1",
         "urgency": "2"},
    )  # fmt: skip
    client.logout()
    return Ticket.objects.get(subject="Portal: screen flickers")


def _from_web_form(client, luca):
    response = client.post(
        "/portal/embed/",
        {"name": "Guest", "email": "guest@example.net", "subject": "Web form: no invoice",
         "description": "Where is my invoice?"},
    )  # fmt: skip
    assert response.status_code == 200
    return Ticket.objects.get(subject="Web form: no invoice")


def _from_email(client, luca):
    Mailbox.objects.create(name="Help", address="help@desk.test")  # a mailbox with no team
    inbound = ingest(make_mail(to="help@desk.test", subject="Email: printer jam"))
    assert inbound.ticket is not None, inbound.reason
    return inbound.ticket


def _from_api(client, luca):
    integration = make_agent(None, username="integration")
    response = client_for(integration).post(
        "/api/v1/tickets",
        {"subject": "API: disk almost full", "body": "Monitoring says 95%.",
         "requester_email": "monitor@example.net"},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    return Ticket.objects.get(subject="API: disk almost full")


def _from_phone(client, luca):
    """Luca (Customer Care) takes a call and leaves the team empty."""
    login(client, luca)
    response = client.post(
        "/tickets/new/",
        {"requester_email": "caller@example.net", "channel": "phone",
         "subject": "Phone: cannot log in", "body": "Called at 9:00.", "team": "",
         "urgency": "2", "impact": "2"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    client.logout()
    return Ticket.objects.get(subject="Phone: cannot log in")


@pytest.mark.parametrize(
    "entrance",
    [_from_portal, _from_web_form, _from_email, _from_api, _from_phone],
    ids=["portal", "web-form", "email", "api", "phone"],
)
def test_a_ticket_no_rule_routes_is_visible_to_an_ordinary_agent(client, agent, luca, entrance):
    ticket = entrance(client, luca)
    assert ticket.team is None
    login(client, agent)  # ana: IT Support, neither admin nor lead
    can_find_open_and_take(client, agent, ticket)


def test_the_rail_counts_the_triage_queue(agent):
    make_ticket(subject="Nobody's ticket")
    views = rail.rail_views(agent)
    triage = rail.find_view(views, "triage")
    assert rail.counts(agent, views)["triage"] == 1
    assert [t.subject for t in rail.view_queryset(agent, triage)] == ["Nobody's ticket"]


def test_when_teams_are_chosen_only_their_members_see_triage(client, team, agent, luca):
    ticket = make_ticket(subject="Unrouted")
    Team.objects.filter(name="Customer Care").update(sees_triage=True)
    login(client, agent)
    assert client.get(f"/t/{ticket.number}/").status_code == 404
    assert client.get("/?view=triage").status_code == 404
    client.logout()
    login(client, luca)
    can_find_open_and_take(client, luca, ticket)


def test_a_light_agent_reads_triage_but_cannot_take_it(client, team):
    reader = make_agent(team, role=Role.LIGHT_AGENT, username="lia")
    ticket = make_ticket(subject="Unrouted")
    login(client, reader)
    assert client.get(f"/t/{ticket.number}/").status_code == 200
    client.post(f"/t/{ticket.number}/assign-me/")
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_an_agent_outside_the_triage_teams_keeps_the_ticket_they_open(client, team, agent, luca):
    Team.objects.filter(name="Customer Care").update(sees_triage=True)
    TicketType.objects.update(default_team=None)
    login(client, agent)
    response = client.post(
        "/tickets/new/",
        {"requester_email": "caller@example.net", "channel": "phone", "subject": "Walk-in",
         "body": "At the desk.", "team": "", "urgency": "2", "impact": "2"},
    )  # fmt: skip
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
