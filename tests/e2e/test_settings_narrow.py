"""Settings pages at 375 px: nothing wider than the phone (the holiday import form, the
workflow's "what each move requires" table scrolls inside its own box)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.test_settings import log_in
from ticketdesk.sla.models import BusinessCalendar

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = """() => {
  const w = window.innerWidth;
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > w + 1)
    .filter(e => !(e.parentElement.getBoundingClientRect().right > w + 1))
    .slice(0, 8)
    .map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`);
}"""


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_settings_pages_fit_a_phone(page: Page, live_server, admin_user):
    calendar = BusinessCalendar.objects.first() or BusinessCalendar.objects.create(name="Office")
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, live_server, admin_user.username)
    for path in (
        f"/settings/sla/calendars/{calendar.pk}/holidays/",
        f"/settings/sla/calendars/{calendar.pk}/holidays/?country=BR&year=2026",
        "/settings/workflow/",
    ):
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, page.evaluate(WIDE))


def test_the_status_colour_picker_is_a_left_aligned_grid(page: Page, live_server, admin_user):
    from ticketdesk.tickets.models import Status

    status = Status.objects.order_by("pk").first()
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/settings/workflow/statuses/{status.pk}/")
    boxes = page.locator(".colour-choice").evaluate_all(
        "els => els.map(e => Math.round(e.getBoundingClientRect().left))"
    )
    picker = page.locator(".colour-picker").evaluate("e => e.getBoundingClientRect().left")
    assert len(boxes) > 4
    assert min(boxes) == round(picker)  # the first column starts at the fieldset's left edge
    assert len(set(boxes)) < len(boxes)  # columns, not one ragged centred line per choice


def test_the_rule_builder_names_each_input_on_a_phone(page: Page, live_server, admin_user):
    """Found by the new-user walk: at 375 px the column headings are hidden and the
    condition and action rows were stacks of unnamed inputs."""
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/automation/rules/new/")
    named = page.evaluate(
        """() => [...document.querySelectorAll('table.builder tbody tr:first-child td')]
             .map(td => getComputedStyle(td, '::before').content)"""
    )
    assert '"Field"' in named and '"Operator"' in named and '"Value"' in named, named
    assert '"Action"' in named and '"Text"' in named, named
    page.set_viewport_size({"width": 1280, "height": 800})  # wide: the headings say it
    wide = page.evaluate(
        "getComputedStyle(document.querySelector('table.builder td[data-label]'), '::before')"
        ".content"
    )
    assert wide in ("none", "normal"), wide
