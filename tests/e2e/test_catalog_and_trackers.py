"""Issue 15 in a real Chromium: an employee requests a laptop from the catalog and the
manager approves it from the e-mailed link; an agent creates a GitHub issue from a customer's
bug report and the fake GitHub's "closed" webhook moves the ticket to verification and tells
the customer."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail as django_mail
from django.test import Client
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, ContactFactory, make_customer, make_ticket
from tests.trackers import fake_trackers
from ticketdesk.catalog.models import (
    ApprovalStep,
    ApproverKind,
    FieldKind,
    RequestField,
    RequestType,
)
from ticketdesk.core import outbox
from ticketdesk.tickets.models import Message, Ticket
from ticketdesk.trackers import calls
from ticketdesk.trackers.models import TrackerConnection, TrackerKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_laptop_request_approved_by_the_manager_from_the_email_link(page: Page, live_server, team):
    _manager_user, manager = make_customer(username="marco", email="marco@example.org")
    user, employee = make_customer(username="elena", email="elena@example.org")
    employee.manager = manager
    employee.save()
    laptop = RequestType.objects.create(key="new-laptop", name="New laptop", team=team)
    RequestField.objects.create(
        request_type=laptop, key="model", label="Model", kind=FieldKind.CHOICE,
        choices=["13-inch", "15-inch"], required=True,
    )  # fmt: skip
    ApprovalStep.objects.create(request_type=laptop, order=1, kind=ApproverKind.MANAGER)

    page.goto(f"{live_server.url}/portal/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.goto(f"{live_server.url}/catalog/")
    page.get_by_role("link", name=re.compile("New laptop")).click()
    page.get_by_role("button", name="Submit request").click()
    expect(page.locator(".field-error").first).to_be_visible()  # the model is required
    page.get_by_label("Model").select_option("15-inch")
    page.get_by_role("button", name="Submit request").click()
    expect(page).to_have_url(re.compile(r"/portal/tickets/\d+/$"))
    ticket = Ticket.objects.select_related("status").get()
    assert ticket.status.key == "awaiting-approval"

    django_mail.outbox.clear()
    outbox.process_pending()
    (sent,) = [m for m in django_mail.outbox if "marco@example.org" in m.to]
    path = re.search(r"https?://[^/]+(/catalog/approve/\S+/)", sent.body).group(1)
    page.context.clear_cookies()  # the manager is not signed in: the link is enough
    page.goto(live_server.url + path)
    expect(page.get_by_text("15-inch")).to_be_visible()
    page.get_by_label("Comment (optional)").fill("Fine by me")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("heading", name="You approved the request")).to_be_visible()
    ticket.refresh_from_db()
    assert ticket.status_category == "open"


@pytest.fixture
def fake():
    state, server = fake_trackers.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def test_bug_report_to_github_issue_closed_by_webhook(page: Page, live_server, team, agent, fake):
    github = TrackerConnection.objects.create(
        name="App", kind=TrackerKind.GITHUB, api_url=fake.url, web_url="https://github.com",
        project="acme/app", token="tok", webhook_secret="hush", allow_private=True,
    )  # fmt: skip
    customer = ContactFactory(email="carla@example.org", name="Carla")
    ticket = make_ticket(team=team, requester=customer, subject="Export crashes on save")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email or user name").fill(agent.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/t/{ticket.number}/")
    panel = page.locator("#tracker-panel")
    expect(panel.get_by_role("heading", name="Developer issues")).to_be_visible()
    panel.get_by_text("Create an issue").click()
    panel.get_by_role("button", name="Create issue").click()
    expect(page.locator("#tracker-panel").get_by_text("Being created")).to_be_visible()

    assert calls.send_due() == 1
    assert fake.calls[0].body["title"] == "Export crashes on save"
    issue = dict(fake.issues[("github", "acme/app#1")], state="closed", state_reason="completed")
    body = json.dumps(fake_trackers.github_issues_event("acme/app", issue, "closed")).encode()
    answer = Client().post(
        f"/trackers/hooks/{github.pk}/",
        body,
        content_type="application/json",
        headers={
            "X-GitHub-Event": "issues",
            "X-Hub-Signature-256": fake_trackers.github_signature("hush", body),
        },
    )
    assert answer.status_code == 200
    page.reload()
    expect(page.locator("#tracker-panel").get_by_text("Closed")).to_be_visible()
    ticket.refresh_from_db()
    assert ticket.status.key == "fix-released"
    assert Message.objects.filter(ticket=ticket, kind="public", author_user=agent).exists()
    django_mail.outbox.clear()
    outbox.process_pending()
    assert any("carla@example.org" in m.to for m in django_mail.outbox)
