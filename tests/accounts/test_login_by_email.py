"""Logging in with the email address (any case) or the user name, in the portal and the
workspace; an unknown or shared address gets the same answer as a wrong password."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, make_agent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize("login", ["maria", "maria@example.org", "Maria@Example.ORG"])
def test_a_customer_logs_in_to_the_portal_by_email_or_user_name(client, customer, login):
    response = client.post(reverse("portal:login"), {"username": login, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert client.session.get("_auth_user_id") == str(customer[0].pk)


def test_the_portal_field_is_labelled_for_both(client):
    page = client.get(reverse("portal:login")).content.decode()
    assert "Email or user name" in page and 'type="email" autocomplete="username"' not in page


@pytest.mark.parametrize("login", ["ana", "ANA@example.com"])
def test_an_agent_logs_in_to_the_workspace_by_email_or_user_name(client, team, login):
    agent = make_agent(team, username="ana", email="ana@example.com")
    response = client.post(reverse("login"), {"username": login, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(agent.pk)


def test_unknown_shared_and_wrong_answer_alike(client, customer):
    make_agent(None, username="twin1", email="shared@example.org")
    make_agent(None, username="twin2", email="shared@example.org")
    answers = set()
    for login, password in [
        ("maria@example.org", "wrong"),
        ("nobody@example.org", PASSWORD),
        ("shared@example.org", PASSWORD),
    ]:
        response = client.post(reverse("portal:login"), {"username": login, "password": password})
        assert response.status_code == 400
        assert "_auth_user_id" not in client.session
        page = response.content.decode()
        answers.add(page.split('role="alert">', 1)[1].split("</div>", 1)[0])
    assert len(answers) == 1


def test_an_agent_logging_in_to_the_portal_lands_in_the_workspace(client, team):
    agent = make_agent(team, username="ana", email="ana@example.com")
    response = client.post(
        reverse("portal:login"), {"username": "ana", "password": PASSWORD, "next": "/portal/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    # on a portal page an agent is told where they are
    page = client.get(reverse("portal:home")).content.decode()
    assert "You are logged in as an agent" in page and agent.display_name in page


def test_a_customer_gets_no_agent_note(client, customer):
    client.post(reverse("portal:login"), {"username": "maria", "password": PASSWORD})
    page = client.get(reverse("portal:home")).content.decode()
    assert "You are logged in as an agent" not in page
