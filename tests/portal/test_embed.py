from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ticketdesk.portal.models import PortalSettings
from ticketdesk.tickets.models import Channel, Ticket

pytestmark = pytest.mark.django_db


def test_embed_form_can_be_framed_and_creates_a_ticket():
    client = Client(enforce_csrf_checks=True)  # framed on another site: no CSRF cookie
    page = client.get(reverse("portal:embed"))
    assert page.status_code == 200
    assert "X-Frame-Options" not in page.headers
    response = client.post(
        reverse("portal:embed"),
        {
            "name": "Wes Site",
            "email": "wes@site.example",
            "subject": "Order 55 missing",
            "description": "Never arrived",
        },
    )
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.PORTAL and ticket.requester.email == "wes@site.example"


def test_other_portal_pages_still_refuse_framing(client):
    assert client.get(reverse("portal:home"))["X-Frame-Options"] == "DENY"


def test_embed_honeypot_and_switch(client):
    data = {"name": "B", "email": "b@x.example", "subject": "s", "description": "d"}
    client.post(reverse("portal:embed"), {**data, "website": "spam"})
    assert not Ticket.objects.exists()
    PortalSettings.objects.update_or_create(pk=1, defaults={"embed_enabled": False})
    assert client.get(reverse("portal:embed")).status_code == 404


def test_snippet_page_and_script(client):
    html = client.get(reverse("portal:embed_snippet")).content.decode()
    assert "&lt;iframe src=&quot;http://127.0.0.1:8000/portal/embed/&quot;" in html or (
        "http://127.0.0.1:8000/portal/embed/" in html
    )
    script = client.get(reverse("portal:embed_js"))
    assert script["Content-Type"].startswith("application/javascript")
    assert b"/portal/embed/" in script.content
