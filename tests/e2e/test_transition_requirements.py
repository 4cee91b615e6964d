"""A move that requires fields, in a real Chromium: the agent changes the status in the side
panel, the panel answers (htmx, no reload) naming the missing category inline; with the
category filled in, the same save goes through."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, make_agent, make_ticket
from ticketdesk.tickets.models import Category, Transition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_side_panel_names_the_fields_a_move_requires(page: Page, live_server, team):
    agent = make_agent(team, username="ana", first_name="Ana", last_name="Souza")
    Category.objects.create(name="Hardware")
    move = Transition.objects.get(from_status__key="new", to_status__key="pending")
    move.required_fields = ["category"]
    move.save()
    ticket = make_ticket(team=team, subject="Screen flickers")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email or user name").fill(agent.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/t/{ticket.number}/")

    page.get_by_label("Status", exact=True).select_option(label="Pending")
    page.get_by_role("button", name="Save changes").click()
    panel = page.locator("#side-panel")
    expect(panel.get_by_role("alert").first).to_contain_text(
        "To move the ticket to “Pending”, fill in: Category."
    )
    category_field = panel.locator(".field.has-error")
    expect(category_field).to_contain_text("Required to move the ticket to “Pending”.")
    expect(category_field.get_by_label("Category")).to_be_visible()
    expect(page.locator(".ticket-header .status")).to_have_text("New")

    panel.get_by_label("Category").select_option(label="Hardware")
    panel.get_by_role("button", name="Save changes").click()
    expect(page.locator("#side-panel .saved")).to_have_text("Saved.")
    expect(page.locator(".ticket-header .status")).to_have_text("Pending")
    ticket.refresh_from_db()
    assert ticket.status.key == "pending" and ticket.category.name == "Hardware"
