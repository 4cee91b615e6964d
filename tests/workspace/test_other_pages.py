import pytest

from tests.factories import PASSWORD, make_agent
from ticketdesk.tickets.models import Channel, Ticket

pytestmark = pytest.mark.django_db


def test_open_ticket_for_a_caller(agent_client, agent, team):
    assert agent_client.get("/tickets/new/").status_code == 200
    response = agent_client.post(
        "/tickets/new/",
        {
            "requester_email": "Caller@Example.org",
            "requester_name": "Carla Caller",
            "channel": Channel.PHONE,
            "subject": "Phone: laptop will not boot",
            "body": "Called at 9:00",
            "team": team.pk,
            "assignee": agent.pk,
            "urgency": 3,
            "impact": 2,
            "tags": "laptop, walk-in",
        },
    )
    ticket = Ticket.objects.get()
    assert response.url == f"/t/{ticket.number}/"
    assert (
        ticket.channel == Channel.PHONE and ticket.requester.email.lower() == "caller@example.org"
    )
    assert ticket.assignee_id == agent.pk
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["laptop", "walk-in"]


def test_open_ticket_requires_fields(agent_client):
    response = agent_client.post("/tickets/new/", {"channel": "phone"})
    assert response.status_code == 400 and not Ticket.objects.exists()


def test_light_agent_cannot_open_for_others(client, team):
    light = make_agent(team, role="light_agent", username="lee")
    client.login(username=light.username, password=PASSWORD)
    # no "New ticket" button leading to a page that refuses them
    assert 'href="/tickets/new/"' not in client.get("/").content.decode()
    assert client.get("/tickets/new/").status_code == 403


def test_profile_saves_preferences_and_language(agent_client, agent):
    response = agent_client.get("/profile/")
    assert response.status_code == 200
    data = {
        "first_name": "Ana",
        "last_name": "Lima",
        "email": "ana@example.com",
        "language": "pt-br",
        "time_zone": "America/Sao_Paulo",
        "signature": "Ana — IT",
        "notify_ticket_assigned_email": "on",
    }
    response = agent_client.post("/profile/", data)
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.last_name == "Lima" and agent.language == "pt-br"
    assert agent.time_zone == "America/Sao_Paulo" and agent.signature == "Ana — IT"
    prefs = agent.notification_preferences
    assert prefs["ticket_assigned"] == {"email": True, "in_app": False}
    assert prefs["customer_reply"] == {"email": False, "in_app": False}
    page = agent_client.get("/profile/").content.decode()
    assert "Seu perfil" in page or 'lang="pt-br"' in page


def test_profile_rejects_unknown_time_zone(agent_client, agent):
    response = agent_client.post("/profile/", {"time_zone": "Mars/Olympus"})
    assert response.status_code == 400
