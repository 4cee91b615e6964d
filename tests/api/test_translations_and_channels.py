"""The API names configuration in the request's language with every translation, accepts the
channel of a ticket an agent records, and refuses fields it does not know (issue 13)."""

from __future__ import annotations

import pytest

from tests.factories import make_ticket
from ticketdesk.tickets.models import (
    BusinessArea,
    Category,
    Channel,
    CustomFieldDefinition,
    FieldType,
    Message,
    Ticket,
)

pytestmark = pytest.mark.django_db

PT = {"Accept-Language": "pt-br"}


def test_catalogue_names_in_the_requests_language_with_every_translation(api_for, agent):
    api = api_for(agent)
    statuses = {s["key"]: s for s in api.get("/api/v1/statuses", headers=PT).json()}
    assert statuses["pending"]["name"] == "Pendente"
    assert statuses["pending"]["translations"] == {
        "en": {"name": "Pending"},
        "pt-br": {"name": "Pendente"},
        "it": {"name": "In attesa"},
    }
    types = {
        t["key"]: t for t in api.get("/api/v1/types", headers={"Accept-Language": "it"}).json()
    }
    assert types["question"]["name"] == "Domanda"
    assert types["question"]["translations"]["pt-br"] == {"name": "Dúvida"}
    transitions = api.get("/api/v1/statuses/new/transitions", headers=PT).json()
    assert "Resolvido" in [t["name"] for t in transitions]


def test_categories_business_areas_and_custom_fields_carry_their_translations(api_for, agent):
    software = Category.objects.create(name="Software", translations={"it": {"name": "Programmi"}})
    Category.objects.create(name="VPN", parent=software)
    BusinessArea.objects.create(name="Sales", translations={"pt-br": {"name": "Vendas"}})
    CustomFieldDefinition.objects.create(
        key="os",
        label="Operating system",
        field_type=FieldType.CHOICE,
        choices=["win", "linux"],
        translations={"it": {"label": "Sistema operativo", "choices": {"win": "Windows"}}},
    )
    api = api_for(agent)
    it = {"Accept-Language": "it"}
    categories = {c["path"]: c for c in api.get("/api/v1/categories", headers=it).json()}
    vpn = categories["Programmi / VPN"]
    assert vpn["name"] == "VPN"
    assert vpn["translations"]["en"] == {"name": "VPN", "path": "Software / VPN"}
    areas = api.get("/api/v1/business-areas", headers=PT).json()
    assert areas[0]["name"] == "Vendas"
    assert areas[0]["translations"]["en"] == {"name": "Sales"}
    # the Bug type's shipped fields (assets 0002) are listed too
    fields = api.get("/api/v1/custom-fields", headers=it).json()
    (field,) = [f for f in fields if f["key"] == "os"]
    assert field["label"] == "Sistema operativo"
    assert field["choices"] == [
        {"value": "win", "label": "Windows"},
        {"value": "linux", "label": "linux"},
    ]
    assert field["translations"]["en"]["label"] == "Operating system"
    assert field["translations"]["it"]["choices"] == {"win": "Windows", "linux": "linux"}


def test_ticket_status_is_named_in_the_requests_language(api_for, agent, team):
    ticket = make_ticket(team=team)
    body = api_for(agent).get(f"/api/v1/tickets/{ticket.number}", headers=PT).json()
    assert body["status"] == {"key": "new", "name": "Novo", "category": "new"}


def test_agent_records_a_phone_call_through_the_api(api_for, agent, team):
    """`"channel": "phone"` was dropped silently: the ticket said “API”."""
    response = api_for(agent).post(
        "/api/v1/tickets",
        {
            "subject": "Cannot log in",
            "body": "Called at 9:10, locked out",
            "requester_email": "caller@example.org",
            "team_id": team.pk,
            "channel": "phone",
        },
    )
    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get(number=response.json()["number"])
    assert ticket.channel == Channel.PHONE
    first = Message.objects.get(ticket=ticket)
    # the caller's words, not an agent's reply
    assert first.is_customer_message and first.author_contact == ticket.requester
    assert first.author_user is None


def test_channel_is_checked_and_unknown_fields_are_refused(api_for, agent, customer):
    user, _contact = customer
    as_customer = api_for(user)
    refused = as_customer.post("/api/v1/tickets", {"subject": "Hi", "channel": "phone"})
    assert refused.status_code == 403
    assert refused.json()["fields"] == {"channel": ["Leave it out, or use “api”."]}
    assert (
        as_customer.post("/api/v1/tickets", {"subject": "Hi", "channel": "api"}).status_code == 201
    )
    as_agent = api_for(agent)
    unknown = as_agent.post(
        "/api/v1/tickets",
        {"subject": "Hi", "requester_email": "x@example.org", "channel": "fax"},
    )
    assert unknown.status_code == 422 and "channel" in unknown.json()["fields"]
    typo = as_agent.post(
        "/api/v1/tickets",
        {"subject": "Hi", "requester_email": "x@example.org", "chanel": "phone"},
    )
    assert typo.status_code == 422 and "chanel" in typo.json()["fields"]
    assert Ticket.objects.count() == 1
