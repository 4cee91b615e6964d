"""The workflow editor's rules per move, and the side panel naming a move's missing fields."""

import pytest
from django.urls import reverse

from tests.factories import make_ticket, status
from ticketdesk.audit.models import AuditEntry
from ticketdesk.tickets.models import Category, CustomFieldDefinition, Transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(as_role):
    return as_role("admin")


def move(source, target):
    return Transition.objects.get(from_status__key=source, to_status__key=target)


def test_the_editor_lists_each_move_and_what_it_requires(admin, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        response = admin.get(reverse("workspace:settings:workflow"))
    text = response.content.decode()
    assert text.count("/settings/workflow/transitions/") >= Transition.objects.count()
    assert "Resolution summary" in text  # the shipped moves into Resolved


def test_the_admin_chooses_the_fields_of_a_move(admin):
    CustomFieldDefinition.objects.create(key="cause", label="Cause", field_type="text")
    transition = move("new", "pending")
    url = reverse("workspace:settings:transition_edit", args=[transition.pk])
    page = admin.get(url).content.decode()
    assert 'value="custom_fields.cause"' in page and 'value="category"' in page
    response = admin.post(url, {"required_fields": ["category", "custom_fields.cause"]})
    assert response.status_code == 302
    transition.refresh_from_db()
    assert transition.required_fields == ["category", "custom_fields.cause"]
    assert AuditEntry.objects.filter(action="config.transition.updated").exists()
    refused = admin.post(url, {"required_fields": ["password"]})
    assert refused.status_code == 400
    transition.refresh_from_db()
    assert transition.required_fields == ["category", "custom_fields.cause"]


def test_an_agent_cannot_edit_a_move(as_role):
    client = as_role("agent")
    transition = move("new", "pending")
    response = client.post(
        reverse("workspace:settings:transition_edit", args=[transition.pk]),
        {"required_fields": ["category"]},
    )
    assert response.status_code in (403, 404)
    transition.refresh_from_db()
    assert transition.required_fields == []


def test_the_side_panel_shows_the_missing_fields_inline(agent_client, agent, team):
    CustomFieldDefinition.objects.create(key="cause", label="Cause", field_type="text")
    transition = move("new", "pending")
    transition.required_fields = ["category", "custom_fields.cause"]
    transition.save()
    ticket = make_ticket(team=team)
    form = {
        "expected_version": ticket.version,
        "status": status("pending").pk,
        "urgency": 2,
        "impact": 2,
        "team": team.pk,
    }
    response = agent_client.post(f"/t/{ticket.number}/fields/", form, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "category" in errors and "cf_cause" in errors
    assert "fill in: Category, Cause" in response.content.decode()
    hardware = Category.objects.create(name="Hardware")
    form.update(category=hardware.pk, cf_cause="A loose cable")
    response = agent_client.post(f"/t/{ticket.number}/fields/", form, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status.key == "pending"


def test_the_admin_limits_a_move_to_types_and_filters_the_diagram(admin):
    from ticketdesk.tickets.models import TicketType

    bug = TicketType.objects.get(key="bug")
    transition = move("new", "on-hold")
    url = reverse("workspace:settings:transition_edit", args=[transition.pk])
    response = admin.post(url, {"required_fields": [], "ticket_types": [bug.pk]})
    assert response.status_code == 302
    assert list(transition.ticket_types.all()) == [bug]
    every = admin.get(reverse("workspace:settings:workflow")).content.decode()
    incident = admin.get(reverse("workspace:settings:workflow"), {"type": "incident"})
    bugs = admin.get(reverse("workspace:settings:workflow"), {"type": "bug"}).content.decode()
    text = incident.content.decode()
    assert "New → On hold" in every and "New → On hold" in bugs
    assert "New → On hold" not in text
    assert text.count('class="arrow"') == every.count('class="arrow"') - 1
