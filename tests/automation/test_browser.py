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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_conditions_on_agent_and_asset_fields_are_picked_on_a_phone(live_server, page, settings):
    """A custom field of type "user" offers the agents; one of type "asset" is searched
    (the list fills with the first matches), at 375 px; the rule stores the chosen ids."""
    from ticketdesk.assets.models import Item, ItemType
    from ticketdesk.core import clock
    from ticketdesk.tickets.models import CustomFieldDefinition

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    admin = make_agent(None, role="admin", username="boss", is_staff=True)
    ana = make_agent(None, username="ana", first_name="Ana", last_name="Lima")
    CustomFieldDefinition.objects.create(key="owner", label="Owner", field_type="user")
    CustomFieldDefinition.objects.create(key="device", label="Device", field_type="asset")
    server = ItemType.objects.create(key="server", name="Server")
    stamps = {"created_at": clock.now(), "updated_at": clock.now(), "item_type": server}
    Item.objects.bulk_create(
        [Item(name=f"Laptop {n:03}", identifier=f"LT-{n:03}", **stamps) for n in range(30)]
    )
    switch = Item.objects.create(name="Core switch", identifier="SW-1", **stamps)

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/accounts/login/?next=/automation/rules/new/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/automation/rules/new/")
    page.fill("#id_name", "Core switch owner")
    page.select_option("#id_trigger", "ticket_created")

    change(page, "#id_cond-0-field", "custom_fields.owner")
    assert page.locator("select#id_cond-0-value").count() == 1  # a picker, not free text
    page.select_option("#id_cond-0-value", label="Ana Lima")

    change(page, "#id_cond-1-field", "custom_fields.device")
    search = page.get_by_label("Search the assets by name or identifier")
    assert page.locator("select#id_cond-1-value option").count() == 1  # nothing loaded
    with page.expect_response(lambda r: "/automation/builder/assets/" in r.url):
        search.fill("switch")
    settled(page)
    options = page.locator("select#id_cond-1-value option")
    assert options.count() == 2 and "Core switch" in options.nth(1).inner_text()
    page.select_option("#id_cond-1-value", str(switch.pk))
    # a second search keeps the chosen item in the list, selected
    with page.expect_response(lambda r: "/automation/builder/assets/" in r.url):
        search.fill("lap")
    settled(page)
    assert page.locator("select#id_cond-1-value").input_value() == str(switch.pk)
    assert page.locator("select#id_cond-1-value option").count() <= 12
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1

    change(page, "#id_step-0-type", "add_tag")
    page.fill("#id_step-0-value", "core")
    page.click("text=Save rule")
    page.wait_for_url("**/automation/")
    rule = Rule.objects.get()
    values = [(c["field"], c["value"]) for c in rule.conditions["conditions"]]
    assert ("custom_fields.owner", str(ana.pk)) in values
    assert ("custom_fields.device", str(switch.pk)) in values
