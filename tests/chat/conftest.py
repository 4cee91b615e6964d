"""Live chat fixtures: an online agent and a started chat."""

from __future__ import annotations

import pytest

from ticketdesk.channels.chat import actions


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def online_agent(agent):
    actions.set_presence(agent, actor=agent, status="online", max_chats=2)
    return agent


@pytest.fixture
def started(db):
    chat, token = actions.start_chat(
        name="Vera Visitor",
        email="vera@example.net",
        topic="Printer offline",
        message="My printer says offline",
        page_url="https://shop.example.net/help",
        page_title="Help",
        origin="https://shop.example.net",
        language="en",
    )
    return chat, token
