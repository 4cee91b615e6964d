"""Open sessions on the profile: listed with browser, address and last seen; one or all
others signed out; nobody can end someone else's."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import PASSWORD, make_agent
from ticketdesk.accounts.models import UserSession

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def signed_in(username: str, browser: str, address: str) -> Client:
    client = Client(HTTP_USER_AGENT=browser, REMOTE_ADDR=address)
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    return client


def test_sessions_are_listed_and_others_signed_out(agent):
    laptop = signed_in("ana", "Firefox on the laptop", "192.0.2.10")
    phone = signed_in("ana", "Safari on the phone", "198.51.100.7")

    page = laptop.get("/accounts/sessions/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Firefox on the laptop" in text and "Safari on the phone" in text
    assert "198.51.100.7" in text and "This session" in text
    assert UserSession.objects.filter(user=agent).count() == 2

    done = laptop.post("/accounts/sessions/sign-out/", {"which": "others"})
    assert done.status_code == 302
    assert phone.get("/")["Location"].startswith("/accounts/login/")  # the phone is out
    assert laptop.get("/").status_code == 200  # this one stays
    assert list(UserSession.objects.filter(user=agent).values_list("user_agent", flat=True)) == [
        "Firefox on the laptop"
    ]


def test_one_session_signed_out_by_its_key(agent):
    laptop = signed_in("ana", "Firefox", "192.0.2.10")
    phone = signed_in("ana", "Safari", "192.0.2.11")
    key = phone.session.session_key
    laptop.post("/accounts/sessions/sign-out/", {"session": key})
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 200


def test_nobody_ends_someone_elses_session(agent, team):
    make_agent(team, username="luca")
    ana = signed_in("ana", "Firefox", "192.0.2.10")
    luca = signed_in("luca", "Chrome", "192.0.2.20")
    ana.post("/accounts/sessions/sign-out/", {"session": luca.session.session_key})
    assert luca.get("/").status_code == 200


def test_the_sessions_page_needs_a_signed_in_user(client):
    assert client.get("/accounts/sessions/").status_code == 302
    assert client.post("/accounts/sessions/sign-out/", {"which": "others"}).status_code == 302


def test_two_factor_changes_and_ended_sessions_are_in_the_audit_log(agent):
    from ticketdesk.accounts import signin_sessions, two_factor
    from ticketdesk.accounts.models import UserSession
    from ticketdesk.audit.models import AuditEntry

    two_factor.turn_off(agent)
    from django.utils import timezone

    UserSession.objects.create(user=agent, session_key="k" * 32, last_seen_at=timezone.now())
    assert signin_sessions.sign_out(agent, ["k" * 32]) == 1
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["sign_in.two_factor_disabled", "sign_in.sessions_ended"]
