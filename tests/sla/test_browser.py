"""In a real Chromium: an administrator reads the SLA overview; an agent switches availability
with the htmx toggle and sees a ticket's SLA clock."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, make_agent, make_ticket
from ticketdesk.core import outbox
from ticketdesk.routing.models import AgentAvailability, Presence

from .helpers import make_policy, office_calendar

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email or user name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_sla_pages_in_the_browser(page: Page, live_server, team):
    office_calendar()
    make_policy("Standard support", order=10)
    admin = make_agent(None, role="admin", username="boss")
    agent = make_agent(team, username="paula")
    ticket = make_ticket(team=team)
    outbox.process_pending()

    log_in(page, live_server, admin.username)
    page.goto(f"{live_server.url}/sla/")
    expect(page.get_by_role("heading", name="Service levels")).to_be_visible()
    expect(page.get_by_role("link", name="Standard support")).to_be_visible()
    expect(page.get_by_role("link", name="SLA")).to_have_attribute("aria-current", "page")

    page.context.clear_cookies()
    log_in(page, live_server, agent.username)
    page.goto(f"{live_server.url}/sla/availability/")
    away = page.get_by_role("button", name="Away")
    expect(away).to_have_attribute("aria-pressed", "false")
    away.click()
    expect(page.get_by_role("button", name="Away")).to_have_attribute("aria-pressed", "true")
    assert page.url.endswith("/sla/availability/")  # swapped in place by htmx
    assert AgentAvailability.objects.get(user=agent).status == Presence.AWAY

    page.goto(f"{live_server.url}/sla/ticket/{ticket.number}/")
    expect(page.get_by_role("heading", name="Clock history")).to_be_visible()
    expect(page.locator(".sla-badge")).to_contain_text("left")
