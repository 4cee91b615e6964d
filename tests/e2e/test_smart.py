"""Issue 18 in a real Chromium: a new email about a VPN outage gets the suggested team and
category with the reason, shows the open VPN problem record and similar solved tickets, and
the agent applies the team in one click."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.email.conftest import make_mail
from tests.factories import PASSWORD, make_ticket
from tests.smart.helpers import build_desk
from ticketdesk.channels.email.ingest import ingest
from ticketdesk.channels.email.models import InboundState, Mailbox
from ticketdesk.smart import training
from ticketdesk.smart.models import Decision, Suggestion
from ticketdesk.tickets.models import TicketType

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_vpn_outage_email_gets_its_suggestions_applied_in_one_click(page: Page, live_server):
    training.forget_cache()
    desk = build_desk(rounds=2)
    problem = make_ticket(
        subject="VPN outage: the VPN gateway drops tunnels",
        body="Many users: the VPN disconnects every few minutes.",
        ticket_type=TicketType.objects.get(key="problem"),
        team=desk.teams["vpn"],
    )
    training.train()
    Mailbox.objects.create(name="Support", address="support@desk.test", team=desk.teams["printer"])
    inbound = ingest(
        make_mail(
            subject="VPN outage - cannot connect to the VPN",
            body="Since 9:00 the VPN disconnects every few minutes, nobody can work.",
        )
    )
    assert inbound.state == InboundState.PROCESSED, inbound.reason
    ticket = inbound.ticket
    assert ticket.team == desk.teams["printer"]  # the mailbox's team, not the right one

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email or user name").fill(desk.agent.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/t/{ticket.number}/")

    panel = page.locator("#smart-panel")
    expect(panel.get_by_role("heading", name="Suggestions")).to_be_visible(timeout=30_000)
    team_row = panel.locator('[data-suggestion="team"]')
    expect(team_row).to_contain_text("Network")
    expect(team_row.locator("mark").first).to_contain_text("vpn")
    expect(panel.locator('[data-suggestion="category"]')).to_contain_text("VPN")
    expect(panel.get_by_role("link", name=problem.subject)).to_have_attribute(
        "href", f"/reports/problems/{problem.number}/"
    )
    solved = panel.locator(".smart-similar-solved li")
    expect(solved.first).to_contain_text("Resolution:")
    assert solved.count() >= 2

    team_row.get_by_role("button", name="Apply Team: Network").click()
    expect(page.get_by_text("Suggestion applied.")).to_be_visible()
    expect(page.locator("#id_team")).to_have_value(str(desk.teams["vpn"].pk))
    ticket.refresh_from_db()
    assert ticket.team == desk.teams["vpn"]
    assert Suggestion.objects.get(ticket=ticket, field="team").decision == Decision.ACCEPTED
