"""Issue 16's "done when", in a real Chromium: an admin sets up an empty installation through
the Settings area, the rule builder and the configuration page; a customer submits the
Hardware form in the portal; the ticket is routed and timed as configured; the exported
configuration, imported into a flushed (fresh) database, gives the same result.

The Hardware category is added in Settings → Classification; Ana is invited in Settings →
Agents, follows the link of the invitation mail (drained from the mail queue as the worker
would send it), chooses her password and lands in the workspace.

Steps not done through the UI, and why:
- Bruno, the customer and the admin are created with the factories (Bruno could be invited
  like Ana; once is enough for the journey); after the flush the admin and the customer are
  created again the same way (a fresh installation's first admin comes from
  `createsuperuser`).
- Bruno's one open ticket (so that least loaded must pick Ana) is made with the factory.
- the outbox (automation, routing, SLA consumers) is drained in the test thread, as the
  worker would; the clock is frozen (core.clock) around the submission so the due date is
  known: Thursday 24 December 16:30 UTC, one business hour to the first response on a
  Monday-Friday 09:00-17:00 calendar with Christmas (12-25) as a yearly holiday gives
  Monday 28 December 09:30 UTC.
- the "fresh installation" is the same test database flushed (`flush`) with the shipped
  configuration put back (`ensure_defaults`, as the migration does); the exported YAML is
  then uploaded and applied on /configuration/.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail as django_mail
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.automation.helpers import drain
from tests.factories import PASSWORD, make_agent, make_customer, make_ticket
from ticketdesk.accounts.models import AssignmentStrategy, Team, User
from ticketdesk.configuration.actions import import_configuration
from ticketdesk.core import clock, outbox
from ticketdesk.sla.models import TicketSLA
from ticketdesk.tickets import workflow
from ticketdesk.tickets.defaults import ensure_defaults
from ticketdesk.tickets.models import Status, Ticket, TicketType

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBMITTED_AT = dt.datetime(2026, 12, 24, 16, 30, tzinfo=dt.UTC)  # a Thursday
DUE_AT = dt.datetime(2026, 12, 28, 9, 30, tzinfo=dt.UTC)  # after Christmas and the weekend


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


def people() -> tuple[User, User]:
    """The installation's people (see the docstring): an admin and a customer."""
    admin = make_agent(None, role="admin", username="root", is_staff=True, is_superuser=True)
    make_customer(username="carla", email="carla@example.org")
    return admin, User.objects.get(username="carla")


def add_hardware_category(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/settings/")
    sections = page.get_by_role("navigation", name="Settings sections")
    sections.get_by_role("link", name="Classification").click()
    page.get_by_role("link", name="Add a category").click()
    page.locator("#id_name").fill("Hardware")
    page.get_by_label("Name (Brazilian Portuguese)").fill("Equipamento")
    page.get_by_role("button", name="Save the category").click()
    expect(page.get_by_text("The category “Hardware” is saved.")).to_be_visible()


def invite_ana(page: Page, live_server, admin: User) -> None:
    """The admin invites Ana; she follows the mail's link, sets a password, is in."""
    page.goto(f"{live_server.url}/settings/")
    sections = page.get_by_role("navigation", name="Settings sections")
    sections.get_by_role("link", name="Agents", exact=True).click()
    page.get_by_role("link", name="Invite an agent").click()
    page.get_by_label("First name").fill("Ana")
    page.get_by_label("Last name").fill("Souza")
    page.get_by_label("Email address").fill("ana@example.org")
    page.get_by_label("Agent", exact=True).check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("Ana Souza is invited")).to_be_visible()
    django_mail.outbox.clear()
    outbox.process_pending()  # the mail sender, as the worker runs it after the commit
    (sent,) = [m for m in django_mail.outbox if "ana@example.org" in m.to]
    path = re.search(r"https?://[^/\s]+(/accounts/invitation/\S+/)", sent.body).group(1)
    page.context.clear_cookies()
    page.goto(live_server.url + path)
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    page.locator("#id_new_password1").fill("Ana's new password 42")
    page.locator("#id_new_password2").fill("Ana's new password 42")
    page.get_by_role("button", name="Set my password").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_text("Welcome, Ana Souza: your password is set.")).to_be_visible()
    log_in(page, live_server, admin.username)


def build_form(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/settings/")
    page.get_by_role("link", name="Edit the forms").click()
    page.get_by_role("link", name="Add a field").click()
    page.locator("#id_label").fill("Asset tag")
    page.get_by_label("Pattern").fill(r"^LT-\d{4}$")
    page.get_by_label("Required").check()
    page.get_by_label("Asked in the portal").check()
    page.get_by_label("Show only when the category is").select_option(label="Hardware")
    page.get_by_label("Help text", exact=True).fill(
        "On the sticker under the laptop, e.g. LT-0042."
    )
    page.get_by_role("button", name="Save the field").click()
    expect(page.get_by_text("The field “Asset tag” is saved.")).to_be_visible()


def build_workflow(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/settings/workflow/")
    page.get_by_role("link", name="Add a status").click()
    page.locator("#id_name").fill("Verification")
    page.locator("#id_category").select_option("open")
    page.get_by_role("button", name=re.compile("Save")).click()
    expect(page.get_by_text("The status “Verification” is saved.")).to_be_visible()
    page.get_by_label("From In progress to Verification").check()
    page.get_by_label("From Verification to Resolved").check()
    page.get_by_role("button", name="Save the moves").click()
    expect(page.get_by_text("2 moves added")).to_be_visible()


def build_sla(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/settings/sla/calendars/new/")
    page.locator("#id_name").fill("Office")
    page.get_by_label("Time zone").fill("UTC")
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
        page.get_by_label(day).fill("09:00-17:00")
    page.get_by_label("Holidays every year").fill("12-25 Christmas")
    page.get_by_role("button", name="Save the calendar").click()
    expect(page.get_by_text("The calendar “Office” is saved.")).to_be_visible()

    page.goto(f"{live_server.url}/settings/sla/policies/new/")
    page.locator("#id_name").fill("Hardware")
    page.get_by_label("Business calendar").select_option(label="Office")
    page.locator("#id_first_response_minutes").fill("60")
    page.get_by_label("Categories").select_option(label="Hardware")
    page.get_by_role("button", name="Save the policy").click()
    expect(page.get_by_text("The policy “Hardware” is saved.")).to_be_visible()


def build_team(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/settings/teams/new/")
    page.locator("#id_name").fill("Hardware desk")
    page.get_by_label("Least loaded").check()
    page.get_by_label("Ana Souza is a member").check()
    page.get_by_label("Bruno Lima is a member").check()
    page.get_by_role("button", name="Save the team").click()
    expect(page.get_by_text("The team “Hardware desk” is saved.")).to_be_visible()


def build_rule(page: Page, live_server) -> None:
    from tests.automation.test_browser import change

    page.goto(f"{live_server.url}/automation/")
    page.click("text=New rule")
    page.wait_for_load_state("load")
    page.fill("#id_name", "Hardware to the hardware desk")
    page.select_option("#id_trigger", "ticket_created")
    change(page, "#id_cond-0-field", "category")
    change(page, "#id_cond-0-operator", "is")
    page.select_option("#id_cond-0-value", label="Hardware")
    change(page, "#id_step-0-type", "set_field")
    change(page, "#id_step-0-target", "team")
    page.select_option("#id_step-0-value", label="Hardware desk")
    page.click("text=Save rule")
    page.wait_for_url("**/automation/")
    expect(page.locator("table.rules")).to_contain_text("Hardware to the hardware desk")


def submit_in_portal(page: Page, live_server) -> Ticket:
    """Carla submits the Hardware form: a wrong asset tag is refused, naming the field."""
    log_in(page, live_server, "carla", portal=True)
    kind = TicketType.objects.filter(active=True).order_by("order", "id").first()
    assert kind is not None
    page.goto(f"{live_server.url}/portal/new/{kind.key}/")
    tag = page.get_by_label("Asset tag")
    expect(tag).to_be_hidden()  # conditional: only for Hardware
    page.get_by_label("Category").select_option(label="Hardware")
    expect(tag).to_be_visible()
    page.get_by_label("Subject").fill("Laptop does not boot")
    page.get_by_label("Description").fill("Black screen since this morning.")
    tag.fill("LT-42")
    page.get_by_role("button", name="Submit request").click()
    tag = page.get_by_label("Asset tag")
    expect(tag).to_have_attribute("aria-invalid", "true")
    described = (tag.get_attribute("aria-describedby") or "").split()
    texts = [page.locator(f"#{ident}").inner_text() for ident in described]
    assert any("Enter a value in the expected format." in t for t in texts), texts
    assert not Ticket.objects.filter(subject="Laptop does not boot").exists()
    tag.fill("LT-0042")
    with clock.frozen(SUBMITTED_AT):
        page.get_by_role("button", name="Submit request").click()
        expect(page).to_have_url(re.compile(r"/portal/tickets/\d+/\?created=1"))
        drain()  # automation sets the team, routing picks the agent, the SLA clock starts
    return Ticket.objects.select_related("team", "assignee", "category").get(
        subject="Laptop does not boot"
    )


def assert_routed_and_timed(ticket: Ticket) -> None:
    verification = Status.objects.get(name="Verification")
    assert workflow.is_allowed(Status.objects.get(key="in-progress"), verification)
    assert workflow.is_allowed(verification, Status.objects.get(key="resolved"))
    assert ticket.custom_fields == {"asset_tag": "LT-0042"}
    assert ticket.category.name == "Hardware"
    assert ticket.team.name == "Hardware desk"
    assert ticket.team.assignment_strategy == AssignmentStrategy.LEAST_LOADED
    assert ticket.assignee is not None and ticket.assignee.username == "ana"  # Bruno has one
    sla = TicketSLA.objects.select_related("policy").get(ticket=ticket)
    assert sla.policy is not None and sla.policy.name == "Hardware"
    due = dt.datetime.fromisoformat(sla.metrics["first_response"]["due_at"])
    assert due == DUE_AT


def load_bruno() -> None:
    """Bruno already works one open ticket of the team, so least loaded must choose Ana."""
    team = Team.objects.get(name="Hardware desk")
    make_ticket(team=team, assignee=User.objects.get(username="bruno"), subject="Old one")
    drain()


def test_admin_sets_up_an_empty_desk_and_the_configuration_travels(page: Page, live_server):
    admin, _carla = people()
    make_agent(None, username="bruno", first_name="Bruno", last_name="Lima")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_default_timeout(10_000)
    log_in(page, live_server, admin.username)
    invite_ana(page, live_server, admin)
    add_hardware_category(page, live_server)
    build_form(page, live_server)
    build_workflow(page, live_server)
    build_sla(page, live_server)
    build_team(page, live_server)
    build_rule(page, live_server)
    load_bruno()

    ticket = submit_in_portal(page, live_server)
    assert_routed_and_timed(ticket)

    # export (the download of /configuration/), then a dry run into the same database
    log_in(page, live_server, admin.username)
    page.goto(f"{live_server.url}/configuration/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the configuration (YAML)").click()
    exported = download.value.path().read_text()
    assert "Verification" in exported and "Christmas" in exported and "LT-" in exported
    assert not import_configuration(exported, actor=None, dry_run=True).has_changes
    page.locator("#config-file").set_input_files(str(download.value.path()))
    page.get_by_role("button", name="Show the changes").click()
    expect(
        page.get_by_text("No changes: this installation already matches the file.")
    ).to_be_visible()

    # a fresh installation: everything flushed, the shipped configuration back
    call_command("flush", interactive=False, verbosity=0)
    ensure_defaults()
    admin, _carla = people()
    assert not Team.objects.exists()
    log_in(page, live_server, admin.username)
    page.goto(f"{live_server.url}/configuration/")
    page.locator("#config-file").set_input_files(str(download.value.path()))
    page.get_by_role("button", name="Show the changes").click()
    page.get_by_role("button", name="Apply these changes").click()
    expect(page.get_by_text("The configuration was applied.")).to_be_visible()
    assert not import_configuration(exported, actor=None, dry_run=True).has_changes
    load_bruno()

    ticket = submit_in_portal(page, live_server)
    assert_routed_and_timed(ticket)
