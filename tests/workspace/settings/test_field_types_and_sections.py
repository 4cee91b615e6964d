"""The form builder's field types "multiple choice" and "agent of the desk", checked the
same in the agent's form, the portal and the API (one validation: tickets.custom_fields);
sections of the form (fieldsets with a legend); the preview of both forms."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.api.conftest import client_for
from tests.factories import PASSWORD, make_agent, make_customer
from ticketdesk.configuration.actions import import_configuration
from ticketdesk.configuration.document import dump, export_data
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.tickets import custom_fields, display
from ticketdesk.tickets.models import (
    Channel,
    CustomFieldDefinition,
    FieldSection,
    FieldType,
    Ticket,
    TicketType,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_seeded_fields(db):
    CustomFieldDefinition.objects.all().delete()


@pytest.fixture
def admin(client, team):
    user = make_agent(team, role="admin", username="u-admin", first_name="Ada", last_name="Min")
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def kind(db):
    return TicketType.objects.filter(active=True).order_by("order", "id").first()


@pytest.fixture
def device(db):
    section = FieldSection.objects.create(
        name="Device", order=1, translations={"pt-br": {"name": "Aparelho"}}
    )
    return CustomFieldDefinition.objects.create(
        key="os",
        label="Operating systems",
        field_type=FieldType.MULTI_CHOICE,
        choices=[{"value": "win", "label": "Windows"}, {"value": "mac", "label": "macOS"}],
        required=True,
        section=section,
    )


@pytest.fixture
def owner_field(db):
    return CustomFieldDefinition.objects.create(
        key="owner", label="Owner", field_type=FieldType.USER, visible_to_customers=False
    )


def _workspace_data(team, kind, **extra):
    return {
        "requester_email": "caller@example.org",
        "channel": Channel.PHONE,
        "subject": "Laptop",
        "body": "Black screen.",
        "team": team.pk,
        "ticket_type": kind.pk,
        "urgency": 2,
        "impact": 2,
        **extra,
    }


def _portal_data(**extra):
    return {"subject": "Laptop", "description": "Black screen.", "urgency": "2", "impact": "1"}


# --- the one validation ------------------------------------------------------------------


def test_multi_choice_and_agent_values_are_checked(device, owner_field, agent):
    assert custom_fields.validate(None, {"os": ["win", "mac"]}) == {"os": ["win", "mac"]}
    with pytest.raises(ValidationFailed) as wrong:
        custom_fields.validate(None, {"os": ["win", "linux"]})
    assert list(wrong.value.fields) == ["custom_fields.os"]
    with pytest.raises(ValidationFailed) as missing:
        custom_fields.validate(None, {})
    assert "custom_fields.os" in missing.value.fields
    assert custom_fields.validate(None, {"os": "win", "owner": str(agent.pk)}) == {
        "os": ["win"],
        "owner": agent.pk,
    }
    customer, _contact = make_customer(username="not-an-agent")
    for wrong_value in (customer.pk, "abc", 999999):
        with pytest.raises(ValidationFailed) as refused:
            custom_fields.validate(None, {"os": ["win"], "owner": wrong_value})
        assert refused.value.fields == {"custom_fields.owner": ["Choose one of the desk's agents."]}
    # an agent's name, not the id, wherever the value is read
    assert display.custom_field_value("owner", agent.pk) == "Ana Souza"
    assert display.custom_field_value("os", ["win", "mac"]) == "Windows, macOS"


# --- the agent's form ----------------------------------------------------------------------


def test_agent_form_asks_both_types_in_their_section_and_keeps_them(
    agent_client, agent, team, kind, device, owner_field
):
    page = agent_client.get("/tickets/new/", {"ticket_type": kind.pk}).content.decode()
    assert "<legend>Device</legend>" in page
    assert 'type="checkbox" name="cf_os" value="win"' in page
    assert f'<option value="{agent.pk}">Ana Souza</option>' in page
    wrong = agent_client.post(
        "/tickets/new/", _workspace_data(team, kind, cf_os=["win"], cf_owner="999999")
    )
    assert wrong.status_code == 400 and not Ticket.objects.exists()
    response = agent_client.post(
        "/tickets/new/", _workspace_data(team, kind, cf_os=["win", "mac"], cf_owner=agent.pk)
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.custom_fields == {"os": ["win", "mac"], "owner": agent.pk}
    # the ticket page shows them, the agent by name, in the section
    page = agent_client.get(f"/t/{ticket.number}/").content.decode()
    assert "<legend>Device</legend>" in page
    assert f'<option value="{agent.pk}" selected>Ana Souza</option>' in page
    assert 'name="cf_os" value="mac" id="id_cf_os_1" checked' in page.replace('class="" ', "")


# --- the portal ----------------------------------------------------------------------------


def test_portal_asks_the_multi_choice_in_its_section_and_never_the_agent_field(
    client, kind, device, owner_field, agent
):
    user, _contact = make_customer(username="cust")
    client.login(username=user.username, password=PASSWORD)
    url = reverse("portal:new_ticket", args=[kind.key])
    page = client.get(url, headers={"Accept-Language": "pt-br"}).content.decode()
    assert '<fieldset class="field-section"><legend>Aparelho</legend>' in page
    assert 'name="cf_os"' in page and 'name="cf_owner"' not in page
    wrong = client.post(url, {**_portal_data(), "cf_os": ["win", "linux"]})
    assert wrong.status_code == 400
    assert "cf_os" in wrong.context["form"].errors
    missing = client.post(url, _portal_data())
    assert missing.status_code == 400 and "cf_os" in missing.context["form"].errors
    # a crafted value for the agents' field is not taken
    response = client.post(url, {**_portal_data(), "cf_os": ["mac"], "cf_owner": agent.pk})
    assert response.status_code == 302
    assert Ticket.objects.get().custom_fields == {"os": ["mac"]}


# --- the API -------------------------------------------------------------------------------


def test_api_names_the_wrong_custom_field(agent, team, device, owner_field):
    api = client_for(agent)
    base = {"subject": "Laptop", "requester_email": "x@example.org", "team_id": team.pk}
    wrong = api.post("/api/v1/tickets", {**base, "custom_fields": {"os": ["linux"]}})
    assert wrong.status_code == 400
    assert wrong.json()["fields"] == {"custom_fields.os": ["Choose only offered values."]}
    no_agent = api.post("/api/v1/tickets", {**base, "custom_fields": {"os": "win", "owner": 0}})
    assert no_agent.status_code == 400
    assert no_agent.json()["fields"] == {
        "custom_fields.owner": ["Choose one of the desk's agents."]
    }
    assert not Ticket.objects.exists()
    created = api.post(
        "/api/v1/tickets", {**base, "custom_fields": {"os": ["win"], "owner": agent.pk}}
    )
    assert created.status_code == 201, created.json()
    assert created.json()["custom_fields"] == {"os": ["win"], "owner": agent.pk}
    listed = {f["key"]: f for f in api.get("/api/v1/custom-fields").json()}
    assert listed["os"]["section"] == "Device"
    assert listed["owner"]["field_type"] == "user" and listed["owner"]["section"] is None


# --- the builder ---------------------------------------------------------------------------


def test_builder_adds_a_multi_choice_field_in_a_section_and_an_agent_only_user_field(admin, kind):
    response = admin.post(
        reverse("workspace:settings:field_sections"),
        {"name": "Device", "name__pt-br": "Aparelho", "type": kind.key},
    )
    assert response.status_code == 302
    section = FieldSection.objects.get()
    assert section.translations == {"pt-br": {"name": "Aparelho"}}
    response = admin.post(
        reverse("workspace:settings:field_new"),
        {
            "label": "Operating systems",
            "field_type": "multi_choice",
            "choices": "win | Windows\nmac | macOS",
            "section": section.pk,
            "visible_to_customers": "on",
        },
    )
    assert response.status_code == 302
    assert CustomFieldDefinition.objects.get(key="operating_systems").section == section
    admin.post(
        reverse("workspace:settings:field_new"),
        {"label": "Owner", "field_type": "user", "visible_to_customers": "on"},
    )
    # customers do not know the agents: the field is never asked in the portal
    assert CustomFieldDefinition.objects.get(key="owner").visible_to_customers is False
    page = admin.get(reverse("workspace:settings:fields")).content.decode()
    assert "Agent&#x27;s form" in page or "Agent's form" in page
    assert "Customer&#x27;s form (portal)" in page or "Customer's form (portal)" in page


def test_preview_shows_the_agent_form_and_the_portal_form(admin, device, owner_field):
    response = admin.post(
        reverse("workspace:settings:field_preview"),
        {
            "label": "Serial",
            "field_type": "text",
            "section": device.section_id,
            "visible_to_customers": "on",
        },
    )
    text = response.content.decode()
    agent_half, portal_half = text.split('data-audience="portal"')
    assert "Owner" in agent_half and "Owner" not in portal_half
    assert "Serial" in agent_half and "Serial" in portal_half
    assert portal_half.count("<legend>Device</legend>") == 1


def test_sections_are_renamed_reordered_and_removed(admin):
    url = reverse("workspace:settings:field_sections")
    admin.post(url, {"name": "Device"})
    admin.post(url, {"name": "Billing"})
    duplicate = admin.post(url, {"name": "Billing"}, follow=True)
    assert "Another section has this name." in duplicate.content.decode()
    device, billing = FieldSection.objects.order_by("order")
    admin.post(url, {"section": billing.pk, "do": "up"})
    assert list(FieldSection.objects.values_list("name", flat=True)) == ["Billing", "Device"]
    admin.post(url, {"section": device.pk, "name": "Hardware", "name__it": "Dispositivo"})
    device.refresh_from_db()
    assert (device.name, device.translations) == ("Hardware", {"it": {"name": "Dispositivo"}})
    field = CustomFieldDefinition.objects.create(
        key="serial", label="Serial", field_type="text", section=device
    )
    admin.post(url, {"section": device.pk, "do": "delete"})
    field.refresh_from_db()
    assert field.section is None and FieldSection.objects.count() == 1


def test_sections_are_for_admins_only(client, team):
    agent = make_agent(team, username="plain")
    client.login(username=agent.username, password=PASSWORD)
    response = client.post(reverse("workspace:settings:field_sections"), {"name": "X"})
    assert response.status_code in (302, 403)
    assert not FieldSection.objects.exists()


def test_sections_travel_with_the_exported_configuration(device):
    exported = export_data()
    (section,) = exported["field_sections"]
    assert section["name"] == "Device" and section["translations"] == {
        "pt-br": {"name": "Aparelho"}
    }
    (row,) = [r for r in exported["custom_fields"] if r["key"] == "os"]
    assert row["section"] == "Device"
    text = dump(exported)
    FieldSection.objects.all().delete()
    import_configuration(text, actor=None)
    device.refresh_from_db()
    assert device.section is not None and device.section.translated("name", "pt-br") == "Aparelho"


# --- the asset type (the assets app's inventory) -------------------------------------------


@pytest.fixture
def laptop_item(db):
    from django.utils import timezone

    from ticketdesk.assets.models import Item, ItemStatus, ItemType

    kind = ItemType.objects.create(key="laptop-x", name="Laptop")
    now = timezone.now()
    Item.objects.create(
        name="Old laptop",
        item_type=kind,
        identifier="LT-0001",
        status=ItemStatus.RETIRED,
        created_at=now,
        updated_at=now,
    )
    return Item.objects.create(
        name="ThinkPad", item_type=kind, identifier="LT-0042", created_at=now, updated_at=now
    )


@pytest.fixture
def asset_field(db):
    return CustomFieldDefinition.objects.create(
        key="machine", label="Machine", field_type=FieldType.ASSET, visible_to_customers=False
    )


def test_asset_values_are_items_in_use(asset_field, laptop_item):
    from ticketdesk.assets.models import Item

    retired = Item.objects.get(identifier="LT-0001")
    assert custom_fields.validate(None, {"machine": str(laptop_item.pk)}) == {
        "machine": laptop_item.pk
    }
    for wrong_value in (retired.pk, "LT-0042", 999999):
        with pytest.raises(ValidationFailed) as refused:
            custom_fields.validate(None, {"machine": wrong_value})
        assert refused.value.fields == {
            "custom_fields.machine": ["Choose one of the offered items."]
        }
    assert display.custom_field_value("machine", laptop_item.pk) == "ThinkPad (LT-0042)"


def test_asset_field_in_the_agent_form_the_api_and_not_the_portal(
    agent_client, client, agent, team, kind, asset_field, laptop_item
):
    page = agent_client.get("/tickets/new/", {"ticket_type": kind.pk}).content.decode()
    assert f'<option value="{laptop_item.pk}">ThinkPad (LT-0042)</option>' in page
    assert "Old laptop" not in page  # retired
    wrong = agent_client.post("/tickets/new/", _workspace_data(team, kind, cf_machine="999999"))
    assert wrong.status_code == 400 and not Ticket.objects.exists()
    response = agent_client.post(
        "/tickets/new/", _workspace_data(team, kind, cf_machine=laptop_item.pk)
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.custom_fields == {"machine": laptop_item.pk}
    page = agent_client.get(f"/t/{ticket.number}/").content.decode()
    assert f'<option value="{laptop_item.pk}" selected>ThinkPad (LT-0042)</option>' in page

    api = client_for(agent)
    base = {"subject": "Laptop", "requester_email": "x@example.org", "team_id": team.pk}
    refused = api.post("/api/v1/tickets", {**base, "custom_fields": {"machine": "LT-0042"}})
    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "custom_fields.machine": ["Choose one of the offered items."]
    }

    user, _contact = make_customer(username="cust")
    client.login(username=user.username, password=PASSWORD)
    portal = client.get(reverse("portal:new_ticket", args=[kind.key])).content.decode()
    assert 'name="cf_machine"' not in portal and "ThinkPad" not in portal
