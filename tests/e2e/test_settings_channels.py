"""The Settings' channels and integrations pages in a real Chromium, with something in each:
the census's checks (no overflow at 375 px, no untranslated text, no serious axe finding),
the test buttons answering in place through htmx, and the chat widget's allowed sites set
at a phone's width and obeyed by the widget on another origin."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in_any
from tests.e2e.test_live_chat import PAGE, Quiet
from tests.web import test_page_census as census
from ticketdesk.channels.chat.models import ChatWidgetSettings
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
    page_census, language, width
):
    mailbox, account, endpoint = _objects()
    pages = [
        reverse(f"workspace:settings:{name}")
        for name in (
            "channels",
            "mailbox_new",
            "portal",
            "messaging_new",
            "chat_widget",
            "integrations",
            "endpoint_new",
        )
    ] + [
        reverse("workspace:settings:mailbox_edit", args=[mailbox.pk]),
        reverse("workspace:settings:messaging_edit", args=[account.pk]),
        reverse("workspace:settings:endpoint_edit", args=[endpoint.pk]),
    ]
    problems = page_census(pages, language, width)
    assert not problems, problems


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


@pytest.fixture
def shop(tmp_path: Path, live_server, settings) -> Iterator[str]:
    """A page with the widget's script tag on another origin (127.0.0.1 on its own port),
    allowed by nothing yet: not the environment, not the Settings."""
    (tmp_path / "index.html").write_text(PAGE.format(desk=live_server.url))
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(tmp_path))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.TICKETDESK_CHAT_ORIGINS = []
    settings.SITE_URL = live_server.url
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_admin_allows_a_site_on_a_phone_and_the_widget_appears_there(
    page: Page, browser, live_server, admin_user, shop
):
    visitor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    visitor.goto(f"{shop}/index.html")
    visitor.wait_for_load_state("networkidle")
    # the widget's first call is refused: it stays silent on a site not allowed
    expect(visitor.get_by_role("button", name="Chat with us")).to_have_count(0)

    page.set_viewport_size({"width": 375, "height": 800})
    log_in_any(page, live_server, admin_user.username)
    page.goto(live_server.url + reverse("workspace:settings:channels"))
    page.get_by_role("link", name="Edit the allowed sites").click()
    sites = page.get_by_label("Other sites allowed to embed the chat")
    port = shop.rpartition(":")[2]
    sites.fill(f"127.0.0.1:{port}")  # no scheme: refused, with the line named
    page.get_by_role("button", name="Save the allowed sites").click()
    expect(page.locator(".field-error")).to_contain_text(
        f"“127.0.0.1:{port}” is not a site's address"
    )
    assert page.evaluate(census.OVERFLOW_JS) is None
    assert ChatWidgetSettings.current().allowed_origins == []

    page.get_by_label("Other sites allowed to embed the chat").fill(
        f"{shop}/\nhttps://www.example.com"
    )
    page.get_by_role("button", name="Save the allowed sites").click()
    expect(page.get_by_text("The sites allowed to embed the chat are saved.")).to_be_visible()
    expect(page.locator("#chat-origins")).to_contain_text(shop)
    assert page.evaluate(census.OVERFLOW_JS) is None
    assert ChatWidgetSettings.current().allowed_origins == [shop, "https://www.example.com"]

    visitor.reload()
    expect(visitor.get_by_role("button", name="Chat with us")).to_be_visible()
