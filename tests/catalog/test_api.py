from __future__ import annotations

import pytest

from tests.factories import PASSWORD
from ticketdesk.catalog.models import ServiceRequest


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.django_db
def test_api_lists_submits_and_decides(client, laptop, employee, manager):
    login(client, employee[0])
    types = client.get("/api/v1/service-catalog/request-types").json()
    assert types[0]["key"] == "new-laptop" and types[0]["needs_approval"] is True
    assert [f["key"] for f in types[0]["fields"]] == ["model", "reason"]
    bad = client.post(
        "/api/v1/service-catalog/request-types/new-laptop/requests",
        {"answers": {"model": "17-inch"}},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "answers.model" in bad.json()["fields"]
    made = client.post(
        "/api/v1/service-catalog/request-types/new-laptop/requests",
        {"answers": {"model": "13-inch"}},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["state"] == "awaiting"
    approval_id = ServiceRequest.objects.get().approvals.get().pk
    url = f"/api/v1/service-catalog/approvals/{approval_id}/decision"
    assert client.post(url, {"approve": True}, content_type="application/json").status_code == 404
    client.logout()
    login(client, manager[0])
    mine = client.get("/api/v1/service-catalog/approvals").json()
    assert [a["id"] for a in mine] == [approval_id]
    done = client.post(url, {"approve": True, "comment": "fine"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["state"] == "approved"
    again = client.post(url, {"approve": False}, content_type="application/json")
    assert again.status_code == 409
