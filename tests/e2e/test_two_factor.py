"""Two-factor authentication in a real Chromium: an agent whose role requires it is sent to
set it up, scans (reads) the key, confirms a code, keeps the backup codes, and the next sign-in
asks for the code after the password."""

from __future__ import annotations

import base64
import time

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD
from ticketdesk.accounts.models import SignInSettings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def app_code(secret: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the key printed under the QR code."""
    key = secret.replace(" ", "")
    totp = TOTP(base64.b32decode(key + "=" * (-len(key) % 8)))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def test_agent_enrols_when_required_and_signs_in_with_a_code(page: Page, live_server, agent):
    SignInSettings.objects.update_or_create(pk=1, defaults={"require_two_factor_agents": True})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email or user name").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # no device yet: the workspace is not reached, the set-up page is
    expect(page.get_by_role("heading", name="Set up an authenticator app")).to_be_visible()
    assert page.url.startswith(f"{live_server.url}/accounts/two-factor/")
    expect(page.locator(".qr svg")).to_be_visible()  # drawn on the server, no outside service
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    time.sleep(1.1)  # wrong codes slow down the next try by a second
    page.get_by_label("Code from the app").fill(app_code(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Your backup codes")).to_be_visible()
    codes = page.get_by_test_id("backup-codes").locator("li").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name="My open tickets")).to_be_visible()

    # sign out and in again: the password, then the code
    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Email or user name").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    page.get_by_label("Code").fill(app_code(secret, steps_ahead=1))  # the step after the last
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="My open tickets")).to_be_visible()

    # and once more with a backup code instead of the app
    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Email or user name").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Code").fill(codes[3])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="My open tickets")).to_be_visible()
