"""The ticket's smart panel, accepting and dismissing suggestions, the admins' overview and
the automation step: who sees what, what is recorded, bounded queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.automation.helpers import drain, make_rule
from tests.factories import TeamFactory, make_agent, make_customer, make_ticket
from ticketdesk.automation.models import RuleExecution, Trigger
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.smart import actions, training
from ticketdesk.smart.models import Decision, Suggestion
from ticketdesk.tickets import actions as ticket_actions
from ticketdesk.tickets.models import LinkKind, TicketType

from .helpers import build_desk, suggestions_by_field

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    desk = build_desk(rounds=2)
    training.train()
    return desk


@pytest.fixture
def vpn_agent(desk):
    return make_agent(desk.teams["vpn"], username="nina")


def new_vpn_ticket(desk, **kwargs):
    return make_ticket(
        subject="VPN outage: cannot connect to the VPN",
        body="Since this morning the VPN disconnects every few minutes.",
        **kwargs,
    )


def test_panel_shows_suggestions_similar_solved_tickets_and_answers(client, desk):
    client.force_login(desk.agent)
    ticket = new_vpn_ticket(desk)
    response = client.get(f"/smart/t/{ticket.number}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Apply Team: Network" in html
    assert "<mark>vpn</mark>" in html
    assert "Similar solved tickets" in html
    assert "Reinstalled the VPN client profile" in html  # a resolution summary
    assert "update the VPN client to 5.2" in html  # a past reply, insertable
    assert 'class="kb-insert-link' in html
    rows = suggestions_by_field(ticket)
    assert rows["team"].decision == Decision.PENDING


def test_the_ticket_page_loads_the_panel_for_agents_only(client, desk, vpn_agent):
    ticket = new_vpn_ticket(desk, team=desk.teams["vpn"])
    client.force_login(vpn_agent)
    assert (
        f'hx-get="/smart/t/{ticket.number}/"' in client.get(f"/t/{ticket.number}/").content.decode()
    )
    light = make_agent(desk.teams["vpn"], role="light_agent", username="lia")
    client.force_login(light)
    assert "/smart/t/" not in client.get(f"/t/{ticket.number}/").content.decode()
    assert client.get(f"/smart/t/{ticket.number}/").status_code == 403


def test_customers_and_agents_who_cannot_see_the_ticket_get_nothing(client, desk):
    ticket = new_vpn_ticket(desk, team=desk.teams["vpn"])
    user, _contact = make_customer(username="cus", email="cus@example.org")
    client.force_login(user)
    assert client.get(f"/smart/t/{ticket.number}/").status_code in (403, 404)
    outsider = make_agent(TeamFactory(name="Facilities", slug="facilities"), username="fab")
    client.force_login(outsider)
    assert client.get(f"/smart/t/{ticket.number}/").status_code == 404
    assert not Suggestion.objects.filter(ticket=ticket).exists()


def test_similar_tickets_are_filtered_by_what_the_agent_sees(client, desk):
    printer_agent = make_agent(desk.teams["printer"], username="pete")
    ticket = make_ticket(
        subject="VPN disconnects and the printer jams",
        body="VPN disconnects",
        team=desk.teams["printer"],
    )
    client.force_login(printer_agent)
    html = client.get(f"/smart/t/{ticket.number}/").content.decode()
    vpn_numbers = [t.number for t in desk.tickets if t.team_id == desk.teams["vpn"].pk]
    for number in vpn_numbers:
        assert f'href="/t/{number}/"' not in html


def test_accepting_applies_through_the_tickets_actions_and_is_counted(client, desk, vpn_agent):
    ticket = new_vpn_ticket(desk)
    client.force_login(desk.agent)
    client.get(f"/smart/t/{ticket.number}/")
    team = suggestions_by_field(ticket)["team"]
    response = client.post(
        f"/smart/t/{ticket.number}/suggestions/{team.pk}/", {"decision": "accept"}
    )
    assert response.status_code == 302 and response["Location"] == f"/t/{ticket.number}/"
    ticket.refresh_from_db()
    assert ticket.team == desk.teams["vpn"]
    assert ticket.events.filter(field="team").exists()  # the normal event trail
    team.refresh_from_db()
    assert team.decision == Decision.ACCEPTED and team.decided_by == desk.agent
    again = client.post(f"/smart/t/{ticket.number}/suggestions/{team.pk}/", {"decision": "accept"})
    assert again.status_code == 409
    category = suggestions_by_field(ticket)["category"]
    client.post(f"/smart/t/{ticket.number}/suggestions/{category.pk}/", {"decision": "reject"})
    category.refresh_from_db()
    assert category.decision == Decision.REJECTED
    ticket.refresh_from_db()
    assert ticket.category_id is None


def test_a_near_identical_open_ticket_is_offered_for_merging(client, desk):
    first = new_vpn_ticket(desk)
    second = new_vpn_ticket(desk)
    client.force_login(desk.agent)
    html = client.get(f"/smart/t/{second.number}/").content.decode()
    assert f"Merge as duplicate of {first.display_number}" in html
    assert f'name="number" value="{first.number}"' in html


def test_an_open_problem_record_is_linked(client, desk):
    problem_type = TicketType.objects.get(key="problem")
    problem = make_ticket(
        subject="VPN outage: the VPN concentrator drops tunnels",
        body="VPN disconnects for many users",
        ticket_type=problem_type,
        team=desk.teams["vpn"],
    )
    incident = new_vpn_ticket(desk)
    client.force_login(desk.agent)
    html = client.get(f"/smart/t/{incident.number}/").content.decode()
    assert "Open problem records" in html
    assert f'href="/reports/problems/{problem.number}/"' in html
    ticket_actions.link(problem, incident, LinkKind.PARENT, actor=desk.agent)
    html = client.get(f"/smart/t/{incident.number}/").content.decode()
    assert f'href="/reports/problems/{problem.number}/"' not in html  # already linked


def test_panel_queries_are_bounded(client, desk):
    client.force_login(desk.agent)
    ticket = new_vpn_ticket(desk)
    client.get(f"/smart/t/{ticket.number}/")  # records the suggestions, loads the model
    with CaptureQueriesContext(connection) as small:
        client.get(f"/smart/t/{ticket.number}/")
    build_desk_more(desk)
    with CaptureQueriesContext(connection) as large:
        client.get(f"/smart/t/{ticket.number}/")
    assert len(large) <= len(small) + 2
    assert len(large) < 60


def build_desk_more(desk):
    for number in range(10):
        make_ticket(subject=f"VPN down again {number}", body="VPN", team=desk.teams["vpn"])


def test_overview_is_for_admins_and_shows_rates(client, desk, vpn_agent):
    ticket = new_vpn_ticket(desk)
    actions.record_suggestions(ticket)
    team = suggestions_by_field(ticket)["team"]
    actions.accept(team, actor=desk.agent)
    client.force_login(vpn_agent)
    assert client.get("/smart/").status_code == 403
    client.force_login(desk.agent)
    response = client.get("/smart/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "100%" in html and "v1" in html
    assert client.post("/smart/").status_code == 302


def test_rule_applies_confident_suggestions_and_the_trace_says_so(desk):
    make_rule(
        Trigger.TICKET_CREATED,
        [],
        [{"type": "apply_suggestions", "value": "50"}],
        name="Smart triage",
        author=desk.agent,
    )
    ticket = new_vpn_ticket(desk)
    drain()
    ticket.refresh_from_db()
    assert ticket.team == desk.teams["vpn"]
    execution = RuleExecution.objects.get(ticket=ticket)
    [taken] = execution.actions_taken
    assert taken["ok"], taken
    assert "applied suggestions" in taken["summary"]
    assert suggestions_by_field(ticket)["team"].decision == Decision.AUTOMATIC


@pytest.mark.parametrize("value", ["abc", "0", "150"])
def test_the_rule_step_needs_a_confidence(value):
    from ticketdesk.automation.steps import validate_steps

    with pytest.raises(ValidationFailed):
        validate_steps([{"type": "apply_suggestions", "value": value}])


def test_the_system_page_shows_the_acceptance_rate_per_field(client, desk):
    ticket = new_vpn_ticket(desk)
    actions.record_suggestions(ticket)
    actions.reject(suggestions_by_field(ticket)["team"], actor=desk.agent)
    client.force_login(desk.agent)
    html = client.get("/system/").content.decode()
    assert "Smart support" in html and "Model v1, learned from" in html
    row = html.split('data-smart-field="team"')[1].split("</tr>")[0]
    assert "0%" in row and "<td>1</td>" in row


def test_answer_suggestions_shown_and_inserted_are_counted_for_admins(client, desk):
    """The panel keeps one row per answer shown; the "insert" button reports its use once;
    the admins' overview shows the rate per kind of answer."""
    from ticketdesk.smart.models import AnswerKind, AnswerOffer

    client.force_login(desk.agent)
    ticket = new_vpn_ticket(desk)
    html = client.get(f"/smart/t/{ticket.number}/").content.decode()
    offers = list(AnswerOffer.objects.filter(ticket=ticket, kind=AnswerKind.REPLY))
    assert offers and all(o.used_at is None for o in offers)
    used_url = f"/smart/t/{ticket.number}/answers/{offers[0].pk}/used/"
    assert f'data-used-url="{used_url}"' in html
    client.get(f"/smart/t/{ticket.number}/")  # shown again: not counted again
    assert AnswerOffer.objects.filter(ticket=ticket).count() == len(
        AnswerOffer.objects.filter(ticket=ticket).values("kind", "answer_id").distinct()
    )
    shown = AnswerOffer.objects.filter(kind=AnswerKind.REPLY).count()
    assert client.post(used_url).status_code == 204
    assert client.post(used_url).status_code == 204  # the same answer again: one use
    offers[0].refresh_from_db()
    assert offers[0].used_by == desk.agent and offers[0].used_at is not None
    overview = client.get("/smart/").content.decode()
    assert "How often agents insert answer suggestions" in overview
    row = overview.split('data-answer-kind="reply"')[1].split("</tr>")[0]
    assert f"<td>{shown}</td><td>1</td>" in row


def test_only_agents_who_may_reply_report_an_answer_used(client, desk):
    from ticketdesk.smart.models import AnswerOffer

    client.force_login(desk.agent)
    ticket = new_vpn_ticket(desk)
    client.get(f"/smart/t/{ticket.number}/")
    offer = AnswerOffer.objects.filter(ticket=ticket).first()
    assert offer is not None
    user, _contact = make_customer(username="curious")
    client.force_login(user)
    response = client.post(f"/smart/t/{ticket.number}/answers/{offer.pk}/used/")
    assert response.status_code in (403, 404)
    offer.refresh_from_db()
    assert offer.used_at is None
    assert client.get(f"/smart/t/{ticket.number}/answers/{offer.pk}/used/").status_code == 405
