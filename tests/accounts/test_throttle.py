"""Sign-in throttling (issue 19, item 4): django-axes per (account, client IP) in the database,
client IP from X-Forwarded-For only behind a trusted proxy, admin unlock, JSON for the API."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client, RequestFactory

from tests.factories import PASSWORD, make_agent, make_customer
from ticketdesk.accounts import ratelimit, throttle

LOGIN = "/accounts/login/"


def _post(client: Client, username: str, password: str, ip: str, **extra: str):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


@pytest.fixture
def low_limit(settings):
    settings.AXES_FAILURE_LIMIT = 3


@pytest.mark.django_db
def test_lockout_after_failures_shows_translated_message_and_429(client, low_limit):
    make_agent(None, username="victim")
    for _ in range(2):
        assert _post(client, "victim", "wrong", "203.0.113.5").status_code == 200
    response = _post(client, "victim", "wrong", "203.0.113.5")
    assert response.status_code == 429
    # even the right password is refused from this address while locked
    response = _post(client, "victim", PASSWORD, "203.0.113.5")
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session
    response = client.post(
        LOGIN,
        {"username": "victim", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.5",
        HTTP_ACCEPT_LANGUAGE="pt-br",
    )
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" not in response.content


@pytest.mark.django_db
def test_attacker_cannot_lock_out_the_real_user_from_another_address(low_limit):
    make_agent(None, username="admin1")
    attacker, real = Client(), Client()
    for _ in range(20):
        _post(attacker, "admin1", "guess", "198.51.100.66")
    assert _post(attacker, "admin1", PASSWORD, "198.51.100.66").status_code == 429
    response = _post(real, "admin1", PASSWORD, "192.0.2.10")
    assert response.status_code == 302
    assert real.session["_auth_user_id"]


@pytest.mark.django_db
def test_failures_are_stored_in_the_database_for_every_worker(client, low_limit):
    make_agent(None, username="dbuser")
    _post(client, "dbuser", "wrong", "203.0.113.9")
    attempt = AccessAttempt.objects.get(username="dbuser")
    assert attempt.ip_address == "203.0.113.9"
    assert attempt.failures_since_start == 1


@pytest.mark.django_db
def test_spoofed_forwarded_for_is_ignored_without_a_trusted_proxy(client, low_limit):
    make_agent(None, username="spoof")
    for n in range(3):  # a new X-Forwarded-For each time does not give new attempts
        _post(client, "spoof", "wrong", "203.0.113.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    assert _post(client, "spoof", PASSWORD, "203.0.113.7").status_code == 429


@pytest.mark.django_db
def test_behind_trusted_proxy_each_client_is_counted_apart(settings, low_limit):
    settings.TICKETDESK_TRUSTED_PROXIES = ["10.0.0.0/8"]
    make_agent(None, username="office")
    attacker, real = Client(), Client()
    for _ in range(3):
        _post(attacker, "office", "wrong", "10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert (
        _post(attacker, "office", PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1")
    ).status_code == 429
    response = _post(real, "office", PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.44")
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.1", "", [], "203.0.113.1"),
        ("203.0.113.1", "1.2.3.4", [], "203.0.113.1"),
        ("10.0.0.2", "1.2.3.4", ["10.0.0.0/8"], "1.2.3.4"),
        ("10.0.0.2", "6.6.6.6, 1.2.3.4", ["10.0.0.0/8"], "1.2.3.4"),
        ("10.0.0.2", "1.2.3.4, 10.0.0.9", ["10.0.0.0/8"], "1.2.3.4"),
        ("10.0.0.2", "not-an-ip", ["10.0.0.0/8"], "10.0.0.2"),
        ("10.0.0.2", "", ["10.0.0.2"], "10.0.0.2"),
        ("::1", "2001:db8::5", ["::1"], "2001:db8::5"),
    ],
)
def test_client_ip(settings, remote, forwarded, trusted, expected):
    settings.TICKETDESK_TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert ratelimit.client_ip(request) == expected


@pytest.mark.django_db
def test_admin_unlocks_with_the_command(client, low_limit):
    make_agent(None, username="locked")
    for _ in range(3):
        _post(client, "locked", "wrong", "203.0.113.8")
    assert _post(client, "locked", PASSWORD, "203.0.113.8").status_code == 429
    call_command("axes_reset_username", "locked")
    assert _post(client, "locked", PASSWORD, "203.0.113.8").status_code == 302


@pytest.mark.django_db
def test_portal_login_is_throttled_too(client, low_limit):
    user, _contact = make_customer(username="cust@example.com", email="cust@example.com")
    for _ in range(3):
        client.post(
            "/portal/login/",
            {"username": "cust@example.com", "password": "bad"},
            REMOTE_ADDR="203.0.113.3",
        )
    response = client.post(
        "/portal/login/",
        {"username": "cust@example.com", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.3",
    )
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    other = Client()
    response = other.post(
        "/portal/login/",
        {"username": "cust@example.com", "password": PASSWORD},
        REMOTE_ADDR="192.0.2.3",
    )
    assert response.status_code == 302
    assert user.pk


def test_api_lockout_is_json():
    request = RequestFactory().post("/api/v1/anything")
    response = throttle.lockout_response(request, None, {})
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_sign_in_without_a_client_address_is_stored_without_one(admin_user):
    """A request with no REMOTE_ADDR (unix socket, force_login) must not break the signal
    handlers: PostgreSQL refuses a non-address in the IP column."""
    client = Client(REMOTE_ADDR="")
    client.force_login(admin_user)
    assert throttle.client_ip_or_none(RequestFactory().get("/", REMOTE_ADDR="")) is None
