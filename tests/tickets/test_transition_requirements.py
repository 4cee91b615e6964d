"""Fields a workflow move requires (Transition.required_fields), enforced in tickets.actions
for every way in: the actions themselves, bulk actions and the API."""

import pytest

from tests.api.conftest import client_for
from tests.factories import make_agent, make_ticket, status
from ticketdesk.core.errors import FieldsRequired
from ticketdesk.tickets import actions, workflow
from ticketdesk.tickets.config import invalidate
from ticketdesk.tickets.models import Category, CustomFieldDefinition, Transition
from ticketdesk.tickets.resolution import Resolution

pytestmark = pytest.mark.django_db


def require(source: str, target: str, *fields: str) -> None:
    Transition.objects.filter(from_status__key=source, to_status__key=target).update(
        required_fields=list(fields)
    )
    invalidate()


@pytest.fixture
def cause():
    return CustomFieldDefinition.objects.create(key="cause", label="Cause", field_type="text")


def test_shipped_workflow_requires_a_summary_to_resolve():
    assert workflow.required_fields(status("open"), status("resolved")) == ("resolution_summary",)
    assert workflow.required_fields(status("resolved"), status("closed")) == ()


def test_a_move_is_refused_naming_each_missing_field(team, cause):
    agent = make_agent(team)
    ticket = make_ticket(team=team)
    require("new", "pending", "category", "custom_fields.cause")
    with pytest.raises(FieldsRequired) as caught:
        actions.change_status(ticket, status("pending"), actor=agent)
    assert caught.value.extra["missing"] == ["category", "custom_fields.cause"]
    assert "Category" in caught.value.message and "Cause" in caught.value.message
    ticket.refresh_from_db()
    assert ticket.status.key == "new"
    # giving the fields in the same change is enough
    hardware = Category.objects.create(name="Hardware")
    actions.set_fields(
        ticket,
        actor=agent,
        status=status("pending"),
        category=hardware,
        custom_fields={"cause": "Broken cable"},
    )
    ticket.refresh_from_db()
    assert ticket.status.key == "pending"


def test_a_custom_field_of_another_type_is_not_asked(team):
    from ticketdesk.tickets.models import TicketType

    field = CustomFieldDefinition.objects.create(key="build", label="Build", field_type="text")
    field.ticket_types.set([TicketType.objects.get(key="bug")])
    agent = make_agent(team)
    ticket = make_ticket(team=team)
    require("new", "pending", "custom_fields.build")
    actions.change_status(ticket, status("pending"), actor=agent)
    ticket.refresh_from_db()
    assert ticket.status.key == "pending"


def test_the_system_is_not_asked(team):
    ticket = make_ticket(team=team)
    require("new", "pending", "category")
    actions.change_status(ticket, status("pending"), actor=None)
    ticket.refresh_from_db()
    assert ticket.status.key == "pending"


def test_requirements_on_a_resolving_move_add_to_the_summary(team):
    agent = make_agent(team)
    ticket = make_ticket(team=team)
    require("new", "resolved", "resolution_summary", "category")
    with pytest.raises(FieldsRequired) as caught:
        actions.change_status(
            ticket, status("resolved"), actor=agent, resolution=Resolution(summary="Done.")
        )
    assert caught.value.extra["missing"] == ["category"]


def test_bulk_status_change_reports_the_missing_field(client, team):
    from tests.factories import PASSWORD

    agent = make_agent(team, username="bulk")
    assert client.login(username=agent.username, password=PASSWORD)
    tickets = [make_ticket(team=team, subject=f"Outage {i}") for i in range(2)]
    require("new", "pending", "category")
    response = client.post(
        "/bulk/",
        {"ids": [t.pk for t in tickets], "op": "status", "status": status("pending").pk,
         "next": "/"},
        follow=True,
    )  # fmt: skip
    assert "fill in: Category" in response.content.decode()
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.status.key == "new"


def test_api_answers_400_with_the_missing_fields(team, cause):
    agent = make_agent(team, username="api")
    ticket = make_ticket(team=team)
    require("new", "pending", "category", "custom_fields.cause")
    api = client_for(agent)
    response = api.post(f"/api/v1/tickets/{ticket.number}/status", {"status": "pending"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "fields_required"
    assert body["missing"] == ["category", "custom_fields.cause"]
    assert set(body["fields"]) == {"category", "custom_fields.cause"}
    hardware = Category.objects.create(name="Hardware")
    patched = api.patch(
        f"/api/v1/tickets/{ticket.number}",
        {"status": "pending", "category_id": hardware.pk, "custom_fields": {"cause": "Cable"}},
    )
    assert patched.status_code == 200, patched.content
