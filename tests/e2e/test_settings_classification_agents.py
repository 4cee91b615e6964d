"""Settings → Classification and Settings → Agents in a real browser at 375 px: every page fits
the phone, and a category and an invitation can be made there."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in_any
from tests.e2e.test_settings import log_in
from tests.e2e.test_settings_narrow import WIDE
from tests.factories import make_agent, make_ticket
from ticketdesk.accounts.models import User
from ticketdesk.tickets.models import BusinessArea, Category, Tag, TicketType

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def fits(page: Page, path: str) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, (path, page.evaluate(WIDE))


def test_classification_and_agents_pages_fit_a_phone(page: Page, live_server, admin_user):
    hardware = Category.objects.create(name="Hardware with a rather long name for a phone")
    laptop = Category.objects.create(name="Laptop", parent=hardware)
    Category.objects.create(name="Battery and charger", parent=laptop)
    area = BusinessArea.objects.create(name="Finance")
    tag = Tag.objects.create(name="a-rather-long-tag-name-that-might-not-wrap-on-phones")
    make_ticket(category=laptop).tags.add(tag)
    agent = make_agent(None, username="kim", first_name="Kim", last_name="Lee",
                       email="kim.lee.with.a.long.address@example.org")  # fmt: skip
    kind = TicketType.objects.order_by("pk").first()
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, live_server, admin_user.username)
    for path in (
        "/settings/classification/",
        "/settings/classification/types/new/",
        f"/settings/classification/types/{kind.pk}/",
        f"/settings/classification/categories/{laptop.pk}/",
        "/settings/classification/categories/new/",
        f"/settings/classification/areas/{area.pk}/",
        "/settings/classification/tags/",
        f"/settings/classification/tags/{tag.pk}/",
        "/settings/agents/",
        "/settings/agents/invite/",
        f"/settings/agents/{agent.pk}/",
    ):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("h1")).to_be_visible()
        fits(page, path)


def test_a_subcategory_and_an_invitation_on_a_phone(page: Page, live_server, admin_user):
    Category.objects.create(name="Hardware")
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/settings/classification/categories/new/")
    page.locator("#id_name").fill("Laptop")
    page.get_by_label("Under").select_option(label="Hardware")
    page.get_by_role("button", name="Save the category").click()
    expect(page.get_by_text("The category “Laptop” is saved.")).to_be_visible()
    expect(page.get_by_role("link", name="Hardware / Laptop")).to_be_visible()
    assert Category.objects.get(name="Laptop").path == "Hardware / Laptop"

    page.goto(f"{live_server.url}/settings/agents/invite/")
    page.get_by_label("First name").fill("Nia")
    page.get_by_label("Email address").fill("nia@example.org")
    page.get_by_label("Light agent").check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("Nia is invited")).to_be_visible()
    assert User.objects.get(email="nia@example.org").role == "light_agent"
    fits(page, "/settings/agents/")


def test_the_pages_in_portuguese_pass_axe_and_show_no_english(page: Page, live_server, admin_user):
    """What the page census checks, for these pages (its demo server runs apart)."""
    from tests.web.test_page_census import AXE, AXE_JS, TEXTS_JS, translated_msgids

    Category.objects.create(name="Hardware")
    Tag.objects.create(name="vpn")
    tag = Tag.objects.get(name="vpn")
    User.objects.filter(pk=admin_user.pk).update(language="pt-br")
    msgids = translated_msgids("pt-br")
    page.set_viewport_size({"width": 375, "height": 800})
    page.context.add_cookies(
        [{"name": "django_language", "value": "pt-br", "url": live_server.url}]
    )
    log_in_any(page, live_server, admin_user.username)
    problems = []
    for path in (
        "/settings/",
        "/settings/classification/",
        "/settings/classification/categories/new/",
        "/settings/classification/types/new/",
        "/settings/classification/areas/new/",
        "/settings/classification/tags/",
        f"/settings/classification/tags/{tag.pk}/",
        "/settings/agents/",
        "/settings/agents/invite/",
        f"/settings/agents/{admin_user.pk}/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert page.url.endswith(path), page.url  # signed in, not sent to the login page
        english = sorted(t for t in page.evaluate(TEXTS_JS) if t in msgids)
        if english:
            problems.append(f"{path}: untranslated {english[:8]}")
        if not page.evaluate("typeof axe !== 'undefined'"):
            page.evaluate(AXE.read_text())
        for violation in page.evaluate(AXE_JS):
            problems.append(f"{path}: axe {violation['id']} {violation['nodes']}")
    assert not problems, "\n".join(problems)
    page.goto(f"{live_server.url}/settings/classification/")
    expect(page.get_by_role("heading", name="Classificação", exact=True)).to_be_visible()
