"""The item pages and the ticket page's affected-items panel."""

import pytest

from tests.factories import OrganizationFactory, make_agent, make_ticket
from ticketdesk.assets import actions
from ticketdesk.assets.models import AffectedItem, Item

pytestmark = pytest.mark.django_db


def test_list_filters_and_pages_with_bounded_queries(
    client, agent, make_item, laptop_type, django_assert_max_num_queries
):
    acme = OrganizationFactory(name="ACME")
    for n in range(60):
        make_item(f"srv-{n:02d}", owner_organization=acme if n % 2 else None)
    make_item("retired box", status="retired")
    client.force_login(agent)
    with django_assert_max_num_queries(12):
        response = client.get("/assets/")
    page = response.context["page"]
    assert len(page.items) == 50 and page.next_cursor
    second = client.get("/assets/", {"cursor": page.next_cursor})
    assert len(second.context["page"].items) == 11
    names = lambda r: [i.name for i in r.context["page"].items]  # noqa: E731
    assert names(client.get("/assets/", {"status": "retired"})) == ["retired box"]
    assert len(names(client.get("/assets/", {"organization": acme.pk}))) == 30
    assert names(client.get("/assets/", {"q": "srv-0"}))[:2] == ["srv-00", "srv-01"]
    assert names(client.get("/assets/", {"type": laptop_type.pk})) == []
    assert client.get("/assets/", {"cursor": "garbage"}).status_code == 400


def test_customers_get_no_item_pages(client, customer, make_item):
    item = make_item("CRM")
    client.force_login(customer[0])
    for url in ("/assets/", f"/assets/{item.pk}/", "/assets/new/", "/assets/import/"):
        assert client.get(url).status_code == 404


def test_create_edit_and_errors_next_to_fields(client, agent, laptop_type):
    client.force_login(agent)
    page = client.get("/assets/new/", {"type": laptop_type.pk})
    assert "attr_ram_gb" in page.content.decode()
    response = client.post(
        "/assets/new/",
        {"name": "X1", "item_type": laptop_type.pk, "status": "active", "attr_ram_gb": "lots"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["attr_ram_gb"] == ["Enter a number."]
    response = client.post(
        "/assets/new/",
        {"name": "X1", "item_type": laptop_type.pk, "status": "active", "attr_ram_gb": "8"},
    )
    item = Item.objects.get(name="X1")
    assert response.status_code == 302 and item.attributes == {"ram_gb": 8}
    response = client.post(
        f"/assets/{item.pk}/edit/",
        {
            "name": "X1 Carbon",
            "item_type": laptop_type.pk,
            "status": "maintenance",
            "attr_ram_gb": "16",
        },
    )
    item.refresh_from_db()
    assert (item.name, item.status) == ("X1 Carbon", "maintenance")


def test_detail_relations_and_tickets(client, agent, make_item, team):
    crm, vm = make_item("CRM", identifier="APP-1"), make_item("vm-7", identifier="VM-7")
    client.force_login(agent)
    response = client.post(f"/assets/{crm.pk}/relations/", {"kind": "runs_on", "target": "VM-7"})
    assert response.status_code == 302
    response = client.post(f"/assets/{crm.pk}/relations/", {"kind": "runs_on", "target": "nope"})
    assert response.status_code == 400
    assert "No item has this identifier or name." in response.content.decode()
    ticket = make_ticket(team=team, subject="CRM is slow")
    actions.link_ticket(ticket, crm, actor=None)
    page = client.get(f"/assets/{crm.pk}/").content.decode()
    assert "vm-7" in page and "CRM is slow" in page
    assert "CRM" in client.get(f"/assets/{vm.pk}/").content.decode()


def test_ticket_page_panel_link_and_unlink(client, agent, make_item, team):
    crm = make_item("CRM", identifier="APP-1")
    ticket = make_ticket(team=team, subject="CRM is slow")
    other = make_ticket(team=team, subject="CRM login fails")
    actions.link_ticket(other, crm, actor=None)
    client.force_login(agent)
    response = client.post(f"/assets/tickets/{ticket.number}/link/", {"item": "APP-1"})
    assert response.status_code == 302
    assert AffectedItem.objects.filter(ticket=ticket, item=crm).exists()
    page = client.get(f"/t/{ticket.number}/").content.decode()
    assert 'id="affected-items"' in page and "CRM login fails" in page
    client.post(f"/assets/tickets/{ticket.number}/unlink/{crm.pk}/")
    assert not AffectedItem.objects.filter(ticket=ticket).exists()


def test_light_agent_sees_panel_without_link_form(client, team, make_item):
    light = make_agent(team, role="light_agent", username="lee")
    ticket = make_ticket(team=team)
    client.force_login(light)
    page = client.get(f"/t/{ticket.number}/").content.decode()
    assert 'id="affected-items"' in page and "Link an item" not in page
    client.post(f"/assets/tickets/{ticket.number}/link/", {"item": make_item("CRM").name})
    assert not AffectedItem.objects.exists()


def test_report_for_leads_and_admins(client, admin_user, agent, make_item, team):
    actions.link_ticket(make_ticket(team=team), make_item("CRM"), actor=None)
    client.force_login(agent)
    assert client.get("/assets/report/").status_code == 404
    client.force_login(admin_user)
    response = client.get("/assets/report/")
    assert response.status_code == 200 and "CRM" in response.content.decode()


def test_an_empty_list_says_how_to_start(client, agent, admin_user):
    """The walk met "No items match." with no filter set and no way to add an item type."""
    client.force_login(agent)
    page = client.get("/assets/").content.decode()
    assert "No items yet" in page and "No items match." not in page
    assert "Ask an administrator to add the item types." in page
    client.force_login(admin_user)
    assert "/admin/assets/itemtype/add/" in client.get("/assets/").content.decode()
    assert "No items match." in client.get("/assets/", {"q": "nothing"}).content.decode()
