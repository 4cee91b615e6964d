"""/api/v1/items and /api/v1/tickets/{number}/items."""

import pytest

from tests.api.conftest import client_for
from tests.factories import make_ticket
from ticketdesk.assets.models import AffectedItem

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_items_crud_and_precise_errors(agent, laptop_type, django_assert_max_num_queries):
    api = client_for(agent)
    response = api.post("/api/v1/items", {"name": "X1", "type": "laptop", "attributes": {}})
    assert response.status_code == 400
    assert response.json()["fields"] == {"attributes.ram_gb": ["This field is required."]}
    assert api.post("/api/v1/items", {"name": "X1", "type": "toaster"}).status_code == 400
    response = api.post(
        "/api/v1/items", {"name": "X1", "type": "laptop", "attributes": {"ram_gb": 8}}
    )
    assert response.status_code == 201
    item_id = response.json()["id"]
    for n in range(30):
        api.post("/api/v1/items", {"name": f"L{n}", "type": "laptop", "attributes": {"ram_gb": 4}})
    with django_assert_max_num_queries(10):
        listing = api.get("/api/v1/items", {"limit": 20, "type": "laptop"})
    assert len(listing.json()["items"]) == 20 and listing.json()["next_cursor"]
    response = api.client.put(
        f"/api/v1/items/{item_id}",
        '{"name": "X1", "type": "laptop", "version": "2", "attributes": {"ram_gb": 8}}',
        content_type="application/json",
        headers=api._headers(None),
    )
    assert response.status_code == 200 and response.json()["version"] == "2"
    assert api.get("/api/v1/items/999999").status_code == 404


def test_ticket_links_and_roles(agent, team, customer, make_item):
    item = make_item("CRM")
    ticket = make_ticket(team=team, requester=customer[1])
    api = client_for(agent)
    response = api.post(f"/api/v1/tickets/{ticket.number}/items", {"item_id": item.pk})
    assert response.status_code == 201
    assert [i["name"] for i in api.get(f"/api/v1/tickets/{ticket.number}/items").json()] == ["CRM"]
    assert api.delete(f"/api/v1/tickets/{ticket.number}/items/{item.pk}").status_code == 204
    assert api.delete(f"/api/v1/tickets/{ticket.number}/items/{item.pk}").status_code == 404
    own = client_for(customer[0])
    assert own.get("/api/v1/items").status_code == 403
    assert (
        own.post(f"/api/v1/tickets/{ticket.number}/items", {"item_id": item.pk}).status_code == 403
    )
    assert not AffectedItem.objects.exists()
