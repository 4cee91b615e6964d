"""An admin builds a rule in a real Chromium, then a ticket triggers it."""

from __future__ import annotations

import os

import pytest

from tests.factories import PASSWORD, make_agent, make_ticket
from ticketdesk.automation.models import Rule

from .helpers import drain


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_builds_rule_in_browser(live_server, page, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    admin = make_agent(None, role="admin", username="boss", is_staff=True)
    page.goto(f"{live_server.url}/accounts/login/?next=/automation/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/automation/")
    page.click("text=New rule")
    page.fill("#id_name", "VPN tickets")
    page.select_option("#id_trigger", "ticket_created")
    assert page.is_hidden("[data-show-for-trigger]")
    page.select_option("#id_cond-0-field", "subject")
    page.select_option("#id_cond-0-operator", "contains")
    page.fill("#id_cond-0-value", "vpn")
    page.select_option("#id_cond-1-group", "a")
    page.select_option("#id_cond-1-field", "priority")
    assert page.get_attribute("#id_cond-1-value", "list") == "values-priority"
    page.select_option("#id_cond-1-operator", "in")
    page.fill("#id_cond-1-value", "high, critical")
    page.select_option("#id_step-0-type", "add_tag")
    page.fill("#id_step-0-value", "vpn")
    if os.environ.get("AUTOMATION_SCREENSHOTS"):
        page.screenshot(path="/tmp/automation/builder.png", full_page=True)
    page.click("text=Save rule")
    page.wait_for_url("**/automation/")
    assert page.locator("table.rules").inner_text().count("VPN tickets") == 1
    if os.environ.get("AUTOMATION_SCREENSHOTS"):
        page.screenshot(path="/tmp/automation/list.png", full_page=True)
    rule = Rule.objects.get()
    assert rule.conditions["conditions"][1] == {
        "match": "any",
        "conditions": [{"field": "priority", "operator": "in", "value": "high, critical"}],
    }
    ticket = make_ticket(subject="VPN flaps", urgency=4, impact=4)
    drain()
    assert ticket.tags.filter(name="vpn").exists()
    page.goto(f"{live_server.url}/automation/rules/{rule.pk}/dry-run/?ticket={ticket.number}")
    assert "Would fire" in page.inner_text("main")
    if os.environ.get("AUTOMATION_SCREENSHOTS"):
        page.screenshot(path="/tmp/automation/dryrun.png", full_page=True)
