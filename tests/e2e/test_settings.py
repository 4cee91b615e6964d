"""The Settings area's form builder in a real Chromium: an admin adds a field with a pattern
and a category condition, sees it in the live preview, reorders fields by dragging and with
the keyboard, on a desktop and at 375 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD
from ticketdesk.tickets.models import Category, CustomFieldDefinition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email or user name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My open tickets")).to_be_visible()


def test_admin_builds_a_form(page: Page, live_server, admin_user):
    # the Bug type's shipped fields (assets' data migration) would sit between these in the
    # global order this test asserts
    CustomFieldDefinition.objects.all().delete()
    Category.objects.create(name="Hardware")
    CustomFieldDefinition.objects.create(key="first", label="First", field_type="text", order=1)
    CustomFieldDefinition.objects.create(key="second", label="Second", field_type="text", order=2)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, admin_user.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    page.get_by_role("link", name="Edit the forms").click()
    page.get_by_role("link", name="Add a field").click()

    page.locator("#id_label").fill("Serial number")
    page.get_by_label("Pattern").fill("[A-Z]{3}-[0-9]+")
    page.get_by_label("Required").check()
    page.get_by_label("Show only when the category is").select_option(label="Hardware")
    preview = page.locator("#preview")
    # the live preview shows the field as typed, before it is saved
    expect(preview.locator('[data-audience="agent"]').get_by_label("Serial number")).to_be_visible()
    expect(preview).to_contain_text("Must match [A-Z]{3}-[0-9]+.")
    expect(preview).to_contain_text("Shown only when the category is Hardware.")
    page.get_by_role("button", name="Save the field").click()
    expect(page.get_by_text("The field “Serial number” is saved.")).to_be_visible()
    serial = CustomFieldDefinition.objects.get(key="serial_number")
    assert serial.pattern == "[A-Z]{3}-[0-9]+" and serial.required
    assert serial.show_when_category.name == "Hardware"

    rows = page.locator("[data-sortable] > li")
    expect(rows).to_have_count(3)
    # keyboard: focus "Move Serial number up" and press Enter twice; the focus stays on it
    up = page.get_by_role("button", name="Move “Serial number” up")
    up.focus()
    page.keyboard.press("Enter")
    expect(rows.nth(1)).to_contain_text("Serial number")
    expect(up).to_be_focused()
    page.keyboard.press("Enter")
    expect(rows.nth(0)).to_contain_text("Serial number")
    order = list(CustomFieldDefinition.objects.order_by("order").values_list("key", flat=True))
    assert order == ["serial_number", "first", "second"]

    # drag and drop: "Second" onto the top
    rows.nth(2).locator(".drag-handle").drag_to(rows.nth(0), target_position={"x": 20, "y": 2})
    expect(rows.nth(0)).to_contain_text("Second")
    expect(page.locator("#preview .preview-field").first).to_contain_text("Second")
    order = list(CustomFieldDefinition.objects.order_by("order").values_list("key", flat=True))
    assert order[0] == "second"

    # at 375 px nothing overflows sideways
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.get_by_role("link", name=re.compile("Serial number")).click()
    expect(page.get_by_label("Pattern")).to_have_value("[A-Z]{3}-[0-9]+")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_the_portal_shows_a_conditional_field_only_for_its_category(page: Page, live_server):
    from tests.factories import make_customer
    from ticketdesk.tickets.models import TicketType

    hardware = Category.objects.create(name="Hardware")
    Category.objects.create(name="Software")
    CustomFieldDefinition.objects.create(
        key="serial",
        label="Serial number",
        field_type="text",
        required=True,
        pattern="[A-Z]{3}-[0-9]+",
        show_when_category=hardware,
    )
    make_customer(username="carla", email="carla@example.org")
    kind = TicketType.objects.filter(active=True).order_by("order", "id").first()
    page.goto(f"{live_server.url}/portal/login/")
    page.get_by_label("Email or user name").fill("carla")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/portal/new/{kind.key}/")
    serial = page.get_by_label("Serial number")
    expect(serial).to_be_hidden()
    page.get_by_label("Category").select_option(label="Hardware")
    expect(serial).to_be_visible()
    page.get_by_label("Subject").fill("Laptop broken")
    page.get_by_label("Description").fill("The screen is black.")
    serial.fill("bad")
    page.get_by_role("button", name="Submit request").click()
    expect(page.get_by_text("Enter a value in the expected format.")).to_be_visible()
    page.get_by_label("Serial number").fill("ABC-123")
    page.get_by_role("button", name="Submit request").click()
    expect(page).to_have_url(re.compile(r"/portal/tickets/\d+/\?created=1"))
    from ticketdesk.tickets.models import Ticket

    assert Ticket.objects.get(subject="Laptop broken").custom_fields == {"serial": "ABC-123"}


@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("pt-br", 375), ("it", 375)])
def test_every_settings_page_fits_is_translated_and_accessible(
    page_census, admin_user, language, width
):
    """The census's checks (tests/web/test_page_census.py) on the Settings pages, with
    something in each: no overflow at 375 px, no untranslated text, no serious axe finding."""
    from django.urls import reverse

    from ticketdesk.accounts.models import Team
    from ticketdesk.sla.models import BusinessCalendar, SLAPolicy, SLATarget
    from ticketdesk.tickets.models import Status

    hardware = Category.objects.create(name="Hardware")
    field = CustomFieldDefinition.objects.create(
        key="device",
        label="Device",
        field_type="choice",
        choices=["Laptop", "Desktop"],
        required=True,
        show_when_category=hardware,
    )
    calendar = BusinessCalendar.objects.create(name="Office", time_zone="Europe/Rome")
    policy = SLAPolicy.objects.create(name="VIP customers", priorities=[4], calendar=calendar)
    SLATarget.objects.create(policy=policy, metric="first_response", minutes=30)
    team = Team.objects.create(name="Hardware desk", slug="hardware-desk")
    pages = [
        reverse(f"workspace:settings:{name}")
        for name in (
            "index",
            "fields",
            "field_new",
            "workflow",
            "status_new",
            "priorities",
            "sla",
            "calendar_new",
            "policy_new",
            "teams",
            "team_new",
        )
    ] + [
        reverse("workspace:settings:field_edit", args=[field.pk]),
        reverse("workspace:settings:status_edit", args=[Status.objects.first().pk]),
        reverse("workspace:settings:calendar_edit", args=[calendar.pk]),
        reverse("workspace:settings:policy_edit", args=[policy.pk]),
        reverse("workspace:settings:team_edit", args=[team.pk]),
        reverse("workspace:settings:agent_routing", args=[admin_user.pk]),
    ]
    problems = page_census(pages, language, width)
    assert not problems, problems


def test_admin_puts_a_multi_choice_field_in_a_section_and_the_portal_asks_it(
    page: Page, live_server, admin_user
):
    """The builder adds a section and a multiple-choice field in it; both previews (the
    agent's and the portal's) show it under the section's name, at 375 px too; a customer
    sees it in the portal as a fieldset with that legend and ticks two values."""
    from tests.factories import make_customer
    from ticketdesk.tickets.models import FieldSection, Ticket, TicketType

    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/settings/fields/")
    page.get_by_label("Section name").fill("Device")
    page.get_by_role("button", name="Add the section").click()
    expect(page.get_by_text("The section “Device” is saved.")).to_be_visible()

    page.get_by_role("link", name="Add a field").click()
    page.locator("#id_label").fill("Operating systems")
    page.get_by_label("Type").select_option(label="Multiple choice")
    page.get_by_label("Choices", exact=True).fill("win | Windows\nmac | macOS\nlinux | Linux")
    page.get_by_label("Section", exact=True).select_option(label="Device")
    for audience in ("agent", "portal"):
        pane = page.locator(f'#preview [data-audience="{audience}"]')
        group = pane.get_by_role("group", name="Device")
        expect(group.get_by_label("macOS")).to_be_visible()
    page.set_viewport_size({"width": 375, "height": 800})
    expect(page.locator('#preview [data-audience="portal"]').get_by_label("Linux")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.get_by_role("button", name="Save the field").click()
    expect(page.get_by_text("The field “Operating systems” is saved.")).to_be_visible()
    field = CustomFieldDefinition.objects.get(key="operating_systems")
    assert field.field_type == "multi_choice" and field.section == FieldSection.objects.get()

    make_customer(username="carla", email="carla@example.org")
    kind = TicketType.objects.filter(active=True).order_by("order", "id").first()
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/portal/login/")
    page.get_by_label("Email or user name").fill("carla")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/portal/new/{kind.key}/")
    device = page.get_by_role("group", name="Device")
    expect(device).to_be_visible()
    device.get_by_label("Windows").check()
    device.get_by_label("Linux").check()
    page.get_by_label("Subject").fill("Dual boot broken")
    page.get_by_label("Description").fill("GRUB is gone.")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.get_by_role("button", name="Submit request").click()
    expect(page).to_have_url(re.compile(r"/portal/tickets/\d+/\?created=1"))
    ticket = Ticket.objects.get(subject="Dual boot broken")
    assert ticket.custom_fields["operating_systems"] == ["win", "linux"]
