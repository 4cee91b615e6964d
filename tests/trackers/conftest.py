from __future__ import annotations

import pytest

from tests.factories import ContactFactory, make_agent, make_ticket
from ticketdesk.trackers.models import TrackerConnection, TrackerKind

from . import fake_trackers

SECRET = "s3cret-webhook"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def fake():
    state, server = fake_trackers.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _connection(fake, kind: str, project: str, **extra) -> TrackerConnection:
    return TrackerConnection.objects.create(
        name=f"{kind} {project}",
        kind=kind,
        api_url=fake.url + ("/api/v4" if kind == TrackerKind.GITLAB else ""),
        web_url={
            TrackerKind.GITHUB: "https://github.com",
            TrackerKind.GITLAB: "https://gitlab.example.com",
            TrackerKind.JIRA: "https://acme.atlassian.net",
        }[kind],
        project=project,
        token="tok-123",
        username="bot@example.com",
        webhook_secret=SECRET,
        allow_private=True,
        **extra,
    )


@pytest.fixture
def github(fake):
    return _connection(fake, TrackerKind.GITHUB, "acme/app")


@pytest.fixture
def gitlab(fake):
    return _connection(fake, TrackerKind.GITLAB, "acme/backend")


@pytest.fixture
def jira(fake):
    return _connection(fake, TrackerKind.JIRA, "APP")


@pytest.fixture
def bug(team, agent):
    from ticketdesk.tickets import actions

    requester = ContactFactory(email="carla@example.org", name="Carla", language="it")
    ticket = make_ticket(
        team=team, requester=requester, subject="Export crashes", body="Steps: ..."
    )
    actions.assign(ticket, assignee=agent, actor=agent)
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def light_agent(team):
    return make_agent(team, role="light_agent", username="lia")
