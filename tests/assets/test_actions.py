"""Items, relationships and ticket links: validation, policy, events."""

import pytest

from tests.factories import OrganizationFactory, TeamFactory, make_agent, make_ticket
from ticketdesk.assets import actions, queries
from ticketdesk.assets.models import AffectedItem, ItemRelation
from ticketdesk.core.errors import PermissionDenied, ValidationFailed
from ticketdesk.core.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_create_item_validates_attributes_by_type(laptop_type, agent):
    data = actions.ItemInput(
        name="ThinkPad", item_type=laptop_type, attributes={"ram_gb": "x", "os": "Mac", "gpu": "1"}
    )
    with pytest.raises(ValidationFailed) as caught:
        actions.create_item(data, actor=agent)
    assert set(caught.value.fields) == {"attributes.ram_gb", "attributes.os", "attributes.gpu"}
    data.attributes = {"ram_gb": "16", "os": "Linux", "bought": "2026-01-31"}
    item = actions.create_item(data, actor=agent)
    assert item.attributes == {"ram_gb": 16, "os": "Linux", "bought": "2026-01-31"}
    assert OutboxMessage.objects.filter(topic="item.created", payload__item_id=item.pk).exists()


def test_required_attribute_and_one_owner(laptop_type, agent, customer):
    _user, contact = customer
    data = actions.ItemInput(
        name="X1",
        item_type=laptop_type,
        owner_contact=contact,
        owner_organization=OrganizationFactory(),
    )
    with pytest.raises(ValidationFailed) as caught:
        actions.create_item(data, actor=agent)
    assert set(caught.value.fields) == {"attributes.ram_gb", "owner"}


def test_identifier_is_unique_and_update_publishes(make_item, server_type, agent):
    first = make_item("db-1", identifier="SRV-1")
    with pytest.raises(ValidationFailed) as caught:
        make_item("db-2", identifier="SRV-1")
    assert "identifier" in caught.value.fields
    make_item("no identifier")
    make_item("no identifier either")  # empty identifiers do not clash
    data = actions.ItemInput(name="db-1", item_type=server_type, identifier="SRV-1", version="2")
    updated = actions.update_item(first, data, actor=agent)
    assert updated.version == "2"
    event = OutboxMessage.objects.get(topic="item.updated")
    assert event.payload["changes"] == ["version"]


def test_light_agents_and_customers_do_not_manage_items(server_type, team, customer):
    light = make_agent(team, role="light_agent", username="lee")
    data = actions.ItemInput(name="web", item_type=server_type)
    for person in (light, customer[0]):
        with pytest.raises(PermissionDenied):
            actions.create_item(data, actor=person)


def test_relations(make_item, agent):
    app, host = make_item("CRM"), make_item("vm-7")
    actions.relate(app, host, "runs_on", actor=agent)
    actions.relate(app, host, "runs_on", actor=agent)  # once
    assert ItemRelation.objects.count() == 1
    with pytest.raises(ValidationFailed):
        actions.relate(app, app, "depends_on", actor=agent)
    with pytest.raises(ValidationFailed):
        actions.relate(app, host, "eats", actor=agent)
    rel = queries.relations(host)
    assert [r.source.name for r in rel["in"]] == ["CRM"]


def test_link_and_panel_shows_other_open_tickets_the_agent_sees(make_item, team, agent):
    crm = make_item("CRM")
    ticket = make_ticket(team=team, subject="CRM is slow")
    other = make_ticket(team=team, subject="CRM down again")
    hidden = make_ticket(team=TeamFactory(), subject="secret")
    for t in (ticket, other, hidden):
        actions.link_ticket(t, crm, actor=None)
    actions.link_ticket(ticket, crm, actor=agent)  # once
    assert AffectedItem.objects.filter(ticket=ticket).count() == 1
    panel = queries.ticket_panel(agent, ticket)
    assert [r.item for r in panel] == [crm]
    assert [t.pk for t in panel[0].other_open] == [other.pk]  # not itself, not hidden
    assert OutboxMessage.objects.filter(topic="ticket.item_linked", ticket_id=ticket.pk).exists()
    actions.unlink_ticket(ticket, crm, actor=agent)
    assert queries.ticket_panel(agent, ticket) == []
    assert OutboxMessage.objects.filter(topic="ticket.item_unlinked").count() == 1


def test_light_agent_cannot_link(make_item, team):
    light = make_agent(team, role="light_agent", username="lee")
    ticket = make_ticket(team=team)
    with pytest.raises(PermissionDenied):
        actions.link_ticket(ticket, make_item("CRM"), actor=light)


def test_tickets_per_item_counts(make_item, team):
    crm, mail = make_item("CRM"), make_item("Mail")
    for _ in range(3):
        actions.link_ticket(make_ticket(team=team), crm, actor=None)
    actions.link_ticket(make_ticket(team=team), mail, actor=None)
    make_item("Unused")
    rows = queries.tickets_per_item()
    assert [(r.name, r.ticket_count, r.open_count) for r in rows] == [("CRM", 3, 3), ("Mail", 1, 1)]
