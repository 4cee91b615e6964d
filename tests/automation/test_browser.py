"""An admin builds a rule in a real Chromium, then a ticket triggers it."""

from __future__ import annotations

import os

import pytest

from tests.factories import PASSWORD, make_agent, make_ticket
from ticketdesk.automation.models import Rule

from .helpers import drain


def settled(page) -> None:  # type: ignore[no-untyped-def]
    for busy in (".htmx-request", ".htmx-swapping", ".htmx-settling"):
        page.locator(busy).first.wait_for(state="detached")


def change(page, selector: str, value: str) -> None:  # type: ignore[no-untyped-def]
    """Choose in a select that redraws its row (htmx) and wait for the new row."""
    with page.expect_response(lambda r: "/automation/builder/row/" in r.url):
        page.select_option(selector, value)
    settled(page)


def add_action(page, index: int) -> None:  # type: ignore[no-untyped-def]
    with page.expect_response(lambda r: "/automation/builder/row/" in r.url):
        page.click("text=Add an action")
    page.locator(f"#step-{index}-row select[name$='-type'][aria-label]").wait_for()
    settled(page)


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
    page.wait_for_load_state("load")
    page.fill("#id_name", "VPN tickets")
    page.select_option("#id_trigger", "ticket_created")
    assert page.is_hidden("[data-show-for-trigger]")
    change(page, "#id_cond-0-field", "subject")
    change(page, "#id_cond-0-operator", "contains")
    page.fill("#id_cond-0-value", "vpn")  # free text: "contains" has no list
    page.select_option("#id_cond-1-group", "a")
    change(page, "#id_cond-1-field", "priority")
    assert page.locator("select#id_cond-1-value").count() == 1  # a picker, not free text
    change(page, "#id_cond-1-operator", "in")
    assert page.locator("select#id_cond-1-value[multiple]").count() == 1
    page.select_option("#id_cond-1-value", ["high", "critical"])
    change(page, "#id_step-0-type", "add_tag")
    page.fill("#id_step-0-value", "vpn")
    # any number of actions: added with htmx, each with its pickers
    add_action(page, 1)
    change(page, "#id_step-1-type", "set_field")
    change(page, "#id_step-1-target", "urgency")
    page.select_option("#id_step-1-value", "critical")
    add_action(page, 2)
    change(page, "#id_step-2-type", "add_note")
    page.select_option("#step-2-row .placeholder-picker", "{{ ticket.number }}")
    assert "{{ ticket.number }}" in page.input_value("#id_step-2-text")
    page.click("#step-2-row [data-move=up]")  # the note before the urgency
    add_action(page, 3)
    change(page, "#id_step-3-type", "add_tag")
    page.click("#step-3-row button:has-text('Remove')")
    page.locator("#step-3-row").wait_for(state="detached")
    if os.environ.get("AUTOMATION_SCREENSHOTS"):
        page.screenshot(path="/tmp/automation/builder.png", full_page=True)
    page.click("text=Save rule")
    page.wait_for_url("**/automation/")
    assert page.locator("table.rules").inner_text().count("VPN tickets") == 1
    if os.environ.get("AUTOMATION_SCREENSHOTS"):
        page.screenshot(path="/tmp/automation/list.png", full_page=True)
    rule = Rule.objects.get()
    assert [step["type"] for step in rule.actions] == ["add_tag", "add_note", "set_field"]
    assert rule.actions[2]["target"] == "urgency" and rule.actions[2]["value"] == "critical"
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
