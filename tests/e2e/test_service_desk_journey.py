"""Issue 15's service desk journey in one real Chromium, through the UI only: an employee
requests a laptop from the portal catalog, the manager approves it from the e-mailed link, an
IT agent creates the new laptop on /assets/, links it to the ticket, logs time and resolves
the ticket; the team lead then sees the time on the time report and the ticket counted for
the laptop on the tickets-per-item report."""

from __future__ import annotations

import re

import pytest
from django.core import mail as django_mail
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, make_agent, make_customer
from ticketdesk.accounts.models import TeamMembership
from ticketdesk.assets.models import AffectedItem, Item, ItemType
from ticketdesk.catalog.models import (
    ApprovalStep,
    ApproverKind,
    FieldKind,
    RequestField,
    RequestType,
)
from ticketdesk.core import outbox
from ticketdesk.tickets.models import Ticket
from ticketdesk.timetracking.models import TimeEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _log_in_staff(page: Page, url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Email or user name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My open tickets")).to_be_visible()


def _request_a_laptop(page: Page, url: str, username: str) -> Ticket:
    page.context.clear_cookies()
    page.goto(f"{url}/portal/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.goto(f"{url}/catalog/")
    page.get_by_role("link", name=re.compile("New laptop")).click()
    page.get_by_label("Model").select_option("15-inch")
    page.get_by_role("button", name="Submit request").click()
    expect(page).to_have_url(re.compile(r"/portal/tickets/\d+/$"))
    ticket = Ticket.objects.select_related("status").get()
    assert ticket.status.key == "awaiting-approval"
    return ticket


def _approve_from_the_mail(page: Page, url: str, manager_email: str) -> None:
    django_mail.outbox.clear()
    outbox.process_pending()
    (sent,) = [m for m in django_mail.outbox if manager_email in m.to]
    path = re.search(r"https?://[^/]+(/catalog/approve/\S+/)", sent.body).group(1)
    page.context.clear_cookies()  # the manager is not signed in: the link is enough
    page.goto(url + path)
    expect(page.get_by_text("15-inch")).to_be_visible()
    page.get_by_label("Comment (optional)").fill("Fine by me")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("heading", name="You approved the request")).to_be_visible()


def _create_the_laptop(page: Page, url: str) -> Item:
    page.goto(f"{url}/assets/")
    page.get_by_role("link", name="New item").click()
    page.get_by_label("Name").fill("Elena's laptop")
    page.get_by_label("Type").select_option(label="Laptop")
    page.get_by_label("Identifier").fill("LT-0042")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Elena's laptop")).to_be_visible()
    return Item.objects.get(identifier="LT-0042")


def test_laptop_requested_approved_fulfilled_and_reported(page: Page, live_server, team, agent):
    url = live_server.url
    _manager_user, manager = make_customer(username="marco", email="marco@example.org")
    user, employee = make_customer(username="elena", email="elena@example.org")
    employee.manager = manager
    employee.save()
    lead = make_agent(team, username="lena", first_name="Lena", last_name="Costa")
    TeamMembership.objects.filter(user=lead, team=team).update(is_lead=True)
    ItemType.objects.create(key="laptop", name="Laptop")
    laptop = RequestType.objects.create(key="new-laptop", name="New laptop", team=team)
    RequestField.objects.create(
        request_type=laptop, key="model", label="Model", kind=FieldKind.CHOICE,
        choices=["13-inch", "15-inch"], required=True,
    )  # fmt: skip
    ApprovalStep.objects.create(request_type=laptop, order=1, kind=ApproverKind.MANAGER)

    # the employee asks, the manager approves from the mail
    ticket = _request_a_laptop(page, url, user.username)
    _approve_from_the_mail(page, url, "marco@example.org")
    ticket.refresh_from_db()
    assert ticket.status_category == "open"

    # IT (ana) opens the ticket, creates the new laptop and links it
    _log_in_staff(page, url, agent.username)
    page.goto(f"{url}/?view=unassigned")
    page.get_by_role("link", name=ticket.subject).click()
    expect(page).to_have_url(re.compile(rf"/t/{ticket.number}/"))
    page.locator("[data-shortcut-assign] button").click()  # she takes it
    expect(page.locator(".ticket-header")).to_contain_text("Assigned to Ana Souza")
    item = _create_the_laptop(page, url)
    page.goto(f"{url}/t/{ticket.number}/")
    panel = page.locator("#affected-items")
    expect(panel).to_contain_text("No affected items.")
    panel.locator("summary", has_text="Link an item").click()
    panel.get_by_label("Identifier or exact name").fill("LT-0042")
    panel.get_by_role("button", name="Link").click()
    expect(
        page.locator("#affected-items").get_by_role("link", name=re.compile("LT-0042"))
    ).to_be_visible()
    assert AffectedItem.objects.filter(ticket=ticket, item=item).exists()

    # she logs the time spent setting it up
    card = page.locator("#time")
    card.locator("summary", has_text="Log time").click()
    card.get_by_label("Time spent").fill("1h15")
    card.get_by_label("Note").first.fill("Imaged and enrolled the laptop")
    card.get_by_role("button", name="Log time").click()
    expect(page.locator("#time")).to_contain_text("75 min logged")

    # and resolves the ticket
    page.locator("#resolve summary").click()
    page.locator("#resolve_resolution_summary").fill("Laptop LT-0042 handed over to Elena.")
    page.get_by_role("button", name="Resolve ticket").click()
    expect(page.locator(".resolution-card")).to_contain_text("Laptop LT-0042 handed over")
    ticket.refresh_from_db()
    assert ticket.status_category == "resolved" and ticket.assignee_id == agent.pk
    assert list(TimeEntry.objects.values_list("ticket_id", "agent_id", "minutes")) == [
        (ticket.pk, agent.pk, 75)
    ]

    # the team lead sees the time and the ticket per item in the reports
    _log_in_staff(page, url, lead.username)
    page.goto(f"{url}/time/report/")
    row = page.locator("tbody tr", has_text="Ana Souza")
    expect(row.locator("td").nth(1)).to_have_text("1:15")
    expect(row.locator("td").nth(4)).to_have_text("1")
    page.goto(f"{url}/assets/report/")
    row = page.locator("tbody tr", has_text="LT-0042")
    expect(row.locator("td").nth(1)).to_have_text("Laptop")
    expect(row.locator("td").nth(2)).to_have_text("1")  # tickets
    expect(row.locator("td").nth(3)).to_have_text("0")  # open: it is resolved
    row.get_by_role("link").click()  # the item's page lists the ticket
    tickets = page.locator("section[aria-labelledby=tickets-title]")
    expect(tickets.get_by_role("link", name=re.compile(re.escape(ticket.subject)))).to_be_visible()
    expect(tickets).to_contain_text("Ana Souza")
