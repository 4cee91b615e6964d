"""Content-Security-Policy (issue 19): every main page runs under a nonce-based CSP with no
violation in a real Chromium, htmx still works, and Swagger UI loads its own static files."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, ContactFactory, make_customer, make_ticket
from tests.kb.helpers import make_article, make_section
from ticketdesk.tickets import actions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def watched(page: Page):
    messages: list[str] = []
    page.on(
        "console",
        lambda msg: messages.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.add_init_script(WATCH_VIOLATIONS)

    def check(where: str) -> None:
        page.wait_for_load_state("networkidle")
        violations = page.evaluate("window.__cspViolations || []")
        assert not violations, (where, violations)
        assert not messages, (where, messages)

    return check


def test_main_pages_have_no_csp_violation(page: Page, live_server, agent, team, watched):
    user, contact = make_customer(username="cust@example.org", email="cust@example.org")
    ticket = make_ticket(team=team, requester=contact, subject="Printer is jammed")
    actions.reply(ticket, actor=agent, body="Please **open** the tray.")
    other = make_ticket(team=team, requester=ContactFactory(), subject="VPN down")
    make_article("Fix a paper jam", "Open the **front tray**.", section=make_section())
    base = live_server.url

    page.goto(f"{base}/accounts/login/")
    watched("login")
    page.locator("#id_username").fill(agent.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My open tickets")).to_be_visible()
    # the rail's counts arrive by htmx: htmx runs under the policy
    rail = page.get_by_role("navigation", name="Ticket views")
    expect(
        rail.get_by_role("link", name=re.compile(r"Unassigned in my teams\s*\d"))
    ).to_be_visible()
    watched("workspace home")

    page.goto(f"{base}/t/{ticket.number}/")
    expect(page.get_by_role("heading", name=re.compile("Printer is jammed"))).to_be_visible()
    watched("ticket page")
    page.goto(f"{base}/t/{other.number}/")
    page.locator("textarea").first.fill("We are on it.")
    watched("ticket page, typing")

    page.goto(f"{base}/kb/")
    watched("kb index")
    page.get_by_role("link", name="Fix a paper jam").first.click()
    expect(page.get_by_role("heading", name="Fix a paper jam")).to_be_visible()
    watched("kb article")

    page.goto(f"{base}/reports/")
    watched("reports")

    page.goto(f"{base}/api/v1/docs")
    # the bundle (1.4 MB) and the OpenAPI document take a while on a busy machine
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(
        "Ticketdesk API", timeout=30_000
    )
    watched("swagger")

    page.context.clear_cookies()
    page.goto(f"{base}/portal/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", name="How can we help?")).to_be_visible()
    watched("portal home")
    page.goto(f"{base}/portal/tickets/{ticket.number}/")
    expect(page.get_by_text("Please open the tray.")).to_be_visible()
    watched("portal ticket")
    page.goto(f"{base}/portal/embed/")
    watched("portal embed")


def test_an_injected_inline_script_is_blocked(page: Page, live_server, watched):
    """The policy is really enforced: a script without the nonce does not run."""
    page.goto(f"{live_server.url}/kb/")
    page.evaluate(
        """() => { const s = document.createElement('script');
        s.textContent = 'window.__ran = true'; document.body.appendChild(s); }"""
    )
    assert page.evaluate("window.__ran === undefined")
    assert page.evaluate("window.__cspViolations.length") == 1
