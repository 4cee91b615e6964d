"""Per-type workflows: a move limited to some ticket types (empty: every type)."""

import pytest

from tests.api.conftest import client_for
from tests.factories import make_agent, make_ticket, status
from ticketdesk.core.errors import InvalidTransition
from ticketdesk.tickets import actions, workflow
from ticketdesk.tickets.models import TicketType, Transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def bug_only():
    move = Transition.objects.get(from_status__key="new", to_status__key="on-hold")
    move.ticket_types.set([TicketType.objects.get(key="bug")])
    return move


def test_allowed_targets_take_the_ticket_type_into_account(bug_only):
    bug = TicketType.objects.get(key="bug")
    incident = TicketType.objects.get(key="incident")
    new, on_hold = status("new"), status("on-hold")
    assert on_hold in workflow.allowed_targets(new, ticket_type_id=bug.pk)
    assert on_hold not in workflow.allowed_targets(new, ticket_type_id=incident.pk)
    assert on_hold not in workflow.allowed_targets(new, ticket_type_id=None)
    assert workflow.is_allowed(new, on_hold)  # no ticket at hand: the move exists
    assert status("pending") in workflow.allowed_targets(new, ticket_type_id=incident.pk)


def test_a_ticket_of_another_type_cannot_take_the_move(team, bug_only):
    agent = make_agent(team)
    incident = make_ticket(team=team, ticket_type=TicketType.objects.get(key="incident"))
    with pytest.raises(InvalidTransition) as caught:
        actions.change_status(incident, status("on-hold"), actor=agent)
    assert "Tickets of this type" in caught.value.message
    bug = make_ticket(team=team, ticket_type=TicketType.objects.get(key="bug"))
    actions.change_status(bug, status("on-hold"), actor=agent)
    bug.refresh_from_db()
    assert bug.status.key == "on-hold"


def test_the_side_panel_offers_only_the_moves_of_the_type(client, team, bug_only):
    from tests.factories import PASSWORD

    agent = make_agent(team, username="panel")
    assert client.login(username=agent.username, password=PASSWORD)
    incident = make_ticket(team=team, ticket_type=TicketType.objects.get(key="incident"))
    form = client.get(f"/t/{incident.number}/").context["form"]
    assert status("on-hold") not in form.status_targets
    assert status("pending") in form.status_targets


def test_api_refuses_the_move_for_another_type(team, bug_only):
    agent = make_agent(team, username="api")
    incident = make_ticket(team=team, ticket_type=TicketType.objects.get(key="incident"))
    response = client_for(agent).post(
        f"/api/v1/tickets/{incident.number}/status", {"status": "on-hold"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_transition"
