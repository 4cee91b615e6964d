from __future__ import annotations

import pytest

from tests.factories import PASSWORD


@pytest.mark.django_db
def test_api_creates_links_and_lists(client, github, bug, agent, light_agent):
    assert client.login(username=agent.username, password=PASSWORD)
    url = f"/api/v1/tickets/{bug.number}/tracker-links"
    empty = client.post(url, {}, content_type="application/json")
    assert empty.status_code == 400 and "url" in empty.json()["fields"]
    made = client.post(url, {"connection_id": github.pk}, content_type="application/json")
    assert made.status_code == 201 and made.json()["state"] == "creating"
    linked = client.post(
        url, {"url": "https://github.com/acme/app/issues/9"}, content_type="application/json"
    )
    assert linked.status_code == 201 and linked.json()["remote_id"] == "9"
    again = client.post(
        url, {"url": "https://github.com/acme/app/issues/9"}, content_type="application/json"
    )
    assert again.status_code == 409
    assert [link["tracker"] for link in client.get(url).json()] == ["github", "github"]
    client.logout()
    assert client.login(username=light_agent.username, password=PASSWORD)
    refused = client.post(url, {"connection_id": github.pk}, content_type="application/json")
    assert refused.status_code == 403
