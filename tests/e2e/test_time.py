"""Logging time on a ticket in a real Chromium: a manual entry, then the timer."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, make_ticket
from ticketdesk.timetracking.models import TimeEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_an_agent_logs_time_by_hand_and_with_the_timer(page: Page, live_server, team, agent):
    ticket = make_ticket(team=team, subject="Laptop will not boot")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email or user name").fill(agent.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My open tickets")).to_be_visible()
    page.goto(f"{live_server.url}/t/{ticket.number}/")
    card = page.locator("#time")
    expect(card.get_by_role("heading", name="Time")).to_be_visible()
    card.locator("summary", has_text="Log time").click()
    card.get_by_label("Time spent").fill("1h30")
    card.get_by_label("Note").first.fill("Reinstalled the boot loader")
    card.get_by_role("button", name="Log time").click()
    expect(page.locator("#time")).to_contain_text("90 min logged")
    expect(page.locator("#time")).to_contain_text("Reinstalled the boot loader")
    page.locator("#time").get_by_role("button", name="Start timer").click()
    expect(page.locator("#time")).to_contain_text("Timer running since")
    page.locator("#time").get_by_role("button", name="Stop timer").click()
    expect(page.locator("#time")).to_contain_text("91 min logged")
    assert sorted(TimeEntry.objects.values_list("minutes", flat=True)) == [1, 90]
