"""Conditions on custom fields of type "user" and "asset" are chosen, not typed: the desk's
agents for a user field; a bounded search of the inventory for an asset field (the whole
inventory is never loaded). The chosen id is what the condition matches on a ticket."""

from __future__ import annotations

import pytest

from tests.factories import make_agent, make_ticket
from ticketdesk.assets.models import Item, ItemType
from ticketdesk.automation.conditions import Context, evaluate
from ticketdesk.core import clock
from ticketdesk.tickets.models import CustomFieldDefinition

from .helpers import leaf
from .test_views import client_for

pytestmark = pytest.mark.django_db
ROW = "/automation/builder/row/"
SEARCH = "/automation/builder/assets/"


@pytest.fixture
def admin_client(admin_user):  # type: ignore[no-untyped-def]
    return client_for(admin_user)


@pytest.fixture
def items():  # type: ignore[no-untyped-def]
    server = ItemType.objects.create(key="server", name="Server")
    now = clock.now()
    rows = [
        Item(
            name=f"Laptop {n:03}",
            identifier=f"LT-{n:03}",
            item_type=server,
            created_at=now,
            updated_at=now,
        )
        for n in range(40)
    ]
    rows.append(
        Item(
            name="Core switch", identifier="SW-1", item_type=server, created_at=now, updated_at=now
        )
    )
    return Item.objects.bulk_create(rows)


def _row(client, field: str, operator: str, value: str = "") -> str:  # type: ignore[no-untyped-def]
    params = {
        "prefix": "cond-0",
        "cond-0-field": f"custom_fields.{field}",
        "cond-0-operator": operator,
    }
    if value:
        params["cond-0-value"] = value
    return client.get(ROW, params).content.decode()


def test_a_user_field_offers_the_agents_by_name(admin_client, team):  # type: ignore[no-untyped-def]
    ana = make_agent(team, username="ana", first_name="Ana", last_name="Lima")
    CustomFieldDefinition.objects.create(key="owner", label="Owner", field_type="user")
    page = _row(admin_client, "owner", "is", str(ana.pk))
    assert 'select name="cond-0-value"' in page
    assert f'<option value="{ana.pk}" selected>Ana Lima</option>' in page
    assert 'type="text" name="cond-0-value"' not in page  # no free text


def test_an_asset_field_offers_a_search_not_the_inventory(admin_client, items):  # type: ignore[no-untyped-def]
    CustomFieldDefinition.objects.create(key="device", label="Device", field_type="asset")
    switch = items[-1]
    page = _row(admin_client, "device", "is", str(switch.pk))
    assert 'type="search"' in page and 'hx-get="/automation/builder/assets/"' in page
    assert f'<option value="{switch.pk}" selected>' in page and "Core switch" in page
    assert "Laptop 000" not in page  # only what is chosen: the list is searched, not loaded

    found = admin_client.get(
        SEARCH, {"q": "lapt", "select": "cond-0-value", "cond-0-value": str(switch.pk)}
    ).content.decode()
    assert found.startswith('<option value="">—</option>')
    assert f'<option value="{switch.pk}" selected>' in found  # the choice is kept
    assert found.count("<option") == 1 + 1 + 10  # "—", the chosen one, ten matches at most
    assert "Laptop 000" in found

    many = admin_client.get(
        SEARCH, {"q": "LT-039", "select": "cond-0-value", "multiple": "1"}
    ).content.decode()
    assert "Laptop 039" in many and "—" not in many


def test_an_asset_condition_matches_the_chosen_item(team, items):  # type: ignore[no-untyped-def]
    CustomFieldDefinition.objects.create(key="device", label="Device", field_type="asset")
    switch, laptop = items[-1], items[0]
    ticket = make_ticket(team=team)
    ticket.custom_fields = {"device": switch.pk}
    ticket.save(update_fields=["custom_fields"])
    context = Context(trigger="ticket_created")
    assert evaluate(leaf("custom_fields.device", "is", str(switch.pk)), ticket, context)[0]
    assert not evaluate(leaf("custom_fields.device", "is", str(laptop.pk)), ticket, context)[0]
    both = f"{laptop.pk}, {switch.pk}"
    assert evaluate(leaf("custom_fields.device", "in", both), ticket, context)[0]


def test_only_rule_builders_search_the_assets(team, items):  # type: ignore[no-untyped-def]
    light = make_agent(team, username="light", role="light_agent")
    assert client_for(light).get(SEARCH, {"q": "lap"}).status_code == 403


def test_a_select_name_that_is_not_a_condition_value_is_ignored(admin_client, items):  # type: ignore[no-untyped-def]
    page = admin_client.get(
        SEARCH, {"q": "zzz", "select": "csrfmiddlewaretoken", "csrfmiddlewaretoken": "1"}
    ).content.decode()
    assert page.strip() == '<option value="">—</option>'
