"""An administrator erases a contact through the privacy pages in a real Chromium: find the
contact, open the erase page, a wrong confirmation is refused, the right one erases."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, ContactFactory, make_agent, make_ticket
from ticketdesk.accounts.models import Contact
from ticketdesk.audit.models import AuditEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_admin_erases_a_contact_after_confirming(page: Page, live_server, team):
    admin = make_agent(None, role="admin", username="root", is_staff=True, is_superuser=True)
    emily = ContactFactory(name="Emily Chen", email="emily@acme.example", phone="+1 555 0100")
    ticket = make_ticket(team=team, requester=emily, subject="Emily Chen cannot log in")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email or user name").fill(admin.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    page.get_by_role("link", name="Personal data of a contact").click()
    page.get_by_label("Contact's email address").fill("EMILY@acme.example")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("heading", name="Emily Chen")).to_be_visible()
    page.get_by_role("link", name=re.compile("Erase this contact")).click()
    expect(page.get_by_role("heading", name="Erase Emily Chen?")).to_be_visible()

    # the confirmation must be the contact's address: anything else erases nothing
    page.get_by_label(re.compile("to confirm")).fill("someone@else.example")
    page.get_by_role("button", name="Erase for good").click()
    expect(page.get_by_role("alert")).to_contain_text("Type the contact's email address")
    assert Contact.objects.get(pk=emily.pk).email == "emily@acme.example"

    page.get_by_label(re.compile("to confirm")).fill("emily@acme.example")
    page.get_by_role("button", name="Erase for good").click()
    expect(page.get_by_text(f"they are now “Erased contact {emily.pk}”")).to_be_visible()
    emily.refresh_from_db()
    assert emily.name == f"Erased contact {emily.pk}" and emily.phone == ""
    ticket.refresh_from_db()
    assert "Emily" not in ticket.subject and ticket.number == ticket.number

    # the audit log shows the erasure, without her name
    page.goto(f"{live_server.url}/privacy/audit/?action=privacy.erased")
    row = page.locator("table.audit-log tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"Erased contact {emily.pk}")
    expect(row).not_to_contain_text("Emily")
    assert AuditEntry.objects.get(action="privacy.erased").actor_id == admin.pk
