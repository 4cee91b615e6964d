"""A light agent (notes only) is not offered the status control, and a note sent with a
status change anyway is refused whole: nothing saved, a clear message, the text kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, make_agent, make_ticket, status
from ticketdesk.accounts.models import Role
from ticketdesk.tickets.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def light_client(client, team):
    light = make_agent(team, role=Role.LIGHT_AGENT, username="joao")
    assert client.login(username=light.username, password=PASSWORD)
    return client


def test_no_status_control_for_a_light_agent(light_client, team, agent):
    ticket = make_ticket(team=team)
    page = light_client.get(reverse("workspace:ticket", args=[ticket.number])).content.decode()
    assert 'name="kind" value="internal"' in page or "Add note" in page
    assert 'id="send-status"' not in page


def test_a_note_with_a_status_change_is_all_or_nothing(light_client, team):
    ticket = make_ticket(team=team)
    before = Message.objects.filter(ticket=ticket).count()
    response = light_client.post(
        reverse("workspace:post_message", args=[ticket.number]),
        {"kind": "internal", "body": "Checked the cable.", "status": status("pending").pk},
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "Nothing was saved" in page and "Checked the cable." in page
    assert Message.objects.filter(ticket=ticket).count() == before
    ticket.refresh_from_db()
    assert ticket.status.key == "new"


def test_a_light_agent_s_plain_note_is_saved(light_client, team):
    ticket = make_ticket(team=team)
    response = light_client.post(
        reverse("workspace:post_message", args=[ticket.number]),
        {"kind": "internal", "body": "Checked the cable."},
    )
    assert response.status_code == 302
    assert Message.objects.filter(ticket=ticket, body_text__contains="cable").exists()
