"""Passkeys as a second factor in a real Chromium with a virtual authenticator (WebAuthn over
the DevTools protocol): an agent adds one on the two-factor page, and the next sign-in asks for
it after the password."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD
from ticketdesk.accounts.models import Passkey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def authenticator(page: Page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    found = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, found["authenticatorId"]


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email or user name").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_agent_adds_a_passkey_and_signs_in_with_it(page: Page, live_server, agent, authenticator):
    cdp, authenticator_id = authenticator
    base = live_server.url.replace("127.0.0.1", "localhost")  # a passkey needs a domain
    log_in(page, base)
    expect(page.get_by_role("heading", name="My open tickets")).to_be_visible()

    page.goto(f"{base}/accounts/two-factor/")
    page.get_by_label("Name of the new passkey").fill("Work laptop")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_test_id("passkey")).to_contain_text("Work laptop")
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert len(credentials["credentials"]) == 1
    assert Passkey.objects.get(user=agent).name == "Work laptop"

    page.get_by_role("button", name="Log out").click()
    log_in(page, base)
    # the password alone is not enough any more
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_role("heading", name="My open tickets")).to_be_visible()
    assert Passkey.objects.get(user=agent).last_used_at is not None


def test_a_passkey_from_another_site_is_refused(page: Page, live_server, agent, authenticator):
    """The server checks the origin: a passkey made for another host name does not verify."""
    base = live_server.url.replace("127.0.0.1", "localhost")
    log_in(page, base)
    page.goto(f"{base}/accounts/two-factor/")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_test_id("passkey")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    # the same server reached as 127.0.0.1: the browser will not use a localhost passkey
    log_in(page, live_server.url.replace("localhost", "127.0.0.1"))
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.locator("#passkey-error")).to_contain_text("The passkey did not work.")
    page.goto(f"{live_server.url.replace('localhost', '127.0.0.1')}/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
