"""The ticket page and the new-ticket form (issue 13): business area, category and custom
fields, a caller's message shown as theirs, the SLA chip, names in the reader's language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from tests.factories import PASSWORD, make_agent, make_ticket, status
from tests.sla.helpers import make_policy
from ticketdesk.core import clock
from ticketdesk.sla import tracking
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import (
    BusinessArea,
    Category,
    Channel,
    CustomFieldDefinition,
    FieldType,
    Ticket,
    TicketType,
)

pytestmark = pytest.mark.django_db


def _side_panel(client, ticket, **changes):
    """The side panel as the page shows it, with `changes` applied."""
    form = client.get(f"/t/{ticket.number}/").context["form"]
    was = form.initial_data()
    data = {k: was.getlist(k) for k in was}
    data.update(expected_version=ticket.version, was=was.urlencode(), **changes)
    return client.post(f"/t/{ticket.number}/fields/", data, HTTP_HX_REQUEST="true")


def test_business_area_is_shown_and_changed_on_the_ticket_page(agent_client, team):
    sales = BusinessArea.objects.create(name="Sales", translations={"it": {"name": "Vendite"}})
    finance = BusinessArea.objects.create(name="Finance")
    ticket = make_ticket(team=team, business_area=sales)
    body = agent_client.get(f"/t/{ticket.number}/").content.decode()
    assert 'name="business_area"' in body
    assert f'<option value="{sales.pk}" selected>Sales</option>' in body
    response = _side_panel(agent_client, ticket, business_area=str(finance.pk))
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.business_area == finance
    assert "changed business area from Sales to Finance" in response.content.decode()


def test_the_page_names_configuration_in_the_readers_language(client, team):
    """An agent who works in Portuguese changes the status; a colleague reading in English
    sees English names, one reading in Italian Italian ones."""
    ana = make_agent(team, username="ana", first_name="Ana", last_name="Souza", language="pt-br")
    priya = make_agent(team, username="priya", first_name="Priya", last_name="N", language="en")
    luca = make_agent(team, username="luca", first_name="Luca", last_name="B", language="it")
    ticket = make_ticket(team=team, ticket_type=TicketType.objects.get(key="incident"))
    client.login(username=ana.username, password=PASSWORD)
    response = _side_panel(client, ticket, status=str(status("pending").pk))
    assert response.status_code == 200
    assert "de Novo para Pendente" in response.content.decode()
    client.login(username=priya.username, password=PASSWORD)
    body = client.get(f"/t/{ticket.number}/").content.decode()
    assert "changed status from New to Pending" in body
    assert "Novo" not in body and "Pendente" not in body
    client.login(username=luca.username, password=PASSWORD)
    body = client.get(f"/t/{ticket.number}/").content.decode()
    assert "da Nuovo a In attesa" in body
    assert '<span class="chip">Incidente</span>' in body  # the type chip
    assert '<option value="pending"' in client.get("/").content.decode()  # list filter
    assert ">In attesa</option>" in client.get("/").content.decode()


def test_sla_chip_says_paused_and_shows_the_new_due_date_right_after_a_save(
    agent_client, agent, team
):
    make_policy("Everyone", first_response=60, next_response=None, resolution=600)
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with clock.frozen(start):
        ticket = make_ticket(team=team, urgency=2, impact=2)
        tracking.refresh(ticket.pk)
        ticket.refresh_from_db()
        assert ticket.sla_state == "active" and ticket.due_at == start + dt.timedelta(hours=1)
    with clock.frozen(start + dt.timedelta(minutes=5)):
        # waiting on the customer: the worker has not recomputed the clock yet
        response = _side_panel(agent_client, ticket, status=str(status("pending").pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert "SLA paused" in body
    assert "No SLA target" not in body
    assert 'datetime="2026-03-02T10:00:00+00:00"' not in body  # the old due date
    with clock.frozen(start + dt.timedelta(minutes=6)):
        tracking.refresh(ticket.pk)  # what the worker does
        body = agent_client.get(f"/t/{ticket.number}/").content.decode()
    assert "SLA paused" in body and "No SLA target" not in body


def test_new_ticket_form_asks_category_business_area_and_the_types_custom_fields(
    agent_client, agent, team
):
    incident = TicketType.objects.get(key="incident")
    question = TicketType.objects.get(key="question")
    vpn = Category.objects.create(name="VPN")
    sales = BusinessArea.objects.create(name="Sales")
    asset = CustomFieldDefinition.objects.create(
        key="asset_tag", label="Asset tag", field_type=FieldType.TEXT, required=True
    )
    asset.ticket_types.add(incident)
    page = agent_client.get("/tickets/new/").content.decode()
    assert 'name="category"' in page and 'name="business_area"' in page
    assert 'name="cf_asset_tag"' not in page  # no type chosen yet
    # choosing the type (htmx) brings its fields
    fragment = agent_client.get("/tickets/new/", {"ticket_type": incident.pk}).content.decode()
    assert 'name="cf_asset_tag"' in fragment and "Asset tag" in fragment
    other = agent_client.get("/tickets/new/", {"ticket_type": question.pk}).content.decode()
    assert 'name="cf_asset_tag"' not in other
    data = {
        "requester_email": "caller@example.org",
        "requester_name": "Carla Caller",
        "channel": Channel.PHONE,
        "subject": "Laptop will not start",
        "body": "She says the screen stays black.",
        "team": team.pk,
        "ticket_type": incident.pk,
        "category": vpn.pk,
        "business_area": sales.pk,
        "urgency": 2,
        "impact": 2,
    }
    missing = agent_client.post("/tickets/new/", data)
    assert missing.status_code == 400 and not Ticket.objects.exists()
    assert 'name="cf_asset_tag"' in missing.content.decode()
    response = agent_client.post("/tickets/new/", {**data, "cf_asset_tag": "LT-0042"})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.category, ticket.business_area) == (vpn, sales)
    assert ticket.custom_fields == {"asset_tag": "LT-0042"}


def test_a_callers_description_is_their_message_not_an_agents_reply(agent_client, agent, team):
    response = agent_client.post(
        "/tickets/new/",
        {
            "requester_email": "caller@example.org",
            "requester_name": "Carla Caller",
            "channel": Channel.PHONE,
            "subject": "Printer jammed",
            "body": "Paper stuck in tray 2.",
            "team": team.pk,
            "urgency": 2,
            "impact": 2,
        },
    )
    ticket = Ticket.objects.get()
    first = ticket.messages.get()
    assert first.is_customer_message and first.author_contact == ticket.requester
    assert first.author_user is None and first.channel == Channel.PHONE
    assert ticket.last_customer_message_at == first.created_at
    body = agent_client.get(response["Location"]).content.decode()
    entry = body[body.index(f'id="m{first.pk}"') :].split("</header>")[0]
    assert "Carla Caller" in entry and "from-customer" in entry
    assert "reply-badge" not in entry
    assert "recorded by Ana Souza" in entry


def test_a_problem_record_an_agent_opens_for_themselves_starts_with_their_own_message(agent, team):
    from ticketdesk.accounts.actions import get_or_create_contact

    own = get_or_create_contact(agent.email, agent.display_name)
    ticket = actions.open_ticket(
        requester=own, subject="Root cause", body="Grouping", channel="agent", actor=agent
    )
    first = ticket.messages.get()
    assert first.author_user == agent and not first.is_customer_message
    with translation.override("en"):
        assert first.author_name == agent.display_name
