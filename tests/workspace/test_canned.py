import pytest

from tests.factories import ContactFactory, TeamFactory, make_agent, make_ticket
from ticketdesk.tickets.canned import canned_for, render_canned
from ticketdesk.tickets.models import CannedResponse


@pytest.mark.django_db
def test_render_placeholders(agent, team):
    requester = ContactFactory(name="Maria Silva", email="maria@example.org")
    ticket = make_ticket(team=team, requester=requester)
    canned = CannedResponse.objects.create(
        title="Hi",
        body="Hi {{ requester.first_name }}, about {{ticket.number}}. "
        "{{ agent.first_name }} {{ agent.password }} {{ ticket.requester.user }}",
    )
    text = render_canned(canned, ticket, agent)
    assert text.startswith(f"Hi Maria, about #{ticket.number}. Ana ")
    # anything outside the whitelist stays as typed: no access to other attributes
    assert "{{ agent.password }}" in text
    assert "{{ ticket.requester.user }}" in text


@pytest.mark.django_db
def test_canned_for_respects_team_owner_and_shared(agent, team):
    other = TeamFactory()
    colleague = make_agent(team)
    mine = CannedResponse.objects.create(title="mine", body=".", owner=agent, shared=False)
    CannedResponse.objects.create(title="private", body=".", owner=colleague, shared=False)
    everyone = CannedResponse.objects.create(title="everyone", body=".")
    my_team = CannedResponse.objects.create(title="team", body=".", team=team)
    CannedResponse.objects.create(title="other", body=".", team=other)
    assert set(canned_for(agent)) == {mine, everyone, my_team}
