"""A lead in a real Chromium: open the dashboard, filter, look at a chart's numbers, export
CSV. Screenshots go to docs/screenshots/ when TICKETDESK_SCREENSHOTS=1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD
from ticketdesk.accounts.models import TeamMembership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shot(page: Page, name: str) -> None:
    if os.environ.get("TICKETDESK_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")  # the sticky header stays on top
        page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def test_lead_filters_the_dashboard_and_exports_csv(page: Page, live_server, history, team, agent):
    TeamMembership.objects.filter(team=team, user=agent).update(is_lead=True)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email or user name").fill(agent.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/reports/")
    expect(page.get_by_role("heading", name="How support is doing")).to_be_visible()
    page.get_by_label("From").fill("2026-03-01")
    page.get_by_label("To").fill("2026-03-31")
    page.get_by_label("Team").select_option(str(team.pk))
    page.get_by_role("button", name="Apply").click()
    tiles = page.locator(".report-tile")
    expect(tiles.filter(has_text="Created").first).to_contain_text("2")
    expect(tiles.filter(has_text="Reopen rate")).to_contain_text("100.0%")
    expect(page.get_by_role("group", name="Created and resolved")).to_be_visible()
    page.get_by_text("Show the numbers").first.click()
    expect(page.get_by_role("table", name="Created and resolved")).to_be_visible()
    shot(page, "reports-dashboard")
    with page.expect_download() as download_info:
        page.locator(".report-exports span", has_text="Summary").get_by_role(
            "link", name="CSV"
        ).click()
    download = download_info.value
    assert download.suggested_filename == "summary-2026-03-01-2026-03-31.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert "Created,2" in text
    page.get_by_role("link", name="Trends").click()
    expect(page.get_by_role("heading", name="Trends and recurring problems")).to_be_visible()
    shot(page, "reports-trends")


def test_lead_clicks_a_day_of_the_chart_and_sees_what_rose(
    page: Page, live_server, history, team, agent
):
    from tests.factories import make_ticket
    from tests.reports.conftest import at, drain
    from ticketdesk.core import clock

    with clock.frozen(at(hours=3)):
        make_ticket(team=team, subject="VPN refuses my password")
    with clock.frozen(at(days=3)):
        drain()
    TeamMembership.objects.filter(team=team, user=agent).update(is_lead=True)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email or user name").fill(agent.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/reports/?start=2026-03-01&end=2026-03-07")
    days = page.locator("a.chart-link")
    expect(days).to_have_count(7)
    days.nth(1).click()  # Monday 2 March: A and another VPN ticket (B was merged into A)
    expect(page.get_by_role("heading", name="Trends and recurring problems")).to_be_visible()
    assert "start=2026-03-02&end=2026-03-02&compare=weeks" in page.url
    expect(page.get_by_label("Compare with")).to_have_value("weeks")
    terms = page.get_by_role("table", name="Frequent terms in subjects")
    expect(terms.get_by_role("link", name="vpn")).to_be_visible()
    shot(page, "reports-trends-day")
    terms.get_by_role("link", name="vpn").click()
    expect(page.get_by_role("heading", name="All tickets")).to_be_visible()
    expect(page.get_by_text("VPN drops every hour")).to_be_visible()
