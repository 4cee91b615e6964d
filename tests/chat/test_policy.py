"""The live chat verbs by role: answer_chats (console, availability), take_chat (a waiting chat
of one's team or of no team), handle_chat (the chat's own agent; admins)."""

from __future__ import annotations

import pytest

from tests.factories import TeamFactory, make_agent
from ticketdesk.accounts import policy
from ticketdesk.channels.chat import actions

pytestmark = pytest.mark.django_db


def test_chat_verbs_by_role(started, agent, team, customer):
    chat, _token = started
    other_team = TeamFactory(name="Billing")
    outsider = make_agent(other_team, username="otto")
    admin = make_agent(None, role="admin", username="root")
    light = make_agent(team, role="light_agent", username="lia")
    expected = {
        admin: (True, True, True),
        agent: (True, True, False),
        outsider: (True, chat.team_id is None, False),
        light: (False, False, False),
        customer[0]: (False, False, False),
    }
    for user, (answer, take, handle) in expected.items():
        assert policy.can(user, policy.ANSWER_CHATS) is answer, user
        assert policy.can(user, policy.TAKE_CHAT, chat) is take, user
        assert policy.can(user, policy.HANDLE_CHAT, chat) is handle, user
    chat = actions.accept(chat, agent)
    assert policy.can(agent, policy.HANDLE_CHAT, chat)
    assert not policy.can(outsider, policy.HANDLE_CHAT, chat)
