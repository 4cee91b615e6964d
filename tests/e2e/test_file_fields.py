"""A field of type "file" in a real Chromium: the admin adds it to the request form with the
allowed types (the inputs other types use are hidden), a customer submits the portal form
with a wrong file (refused on that field), then with a right one, and the agent sees the
file on the ticket; at 375 px. Also: the side panel names what a status requires as soon as
it is picked."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, make_agent, make_customer, make_ticket
from ticketdesk.tickets.models import (
    Attachment,
    Category,
    CustomFieldDefinition,
    Ticket,
    TicketType,
    Transition,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def log_in(page: Page, live_server, username: str, *, portal: bool = False) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/{'portal' if portal else 'accounts'}/login/")
    page.get_by_label("Email or user name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width


def test_a_file_field_from_the_builder_to_the_agent(page: Page, live_server, tmp_path, team):
    CustomFieldDefinition.objects.all().delete()
    admin = make_agent(team, role="admin", username="root")
    make_customer(username="carla", email="carla@example.org")
    kind = TicketType.objects.filter(active=True).order_by("order", "id").first()
    assert kind is not None

    log_in(page, live_server, admin.username)
    page.goto(f"{live_server.url}/settings/fields/new/?type={kind.key}")
    page.locator("#id_label").fill("Receipt")
    pattern = page.get_by_label("Pattern")
    allowed = page.get_by_label("Accepted files")
    expect(pattern).to_be_visible()
    expect(allowed).to_be_hidden()  # only a file field uses it
    page.locator("#id_field_type").select_option("file")
    expect(pattern).to_be_hidden()
    expect(page.get_by_label("Choices", exact=True)).to_be_hidden()
    expect(allowed).to_be_visible()
    allowed.fill(".pdf")
    page.get_by_label("Largest file (MB)").fill("1")
    page.get_by_role("button", name="Save the field").click()
    expect(page.get_by_text("The field “Receipt” is saved.")).to_be_visible()
    field = CustomFieldDefinition.objects.get(key="receipt")
    assert field.field_type == "file" and field.allowed_file_types == ".pdf"
    assert field.max_file_bytes == 1024 * 1024 and field.visible_to_customers

    # the customer, on a phone
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, live_server, "carla", portal=True)
    page.goto(f"{live_server.url}/portal/new/{kind.key}/")
    page.get_by_label("Subject").fill("Refund for the adapter")
    page.get_by_label("Description").fill("It broke after a day.")
    wrong = tmp_path / "notes.txt"
    wrong.write_text("not a receipt\n")
    page.get_by_label("Receipt").set_input_files(str(wrong))
    no_sideways_scroll(page)
    page.get_by_role("button", name="Submit request").click()
    error = page.locator("#id_cf_receipt_error")
    expect(error).to_contain_text("This type of file is not accepted here. Accepted: .pdf.")
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    right = tmp_path / "receipt.pdf"
    right.write_bytes(PDF)
    page.get_by_label("Description").fill("It broke after a day.")
    page.get_by_label("Receipt").set_input_files(str(right))
    page.get_by_role("button", name="Submit request").click()
    expect(page.get_by_role("link", name="receipt.pdf")).to_be_visible()
    no_sideways_scroll(page)
    ticket = Ticket.objects.get()
    attachment = Attachment.objects.get()
    assert ticket.custom_fields == {"receipt": attachment.pk}

    # the agent sees the file in the side panel and opens it
    log_in(page, live_server, admin.username)
    page.goto(f"{live_server.url}/t/{ticket.number}/")
    link = page.locator("#side-panel").get_by_role("link", name="receipt.pdf")
    expect(link).to_be_visible()
    assert link.get_attribute("href") == f"/files/{attachment.pk}/"
    no_sideways_scroll(page)


def test_the_side_panel_names_the_required_fields_when_the_status_is_picked(
    page: Page, live_server, team
):
    agent = make_agent(team, username="ana", first_name="Ana", last_name="Souza")
    Category.objects.create(name="Hardware")
    move = Transition.objects.get(from_status__key="new", to_status__key="pending")
    move.required_fields = ["category"]
    move.save()
    ticket = make_ticket(team=team, subject="Screen flickers")
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, live_server, agent.username)
    page.goto(f"{live_server.url}/t/{ticket.number}/")
    panel = page.locator("#side-panel")
    hint = panel.locator(".requirement-hint")
    expect(hint).to_be_hidden()
    panel.get_by_label("Status", exact=True).select_option(label="Pending")
    # before any save: the fields to fill in are named and marked
    expect(hint).to_be_visible()
    expect(hint).to_have_text("To move the ticket to “Pending”, fill in: Category.")
    category = panel.get_by_label("Category")
    expect(category).to_have_attribute("aria-required", "true")
    expect(panel.locator(".field.required-now")).to_have_count(1)
    category.select_option(label="Hardware")
    panel.get_by_role("button", name="Save changes").click()
    expect(page.locator("#side-panel .saved")).to_have_text("Saved.")
    ticket.refresh_from_db()
    assert ticket.status.key == "pending" and ticket.category.name == "Hardware"
    # picking another status hides the hint again
    panel.get_by_label("Status", exact=True).select_option(label="Pending")
    expect(panel.locator(".requirement-hint:visible")).to_have_count(0)


def test_the_composers_status_menu_names_the_required_fields_too(page: Page, live_server, team):
    """Found by the new-user walk: "and set status" in the reply box said nothing until the
    reply was refused."""
    agent = make_agent(team, username="ana", first_name="Ana", last_name="Souza")
    move = Transition.objects.get(from_status__key="new", to_status__key="pending")
    move.required_fields = ["category"]
    move.save()
    ticket = make_ticket(team=team, subject="Screen flickers")
    log_in(page, live_server, agent.username)
    page.goto(f"{live_server.url}/t/{ticket.number}/")
    page.locator("#send-status").select_option(label="Pending")
    note = page.locator(".requirement-hint-composer")
    expect(note).to_be_visible()
    expect(note).to_have_text("To move the ticket to “Pending”, fill in: Category.")
    expect(page.locator("#side-panel .field.required-now")).to_have_count(1)
    page.locator("#send-status").select_option(index=0)  # keep the status
    expect(note).to_be_hidden()
