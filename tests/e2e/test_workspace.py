"""The agent workspace in a real Chromium: log in, views, filter, ticket, reply, note, status,
conflict, bulk assign. Screenshots go to docs/screenshots/ when TICKETDESK_SCREENSHOTS=1."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, ContactFactory, make_agent, make_ticket
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import CannedResponse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shot(page: Page, name: str, *, full_page: bool = False) -> None:
    if os.environ.get("TICKETDESK_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        if full_page:
            page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=SHOTS / f"{name}.png", full_page=full_page)


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    shot(page, "login")
    page.get_by_label("Email or user name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My open tickets")).to_be_visible()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def desk(team, agent):
    colleague = make_agent(team, username="luca", first_name="Luca", last_name="Bianchi")
    emily = ContactFactory(name="Emily Chen", email="emily@acme.example", phone="+1 555 0100")
    mine = make_ticket(
        team=team,
        requester=emily,
        subject="Outlook keeps asking for my password",
        body="It started this morning and **blocks** my work.",
        tags=["outlook"],
        urgency=3,
    )
    actions.assign(mine, assignee=agent, actor=agent)
    actions.reply(mine, actor=agent, body="Thanks Emily, I'm looking into it now.")
    actions.add_note(mine, actor=colleague, body="Token expired at 09:12 — see the SSO logs.")
    vpn = make_ticket(team=team, subject="VPN disconnects every few minutes", tags=["vpn"])
    printer = make_ticket(team=team, subject="Printer on the 3rd floor is jammed")
    make_ticket(team=team, requester=emily, subject="Refund for a double charge", urgency=4)
    CannedResponse.objects.create(
        title="Restart first", body="Hi {{ requester.first_name }}, please restart and retry."
    )
    return {"colleague": colleague, "mine": mine, "vpn": vpn, "printer": printer}


def test_agent_works_a_ticket(page: Page, live_server, agent, desk):
    page.set_viewport_size({"width": 1280, "height": 860})
    log_in(page, live_server, agent.username)
    # the rail's live counts arrive by htmx
    rail = page.get_by_role("navigation", name="Ticket views")
    expect(rail.get_by_role("link", name=re.compile("Unassigned in my teams\\s*3"))).to_be_visible()
    rail.get_by_role("link", name=re.compile("Unassigned in my teams")).click()
    expect(page.locator("[data-row]")).to_have_count(3)
    shot(page, "ticket-list")
    # filter with the query syntax
    page.get_by_label("Search tickets").fill("tag:vpn")
    page.keyboard.press("Enter")
    expect(page.locator("[data-row]")).to_have_count(1)
    expect(page.locator("[data-row]")).to_contain_text("VPN disconnects")
    # open my ticket
    page.goto(f"{live_server.url}/?view=mine")
    page.get_by_role("link", name="Outlook keeps asking for my password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Outlook keeps asking for my password"
    )
    expect(page.locator(".entry.note")).to_contain_text("Token expired")
    # reply with a canned response, then send and set status
    page.get_by_label("Canned response").select_option(label="Restart first")
    expect(page.get_by_role("textbox", name="Message")).to_have_value(
        re.compile("Hi Emily, please restart")
    )
    page.locator("[data-file-input]").set_input_files(
        files=[{"name": "steps.txt", "mimeType": "text/plain", "buffer": b"1. restart"}]
    )
    expect(page.locator("[data-file-list]")).to_contain_text("steps.txt")
    page.get_by_label("and set status").select_option(label="Pending")
    page.get_by_role("button", name=re.compile("^Send")).click()
    expect(page.locator(".flash")).to_contain_text("Reply sent.")
    expect(page.get_by_role("link", name="steps.txt")).to_be_visible()
    expect(page.locator(".ticket-header .status")).to_have_text("Pending")
    # internal note via the keyboard
    page.keyboard.press("n")
    page.keyboard.type("Waiting for the customer to restart.")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".entry.note").last).to_contain_text("Waiting for the customer")
    shot(page, "ticket", full_page=True)
    # change the status in the side panel (htmx, no reload)
    page.get_by_label("Status", exact=True).select_option(label="Open")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#side-panel .saved")).to_have_text("Saved.")
    expect(page.locator(".ticket-header .status")).to_have_text("Open")
    expect(page.get_by_label("and set status").locator("option").first).to_have_text("keep “Open”")
    # a colleague changes the ticket meanwhile: saving shows the conflict, not an overwrite
    ticket = desk["mine"]
    ticket.refresh_from_db()
    while_the_server_reads(lambda: actions.set_fields(ticket, actor=desk["colleague"], impact=4))
    page.get_by_label("Urgency").select_option(label="Critical")
    page.get_by_role("button", name="Save changes").click()
    conflict = page.locator("[data-conflict]")
    expect(conflict).to_contain_text("Luca Bianchi changed impact from Medium to Critical")
    shot(page, "conflict")
    conflict.get_by_role("button", name="Apply my changes again").click()
    expect(page.locator("#side-panel .saved")).to_have_text("Saved.")
    ticket.refresh_from_db()
    assert (ticket.urgency, ticket.impact) == (4, 4)


def test_bulk_assign_and_new_ticket(page: Page, live_server, agent, desk):
    page.set_viewport_size({"width": 1280, "height": 860})
    log_in(page, live_server, agent.username)
    page.goto(f"{live_server.url}/?view=unassigned&sort=number&dir=asc")
    rows = page.locator("[data-row]")
    rows.nth(0).get_by_role("checkbox").check()
    rows.nth(1).get_by_role("checkbox").check()
    bulk = page.get_by_role("form", name="Bulk actions")
    expect(bulk).to_contain_text("2 selected")
    bulk.get_by_label("Assignee").select_option(label="Luca Bianchi")
    shot(page, "bulk-actions")
    bulk.get_by_role("button", name="Apply").click()
    expect(page.locator(".flash")).to_contain_text("2 tickets updated.")
    expect(page.locator("[data-row]")).to_have_count(1)
    # a phone call becomes a ticket
    page.get_by_role("link", name="New ticket").click()
    page.get_by_label("Requester email").fill("caller@example.org")
    page.get_by_label("Subject").fill("Laptop will not boot")
    page.get_by_label("Description").fill("Called at 9:00, blue screen.")
    shot(page, "new-ticket", full_page=True)
    page.get_by_role("button", name="Open ticket").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Laptop will not boot")
    expect(page.locator(".ticket-header")).to_contain_text("Phone")
    page.goto(f"{live_server.url}/profile/")
    shot(page, "profile", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/t/{desk['mine'].number}/")
    shot(page, "phone-ticket")


def while_the_server_reads(write, attempts=50):
    """The test database is SQLite in memory with a shared cache, where a write from the test's
    thread fails at once ("table is locked") while the live server's thread reads the table
    (a file database waits: busy_timeout). Try again for a few seconds."""
    import time

    from django.db import OperationalError

    for attempt in range(attempts):
        try:
            return write()
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.1)
    return None
