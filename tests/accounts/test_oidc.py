"""Sign-in through OpenID Connect against a real provider (django-oauth-toolkit on
127.0.0.1, started here in its own process): redirects, the provider's login form, the code
exchange with PKCE, the signed ID token, userinfo, and our claim checks and role mapping."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.accounts.servers import free_port, wait_port
from ticketdesk.accounts.models import Role, User

pytestmark = pytest.mark.django_db(transaction=True)

OP_DIR = Path(__file__).resolve().parent / "oidc_provider"
BACKEND = "ticketdesk.accounts.oidc.OIDCBackend"


@pytest.fixture(scope="session")
def oidc_provider(live_server, tmp_path_factory):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    port = free_port()
    env = {
        **os.environ,
        "OIDC_RSA_PRIVATE_KEY": pem,
        "DJANGO_SETTINGS_MODULE": "op_settings",
        "PYTHONPATH": str(OP_DIR),
        "OP_DB": str(tmp_path_factory.mktemp("op") / "op.sqlite3"),
        "RP_REDIRECT_URI": f"{live_server.url}/oidc/callback/",
    }
    subprocess.run([sys.executable, OP_DIR / "bootstrap.py"], env=env, check=True, cwd=OP_DIR)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "op_wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=OP_DIR,
    )
    try:
        wait_port(port, proc=proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def oidc_settings(settings, oidc_provider):
    issuer = f"{oidc_provider}/o"
    settings.OIDC_ENABLED = True
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, BACKEND]
    settings.OIDC_PROVIDER_NAME = "Example SSO"
    settings.OIDC_RP_CLIENT_ID = "ticketdesk-client"
    settings.OIDC_RP_CLIENT_SECRET = "ticketdesk-secret"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{issuer}/authorize/"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{issuer}/token/"
    settings.OIDC_OP_USER_ENDPOINT = f"{issuer}/userinfo/"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{issuer}/.well-known/jwks.json"
    settings.OIDC_CREATE_USER = True
    settings.OIDC_ROLE_CLAIM = "groups"
    settings.OIDC_ROLE_MAP = {"helpdesk": "agent"}
    settings.OIDC_DEFAULT_ROLE = "customer"
    settings.OIDC_ALLOWED_DOMAINS = ["example.test"]
    settings.OIDC_TIMEOUT = 10
    return settings


def sign_in_at_provider(live_server, provider, username, password):
    """Follow the whole flow as a browser would; returns the last response."""
    s = requests.Session()
    login_page = s.get(f"{live_server.url}/accounts/login/", timeout=10)
    button = re.search(
        r'href="(/oidc/authenticate/[^"]*)"[^>]*>Sign in with Example SSO', login_page.text
    )
    assert button, "the login page has a 'Sign in with Example SSO' button"
    r = s.get(f"{live_server.url}{button.group(1)}", timeout=10)
    assert r.url.startswith(f"{provider}/accounts/login/")
    assert "code_challenge_method=S256" in r.history[0].headers["Location"]  # PKCE
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.text).group(1)
    return s, s.post(
        r.url,
        data={"csrfmiddlewaretoken": csrf, "username": username, "password": password},
        timeout=20,
    )


def test_an_agent_signs_in_through_the_provider(oidc_settings, live_server, oidc_provider):
    s, r = sign_in_at_provider(live_server, oidc_provider, "alice", "alicepw")
    assert r.status_code == 200
    assert r.url == f"{live_server.url}/"  # back at Ticketdesk, in the workspace
    assert "My open tickets" in r.text
    user = User.objects.get(email="alice@example.test")
    assert (user.first_name, user.last_name, user.role) == ("Alice", "Anders", Role.AGENT)
    assert not user.has_usable_password()
    # the open session is listed with how it signed in
    sessions_page = s.get(f"{live_server.url}/accounts/sessions/", timeout=10)
    assert "Example SSO" in sessions_page.text


def test_an_existing_user_keeps_their_account_and_gets_the_mapped_role(
    oidc_settings, live_server, oidc_provider
):
    from tests.factories import UserFactory

    existing = UserFactory(username="alice.a", email="Alice@example.test", role=Role.CUSTOMER)
    _s, r = sign_in_at_provider(live_server, oidc_provider, "alice", "alicepw")
    assert r.url == f"{live_server.url}/"
    existing.refresh_from_db()
    assert existing.role == Role.AGENT
    assert User.objects.filter(email__iexact="alice@example.test").count() == 1


def test_an_address_outside_the_allowed_domains_is_refused(
    oidc_settings, live_server, oidc_provider
):
    _s, r = sign_in_at_provider(live_server, oidc_provider, "mallory", "mallorypw")
    assert r.url.startswith(f"{live_server.url}/accounts/login/")
    assert "Accounts of elsewhere.test may not sign in here." in r.text
    assert not User.objects.filter(email="mallory@elsewhere.test").exists()


def test_without_auto_create_an_unknown_person_is_refused(
    oidc_settings, live_server, oidc_provider
):
    oidc_settings.OIDC_CREATE_USER = False
    _s, r = sign_in_at_provider(live_server, oidc_provider, "alice", "alicepw")
    assert "You have no account here yet" in r.text
    assert not User.objects.filter(email="alice@example.test").exists()


def test_no_button_when_not_configured(client, db):
    assert b"Sign in with" not in client.get("/accounts/login/").content
