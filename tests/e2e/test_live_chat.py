"""Live chat in a real Chromium: a visitor on a page of another origin (a second local
http.server serving a page with the one script tag) chats with an agent logged in to the
console in a second browser context. Each message arrives in under a second; the chat is a
ticket with the transcript; the agent's follow-up after the chat reaches the visitor by email.
Runs on SQLite (in-process broker) and PostgreSQL (LISTEN/NOTIFY)."""

from __future__ import annotations

import functools
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core import mail as django_mail
from playwright.sync_api import Browser, Page, expect

from tests.factories import PASSWORD
from tests.kb.helpers import make_article, make_section
from ticketdesk.channels.chat.models import ChatConversation, ChatStatus
from ticketdesk.core import outbox
from ticketdesk.tickets import actions as ticket_actions
from ticketdesk.tickets.models import Channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop help</title>
</head><body><h1>Acme shop</h1><p>Our help page.</p>
<script src="{desk}/chat/widget.js" async></script></body></html>"""

WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def shop(tmp_path: Path, live_server, settings) -> Iterator[str]:
    """Another origin: 127.0.0.1 on its own port (the desk is localhost:<port>)."""
    (tmp_path / "index.html").write_text(PAGE.format(desk=live_server.url))
    (tmp_path / "pt.html").write_text(
        PAGE.format(desk=live_server.url).replace('lang="en"', 'lang="pt-BR"')
    )
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(tmp_path))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{server.server_port}"
    settings.TICKETDESK_CHAT_ORIGINS = [origin]
    settings.SITE_URL = live_server.url
    # one process: the in-memory broker wakes every stream at once, so the streams need not
    # look again on their own (in-memory shared-cache SQLite fails a write while one reads)
    settings.TICKETDESK_CHAT_POLL_SECONDS = 30
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield origin
    server.shutdown()


def agent_console(browser: Browser, live_server, username: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.add_init_script(WATCH_VIOLATIONS)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="Chat", exact=True).click()
    expect(page.get_by_role("heading", name="Chat console")).to_be_visible()
    return page


def arrives_within(started: float) -> float:
    return time.monotonic() - started


def test_visitor_on_another_origin_chats_with_an_agent(browser: Browser, live_server, shop, agent):
    make_article("Reset the printer", "Hold the power button.", section=make_section())
    console = agent_console(browser, live_server, agent.username)
    console.get_by_label("Online").check()
    expect(console.get_by_label("Online")).to_be_checked()
    expect(console.locator("[data-chat-lists] .muted").first).to_be_visible()
    time.sleep(0.5)  # the presence is saved

    visitor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    visitor.goto(f"{shop}/index.html")
    launcher = visitor.get_by_role("button", name="Chat with us")
    launcher.click()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    dialog = visitor.get_by_role("dialog", name="Live chat")
    dialog.get_by_label("Name").fill("Vera Visitor")
    dialog.get_by_label("Email").fill("vera@example.net")
    dialog.get_by_label("Topic").fill("printer reset")
    # the knowledge base answers while she types
    expect(dialog.get_by_role("link", name="Reset the printer")).to_be_visible()
    dialog.get_by_label("Message").fill("My printer is stuck")
    dialog.get_by_role("button", name="Start the chat").click()
    log = dialog.get_by_role("log")
    expect(log).to_contain_text("Waiting for an agent")

    # the console hears the queue at once
    accept = console.get_by_role("button", name="Accept the chat with Vera Visitor")
    expect(accept).to_be_visible(timeout=3000)
    accept.click()
    expect(console.locator("[data-transcript]")).to_contain_text("My printer is stuck")
    expect(log).to_contain_text("Ana Souza joined the chat.")
    expect(console.locator(".chat-visitor")).to_contain_text("Shop help")  # her page

    # agent -> visitor under a second
    composer = console.get_by_label("Your message")
    composer.fill("Hold the power button for ten seconds.")
    started = time.monotonic()
    console.get_by_role("button", name="Send", exact=True).click()
    expect(log).to_contain_text("Hold the power button for ten seconds.", timeout=1000)
    agent_to_visitor = arrives_within(started)

    # typing indicator, then visitor -> agent under a second
    text = dialog.get_by_label("Write a message")
    text.press_sequentially("It w")
    expect(console.locator("[data-typing]")).to_have_text("The visitor is typing…", timeout=2000)
    text.fill("It works now, thanks!")
    started = time.monotonic()
    text.press("Enter")
    expect(console.locator("[data-transcript]")).to_contain_text(
        "It works now, thanks!", timeout=1000
    )
    visitor_to_agent = arrives_within(started)
    print(f"\nchat delivery: to visitor {agent_to_visitor:.3f}s, to agent {visitor_to_agent:.3f}s")
    assert agent_to_visitor < 1 and visitor_to_agent < 1

    # the transcript on request, then the visitor ends the chat
    dialog.get_by_role("button", name="Email me the transcript").click()
    expect(dialog.get_by_role("status").first).to_contain_text("on its way")
    dialog.get_by_role("button", name="End the chat").click()
    expect(log).to_contain_text("The chat has ended")
    expect(console.locator("[data-chat-panel]")).to_contain_text("Reply on its ticket")

    # the chat is a ticket with its transcript; the follow-up goes by email
    chat = ChatConversation.objects.select_related("ticket").get()
    assert chat.status == ChatStatus.ENDED
    assert chat.ticket.channel == Channel.CHAT
    texts = list(chat.ticket.messages.order_by("id").values_list("body_text", flat=True))
    assert texts == [
        "My printer is stuck",
        "Hold the power button for ten seconds.",
        "It works now, thanks!",
    ]
    ticket_actions.reply(chat.ticket, actor=agent, body="Glad it works. Anything else?")
    outbox.process_pending()
    to_visitor = [m for m in django_mail.outbox if m.to == ["vera@example.net"]]
    assert any("Hold the power button" in m.body for m in to_visitor)  # the transcript
    assert any("Glad it works" in m.body for m in to_visitor)  # the follow-up
    assert console.evaluate("window.__cspViolations") == []
    console.context.close()
    visitor.context.close()


def test_no_agent_online_leaves_a_message(browser: Browser, live_server, shop):
    visitor = browser.new_context(locale="pt-BR").new_page()
    visitor.goto(f"{shop}/pt.html")
    visitor.get_by_role("button", name="Fale conosco").click()
    dialog = visitor.get_by_role("dialog")
    expect(dialog).to_contain_text("Nenhum agente está online")
    dialog.get_by_role("button", name="Enviar a mensagem").click()
    name = dialog.get_by_label("Nome")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_be_focused()
    name.fill("Olga")
    dialog.get_by_label("Email").fill("olga@example.net")
    dialog.get_by_label("Assunto").fill("Fatura")
    dialog.get_by_label("Mensagem").fill("Minha fatura veio errada")
    dialog.get_by_role("button", name="Enviar a mensagem").click()
    expect(dialog.get_by_role("status")).to_contain_text("Obrigado")
    visitor.context.close()
