"""/favicon.ico answers with the desk's icon (browsers ask for it on every page)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_favicon_is_served_to_anyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")
