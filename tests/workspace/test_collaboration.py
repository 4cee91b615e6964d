"""Working a ticket together: @mentions (suggestions and the outbox contract), watchers
added by colleagues, macros applied from the ticket page, a note consulting another team."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, TeamFactory, make_agent, make_ticket
from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Role
from ticketdesk.automation.models import Macro
from ticketdesk.core import clock
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.core.models import OutboxMessage
from ticketdesk.tickets import actions, mentions
from ticketdesk.tickets.models import Consultation, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def billing(db):
    return TeamFactory(name="Billing", slug="billing")


@pytest.fixture
def luca(billing):
    return make_agent(billing, username="luca", first_name="Luca", last_name="Bianchi")


@pytest.fixture
def ticket(team, agent):
    ticket = make_ticket(team=team, subject="Invoice shows the wrong VAT number")
    actions.assign(ticket, assignee=agent, actor=agent)
    return ticket


def _last(topic: str, ticket) -> dict:
    row = OutboxMessage.objects.filter(topic=topic, ticket_id=ticket.pk).order_by("-id").first()
    assert row is not None
    return row.payload


def test_usernames_are_read_from_the_text():
    text = "Hi @luca, (@priya) and @ana.souza. Not mail@example.com nor @@x"
    assert mentions.usernames_in(text) == ["luca", "priya", "ana.souza"]


def test_a_mention_in_a_note_publishes_the_colleague_and_lets_them_in(
    agent_client, agent, luca, ticket
):
    assert not policy.can(luca, policy.VIEW, ticket)
    response = agent_client.post(
        f"/t/{ticket.number}/messages/",
        {"kind": "internal", "body": "@luca can you check the VAT rules? cc @ana"},
    )
    assert response.status_code == 302
    payload = _last("message.created", ticket)
    assert payload["mentioned_user_ids"] == [luca.pk]  # not the author
    assert payload["kind"] == "internal"
    ticket.refresh_from_db()
    assert policy.can(luca, policy.VIEW, ticket)
    event = TicketEvent.objects.filter(ticket=ticket, kind="watcher_added").last()
    assert event.data["mentioned"] is True
    page = agent_client.get(f"/t/{ticket.number}/").content.decode()
    assert "mentioned Luca Bianchi, who now watches the ticket" in page


def test_a_mention_in_a_reply_is_published_too(agent, luca, ticket):
    actions.reply(ticket, actor=agent, body="Our colleague @luca will call you.")
    assert _last("message.created", ticket)["mentioned_user_ids"] == [luca.pk]
    actions.reply(ticket, actor=agent, body="No mention here.")
    assert _last("message.created", ticket)["mentioned_user_ids"] == []


def test_mention_suggestions_are_an_accessible_listbox(agent_client, luca, ticket):
    url = f"/t/{ticket.number}/mentions/"
    body = agent_client.get(url, {"mention": "lu", "active": "1"}).content.decode()
    assert 'role="listbox"' in body and 'role="option"' in body
    assert 'data-mention="luca"' in body and "Luca Bianchi" in body
    assert 'aria-selected="true"' in body
    assert "listbox" not in agent_client.get(url, {"mention": "", "active": "0"}).content.decode()
    assert "listbox" not in agent_client.get(url, {"mention": "zz", "active": "1"}).content.decode()


def test_an_agent_adds_and_removes_a_colleague_as_watcher(agent_client, agent, luca, ticket):
    page = agent_client.get(f"/t/{ticket.number}/").content.decode()
    assert "Add watcher" in page
    response = agent_client.post(f"/t/{ticket.number}/watchers/", {"user": luca.pk})
    assert response.status_code == 302
    assert ticket.watchers.filter(pk=luca.pk).exists()
    payload = _last("ticket.updated", ticket)
    assert payload["changes"] == ["watchers"] and payload["added_watcher_ids"] == [luca.pk]
    agent_client.post(f"/t/{ticket.number}/watchers/{luca.pk}/remove/")
    assert not ticket.watchers.filter(pk=luca.pk).exists()


def test_a_light_agent_cannot_add_someone_else(client, team, luca, ticket):
    reader = make_agent(team, role=Role.LIGHT_AGENT, username="lia")
    assert client.login(username=reader.username, password=PASSWORD)
    client.post(f"/t/{ticket.number}/watchers/", {"user": luca.pk})
    assert not ticket.watchers.filter(pk=luca.pk).exists()


def test_macros_are_applied_from_the_ticket_page(agent_client, team, agent, luca, ticket):
    now = clock.now()
    shared = Macro.objects.create(
        name="Waiting for the customer",
        actions=[{"type": "set_field", "target": "status", "value": "pending"}],
        created_at=now,
        updated_at=now,
    )
    Macro.objects.create(
        name="Billing only",
        visibility="team",
        team=luca.teams.first(),
        actions=[{"type": "add_tag", "value": "vat"}],
        created_at=now,
        updated_at=now,
    )
    page = agent_client.get(f"/t/{ticket.number}/").content.decode()
    assert "Waiting for the customer" in page  # the macros card of the ticket page
    fragment = agent_client.get(
        f"/automation/macros/for/{ticket.number}/", {"next": f"/t/{ticket.number}/"}
    ).content.decode()
    assert "Waiting for the customer" in fragment and "Billing only" not in fragment
    ticket.refresh_from_db()
    response = agent_client.post(
        f"/automation/macros/{shared.pk}/apply/{ticket.number}/",
        {"expected_version": ticket.version, "next": f"/t/{ticket.number}/"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status.key == "pending"
    # the policy answers who may apply which
    billing_macro = Macro.objects.get(name="Billing only")
    assert policy.can(luca, policy.APPLY_MACRO, billing_macro)
    assert not policy.can(agent, policy.APPLY_MACRO, billing_macro)
    reader = make_agent(team, role=Role.LIGHT_AGENT, username="lia")
    assert not policy.can(reader, policy.APPLY_MACRO, shared)


def test_a_consult_note_asks_another_team(agent_client, agent, luca, billing, ticket):
    assert not policy.can(luca, policy.VIEW, ticket)
    response = agent_client.post(
        f"/t/{ticket.number}/messages/",
        {"kind": "internal", "body": "Is 23% right for Portugal?", "consult_team": billing.pk},
    )
    assert response.status_code == 302
    payload = _last("message.created", ticket)
    assert payload["consult_team_id"] == billing.pk and payload["kind"] == "internal"
    assert Consultation.objects.filter(ticket=ticket, team=billing).exists()
    ticket.refresh_from_db()
    assert policy.can(luca, policy.VIEW, ticket) and policy.can(luca, policy.ADD_NOTE, ticket)
    actions.add_note(ticket, actor=luca, body="Yes, 23% since 2011.")
    page = agent_client.get(f"/t/{ticket.number}/").content.decode()
    assert "Consulting Billing" in page and "23% since 2011" in page


def test_a_note_cannot_consult_the_ticket_s_own_team(agent_client, team, agent, ticket):
    with pytest.raises(ValidationFailed):
        actions.add_note(ticket, actor=agent, body="Hm", consult_team=team)
    response = agent_client.post(
        f"/t/{ticket.number}/messages/",
        {"kind": "internal", "body": "Hm", "consult_team": "999999"},
    )
    assert response.status_code == 400
    assert "Choose a team to consult." in response.content.decode()
