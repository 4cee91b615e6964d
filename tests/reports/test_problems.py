from __future__ import annotations

import pytest

from tests.factories import make_customer, make_ticket
from tests.reports.conftest import at
from ticketdesk.accounts.models import TeamMembership
from ticketdesk.core import clock
from ticketdesk.reports.models import ProblemRecord
from ticketdesk.tickets.models import Category, LinkKind, Status, Ticket, TicketLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def vpn_incidents(team):
    network = Category.objects.create(name="Network")
    other = Category.objects.create(name="Printers")
    with clock.frozen(at(hours=1)):
        incidents = [
            make_ticket(team=team, subject=subject, category=network)
            for subject in (
                "VPN drops every hour",
                "The VPN drops every hour since Monday",
                "vpn drops every hour!",
            )
        ]
        make_ticket(team=team, subject="Printer jams on tray 2", category=network)
        make_ticket(team=team, subject="VPN drops every hour", category=other)
    return incidents


def test_suggest_groups_look_alike_tickets(client, agent, vpn_incidents):
    client.force_login(agent)
    with clock.frozen(at(days=1)):
        response = client.get("/reports/problems/")
    assert response.status_code == 200
    suggestions = response.context["suggestions"]
    assert len(suggestions) == 1
    assert {t.pk for t in suggestions[0].tickets} == {t.pk for t in vpn_incidents}
    assert suggestions[0].words == ["drops", "every", "hour", "vpn"]


def test_problem_lifecycle(client, agent, team, vpn_incidents):
    TeamMembership.objects.filter(team=team, user=agent).update(is_lead=True)
    client.force_login(agent)
    first, second, third = vpn_incidents
    with clock.frozen(at(days=1)):
        response = client.post(
            "/reports/problems/new/",
            {"subject": "VPN concentrator", "numbers": [str(first.number), str(second.number)]},
        )
        assert response.status_code == 302
        problem = Ticket.objects.get(ticket_type__key="problem")
        assert response["Location"] == f"/reports/problems/{problem.number}/"
        # link the third incident by number
        client.post(f"/reports/problems/{problem.number}/link/", {"incident": f"#{third.number}"})
        assert TicketLink.objects.filter(source=problem, kind=LinkKind.PARENT).count() == 3
        client.post(
            f"/reports/problems/{problem.number}/",
            {"trigger_event": "Firmware 4.2 pushed on Monday 08:55", "root_cause": "Leak"},
        )
    record = ProblemRecord.objects.get(ticket=problem)
    assert record.trigger_event == "Firmware 4.2 pushed on Monday 08:55"
    # the third incident sits in a status with no way to "resolved": it must fail alone
    stuck = Status.objects.create(key="stuck", name="Stuck", category="open")
    Ticket.objects.filter(pk=third.pk).update(status=stuck, status_category="open")
    with clock.frozen(at(days=2)):
        response = client.post(
            f"/reports/problems/{problem.number}/resolve/",
            {"body": "We rolled back the firmware; the VPN is stable again."},
            follow=True,
        )
    assert response.status_code == 200
    texts = [str(m) for m in response.context["messages"]]
    assert any("2 incidents resolved" in t for t in texts)
    assert any(str(third.number) in t for t in texts)
    for incident in (first, second):
        incident.refresh_from_db()
        assert incident.status_category == "resolved"
        assert incident.messages.filter(body_text__contains="rolled back").count() == 1
    third.refresh_from_db()
    assert third.status_category == "open"
    review = client.get(f"/reports/problems/{problem.number}/review.md")
    text = review.content.decode()
    assert review["Content-Type"].startswith("text/markdown")
    assert "Firmware 4.2 pushed" in text and "## Timeline" in text
    assert text.count("Reply added") >= 2


def test_problem_pages_are_for_staff(client, agent, vpn_incidents):
    user, _contact = make_customer(username="c3", email="c3@example.org")
    client.force_login(user)
    assert client.get("/reports/problems/").status_code == 403
    client.force_login(agent)
    assert client.get(f"/reports/problems/{vpn_incidents[0].number}/").status_code == 400
