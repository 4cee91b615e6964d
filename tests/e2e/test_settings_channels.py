"""The Settings' channels and integrations pages in a real Chromium, with something in each:
the census's checks (no overflow at 375 px, no untranslated text, no serious axe finding),
and the test buttons answering in place through htmx."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e.test_settings import log_in_any
from tests.web import test_page_census as census
from ticketdesk.channels.email.models import Mailbox
from ticketdesk.channels.messaging.models import ChannelAccount
from ticketdesk.core import clock
from ticketdesk.notifications.models import WebhookEndpoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _objects():
    mailbox = Mailbox.objects.create(
        name="Support",
        address="a-rather-long-support-address@helpdesk.example.com",
        imap_host="127.0.0.1",
        imap_port=1,
        imap_ssl=False,
        imap_user="support",
        imap_password="pw",
    )
    account = ChannelAccount.objects.create(provider="telegram", name="Desk bot")
    endpoint = WebhookEndpoint.objects.create(
        name="#support",
        url="http://127.0.0.1:1/hooks/a-very-long-incoming-webhook-path/T000/B000/XXXXXXXX",
        format="slack",
        allow_private=True,
        created_at=clock.now(),
    )
    return mailbox, account, endpoint


@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("pt-br", 375), ("it", 375)])
def test_channel_and_integration_pages_fit_are_translated_and_accessible(
    page: Page, live_server, admin_user, language, width
):
    mailbox, account, endpoint = _objects()
    pages = [
        reverse(f"workspace:settings:{name}")
        for name in (
            "channels",
            "mailbox_new",
            "portal",
            "messaging_new",
            "integrations",
            "endpoint_new",
        )
    ] + [
        reverse("workspace:settings:mailbox_edit", args=[mailbox.pk]),
        reverse("workspace:settings:messaging_edit", args=[account.pk]),
        reverse("workspace:settings:endpoint_edit", args=[endpoint.pk]),
    ]
    admin_user.language = language
    admin_user.save(update_fields=["language"])
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    page.set_viewport_size({"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in_any(page, live_server, admin_user.username)
    msgids = census.translated_msgids(language) if language != "en" else set()
    problems = []
    for path in pages:
        page.goto(live_server.url + path)
        overflow = page.evaluate(census.OVERFLOW_JS) if width <= 400 else None
        if overflow:
            problems.append(f"{path}: wider than the screen: {overflow}")
        english = [t for t in page.evaluate(census.TEXTS_JS) if t in msgids]
        if english:
            problems.append(f"{path}: untranslated {english[:5]}")
        if language in ("en", "pt-br"):
            page.evaluate(census.AXE.read_text())
            for violation in page.evaluate(census.AXE_JS):
                problems.append(f"{path}: axe {violation['id']} {violation['nodes']}")
    assert not problems and not errors, problems + errors


def test_the_test_buttons_answer_in_place(page: Page, live_server, admin_user):
    mailbox, _account, endpoint = _objects()
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in_any(page, live_server, admin_user.username)
    page.goto(live_server.url + reverse("workspace:settings:mailbox_edit", args=[mailbox.pk]))
    page.get_by_role("button", name="Test the connection").click()
    result = page.locator("#mailbox-test")
    expect(result).to_contain_text("Nothing accepts connections at 127.0.0.1:1.")
    expect(page.get_by_role("button", name="Save the mailbox")).to_be_visible()

    page.goto(live_server.url + reverse("workspace:settings:endpoint_edit", args=[endpoint.pk]))
    page.get_by_role("button", name="Send a test").click()
    expect(page.locator("#endpoint-test")).to_contain_text("The test was not delivered.")
