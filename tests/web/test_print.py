"""The post-incident review is printed: the problem record page prints without the
application's bars and forms, with its folded timeline in full (issue 21)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, make_agent, make_ticket
from ticketdesk.reports import problems
from ticketdesk.tickets.models import TicketType

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_problem_record_prints_whole_without_the_app_around_it(page: Page, live_server, team):
    admin = make_agent(team, role="admin", username="boss")
    problem = make_ticket(
        team=team, subject="VPN outage", ticket_type=TicketType.objects.get(key="problem")
    )
    for index in range(8):  # enough events to fold the timeline
        problems.link_incident(problem, make_ticket(team=team, subject=f"VPN {index}"), actor=admin)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill("boss")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.goto(f"{live_server.url}/reports/problems/{problem.number}/")
    more = page.locator(".timeline-more")
    expect(more).to_be_visible()
    expect(more.locator("ol li").first).to_be_hidden()  # folded on screen
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator(".problem-page .ticket-side form").first).to_be_hidden()
    expect(more.locator("ol li").first).to_be_visible()  # printed whole
    expect(page.locator(".report-timeline li").last).to_be_visible()
