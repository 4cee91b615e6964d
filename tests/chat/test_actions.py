"""A chat is a ticket on the chat channel: its conversation is the ticket's messages, the
agent's first words are the first response, it is continued by email after the chat."""

from __future__ import annotations

import pytest
from django.core import mail as django_mail

from tests.factories import TeamFactory, make_agent
from ticketdesk.channels.chat import actions, queries, transcript
from ticketdesk.channels.chat.models import ChatEvent, ChatEventKind, ChatStatus
from ticketdesk.core import outbox
from ticketdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from ticketdesk.routing.models import AgentAvailability
from ticketdesk.tickets import actions as ticket_actions
from ticketdesk.tickets.models import Channel, MessageKind

pytestmark = pytest.mark.django_db


def test_start_opens_a_chat_ticket_waiting_in_the_queue(started, online_agent):
    chat, token = started
    ticket = chat.ticket
    assert ticket.channel == Channel.CHAT
    assert ticket.subject == "Printer offline"
    assert ticket.requester.email == "vera@example.net"
    assert [m.body_text for m in ticket.messages.all()] == ["My printer says offline"]
    assert chat.status == ChatStatus.WAITING
    assert queries.chat_for_token(chat.pk, token) == chat
    assert queries.chat_for_token(chat.pk, token + "x") is None
    assert list(queries.queue(online_agent)) == [chat]
    kinds = list(ChatEvent.objects.filter(conversation=chat).values_list("kind", flat=True))
    assert kinds == [ChatEventKind.QUEUED, ChatEventKind.MESSAGE]


def test_start_names_every_wrong_field(db):
    with pytest.raises(ValidationFailed) as error:
        actions.start_chat(name="", email="nope", topic="")
    assert set(error.value.fields) == {"name", "email", "topic"}


def test_conversation_becomes_messages_and_first_response(started, online_agent, settings):
    chat, _token = started
    chat = actions.accept(chat, online_agent)
    assert chat.status == ChatStatus.ACTIVE
    chat.ticket.refresh_from_db()
    assert chat.ticket.assignee == online_agent
    actions.visitor_says(chat, "Still offline")
    reply = actions.agent_says(chat, online_agent, "Turn it off and on")
    chat.ticket.refresh_from_db()
    assert chat.ticket.first_response_at == reply.created_at
    texts = list(chat.ticket.messages.order_by("id").values_list("body_text", "channel"))
    assert texts == [
        ("My printer says offline", Channel.CHAT),
        ("Still offline", Channel.CHAT),
        ("Turn it off and on", Channel.CHAT),
    ]
    # the chat's words are not mailed to the visitor ...
    outbox.process_pending()
    assert [m for m in django_mail.outbox if "vera@example.net" in m.to] == []
    # ... after the chat, a reply on the ticket is (continued by email)
    actions.end(chat, agent=online_agent)
    ticket_actions.reply(chat.ticket, actor=online_agent, body="Did it work?")
    outbox.process_pending()
    to_visitor = [m for m in django_mail.outbox if "vera@example.net" in m.to]
    assert len(to_visitor) == 1
    assert "Did it work?" in to_visitor[0].body


def test_accept_twice_conflicts_and_limit_holds(started, online_agent, team):
    chat, _token = started
    colleague = make_agent(team, username="bea")
    chat = actions.accept(chat, online_agent)
    with pytest.raises(Conflict):
        actions.accept(chat, colleague)
    # limit 2: two more chats, the third refused
    for n in range(2):
        other, _t = actions.start_chat(name=f"V{n}", email=f"v{n}@example.net", topic="Hi")
        if n == 0:
            actions.accept(other, online_agent)
        else:
            with pytest.raises(Conflict):
                actions.accept(other, online_agent)


def test_routing_capacity_lowers_the_limit(online_agent):
    AgentAvailability.objects.create(user=online_agent, capacity=1)
    assert queries.chat_limit(online_agent) == 1


def test_offered_only_while_an_agent_is_online_with_room(started, online_agent):
    assert queries.chat_offered()
    actions.set_presence(online_agent, actor=online_agent, status="away")
    assert not queries.chat_offered()


def test_transfer_to_agent_and_team(started, online_agent, team):
    chat, _token = started
    colleague = make_agent(team, username="bea")
    other_team = TeamFactory(name="Billing")
    chat = actions.accept(chat, online_agent)
    chat = actions.transfer(chat, online_agent, to_agent=colleague)
    assert chat.agent == colleague and chat.status == ChatStatus.ACTIVE
    with pytest.raises(PermissionDenied):
        actions.agent_says(chat, online_agent, "still mine?")
    chat = actions.transfer(chat, colleague, to_team=other_team)
    assert chat.agent is None and chat.status == ChatStatus.WAITING
    chat.ticket.refresh_from_db()
    assert chat.ticket.team == other_team and chat.ticket.assignee is None
    # the queue of another team's agent does not show it
    assert list(queries.queue(online_agent)) == []


def test_customers_and_light_agents_cannot_take_chats(started, customer, team):
    chat, _token = started
    light = make_agent(team, role="light_agent", username="lia")
    for user in (customer[0], light):
        with pytest.raises(PermissionDenied):
            actions.accept(chat, user)


def test_ended_chat_refuses_messages(started, online_agent):
    chat, _token = started
    chat = actions.accept(chat, online_agent)
    chat = actions.end(chat)
    with pytest.raises(Conflict):
        actions.visitor_says(chat, "hello?")


def test_leave_a_message_is_a_chat_ticket(db):
    ticket = actions.leave_message(
        name="Olga", email="olga@example.net", topic="After hours", message="Call me"
    )
    assert ticket.channel == Channel.CHAT
    assert ticket.messages.get().kind == MessageKind.PUBLIC


def test_transcript_is_queued_mail(started, online_agent):
    chat, _token = started
    chat = actions.accept(chat, online_agent)
    actions.agent_says(chat, online_agent, "Hello Vera")
    transcript.email_transcript(chat)
    outbox.process_pending()
    sent = [m for m in django_mail.outbox if "transcript" in m.body]
    assert len(sent) == 1
    assert sent[0].to == ["vera@example.net"]
    assert "My printer says offline" in sent[0].body and "Hello Vera" in sent[0].body


def test_a_chat_whose_team_is_away_waits_for_every_online_agent(db, online_agent):
    """The walk found a visitor waiting for ever: the chat channel's team (Customer Care) had
    nobody online, the one online agent (IT Support) never saw the chat."""
    from ticketdesk.tickets.models import ChannelDefault

    care = TeamFactory(name="Customer Care", slug="customer-care")
    ChannelDefault.objects.update_or_create(channel=Channel.CHAT, defaults={"team": care})
    chat, _token = actions.start_chat(
        name="Vera Visitor", email="vera@example.net", topic="Printer offline"
    )
    assert chat.ticket.team == care  # the ticket keeps its team
    assert chat.team is None  # the chat is offered to whoever is online
    assert list(queries.queue(online_agent)) == [chat]
    # with someone of the team online, the chat waits in the team's queue
    actions.set_presence(online_agent, actor=online_agent, status="away", max_chats=2)
    colleague = make_agent(care, username="cara")
    actions.set_presence(colleague, actor=colleague, status="online", max_chats=2)
    second, _token = actions.start_chat(name="Ola", email="ola@example.net", topic="Invoice")
    assert second.team == care
