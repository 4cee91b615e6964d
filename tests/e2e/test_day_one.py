"""The day-one loop in a real Chromium, with real roles, in English and in Brazilian
Portuguese: maria submits a Software / VPN request in the portal → ana, an ordinary agent,
finds it in the triage queue → assigns it (In progress), works it and @mentions luca, who is
notified → escalates it to tier 2 (Infrastructure) → priya resolves it with a summary and the
verification checklist → maria confirms in the portal and rates → it is closed.

Screenshots of the new screens go to docs/screenshots/ when TICKETDESK_SCREENSHOTS=1."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.factories import PASSWORD, TeamFactory, make_agent, make_customer
from ticketdesk.accounts.models import TeamMembership, User
from ticketdesk.core import outbox
from ticketdesk.notifications.models import Notification
from ticketdesk.portal.models import SatisfactionRating
from ticketdesk.tickets.models import Category, Ticket, TicketEvent, VerificationStep

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# What the people see, in each language (the new screens; other steps use stable ids).
WORDS = {
    "en": {
        "triage": "Triage: no team",
        "in_progress": "In progress",
        "escalate": "Escalate",
        "escalate_button": "Escalate ticket",
        "escalated": "Escalated · Tier 2",
        "resolve": "Resolve",
        "resolve_button": "Resolve ticket",
        "fix_tested_by": "Fix tested by",
        "resolved_event": "resolved the ticket",
        "solved_question": "Is your problem solved?",
        "yes_solved": "Yes, my problem is solved",
        "send_rating": "Send rating",
        "thanks": "Thanks for your rating",
        "closed": "Closed",
        "mentioned": "mentioned you on",
    },
    "pt-br": {
        "triage": "Triagem: sem equipe",
        "in_progress": "Em andamento",
        "escalate": "Escalar",
        "escalate_button": "Escalar chamado",
        "escalated": "Escalado · Nível 2",
        "resolve": "Resolver",
        "resolve_button": "Resolver chamado",
        "fix_tested_by": "Correção testada por",
        "resolved_event": "resolveu o chamado",
        "solved_question": "Seu problema foi resolvido?",
        "yes_solved": "Sim, meu problema foi resolvido",
        "send_rating": "Enviar avaliação",
        "thanks": "Obrigado pela avaliação",
        "closed": "Fechado",
        "mentioned": "mencionou você em",
    },
}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def shot(page: Page, name: str, language: str, *, full_page: bool = False) -> None:
    if os.environ.get("TICKETDESK_SCREENSHOTS") == "1" and language == "en":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SHOTS / f"{name}.png", full_page=full_page)


@pytest.fixture
def desk(db):
    """IT Support escalates to Infrastructure (tier 2); Customer Care is another team. No
    routing default and no rule covers Software / VPN: maria's request lands in triage."""
    it = TeamFactory(name="IT Support", slug="it-support")
    infra = TeamFactory(name="Infrastructure", slug="infrastructure")
    care = TeamFactory(name="Customer Care", slug="customer-care")
    it.escalation_team = infra
    it.save()
    people = {
        "ana": make_agent(it, username="ana", first_name="Ana", last_name="Souza"),
        "priya": make_agent(infra, username="priya", first_name="Priya", last_name="Natarajan"),
        "luca": make_agent(care, username="luca", first_name="Luca", last_name="Bianchi"),
    }
    TeamMembership.objects.filter(user=people["priya"]).update(is_lead=True)
    people["maria"], contact = make_customer(
        username="maria", email="maria@estrela.example", first_name="Maria", last_name="Silva"
    )
    contact.name = "Maria Silva"
    contact.save()
    software = Category.objects.create(name="Software")
    Category.objects.create(name="VPN", parent=software)
    VerificationStep.objects.filter(ticket_type__key="incident", key="fix_tested_by").update(
        required=True
    )
    return people


def speak(language: str) -> None:
    User.objects.update(language=language)


@pytest.fixture
def open_pages(browser: Browser):
    """Pages opened by the test, closed at its end: their polling (presence, rail, bell)
    must not reach the live server after it stopped."""
    pages: list[Page] = []
    yield pages
    for page in pages:
        page.close()


def new_page(browser: Browser, pages: list[Page], width: int) -> Page:
    page = browser.new_page(viewport={"width": width, "height": 900})
    pages.append(page)
    return page


def log_in_agent(browser: Browser, pages: list[Page], live_server, username: str) -> Page:
    page = new_page(browser, pages, 1360)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page.locator("#rail")).to_be_visible()
    return page


def log_in_customer(browser: Browser, pages: list[Page], live_server) -> Page:
    page = new_page(browser, pages, 1280)
    page.goto(f"{live_server.url}/portal/login/")
    page.locator("#id_username").fill("maria")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    expect(page.locator(".portal-search, main")).not_to_have_count(0)
    return page


@pytest.mark.parametrize("language", ["en", "pt-br"])
def test_the_day_one_loop(browser: Browser, open_pages, live_server, desk, language):
    words = WORDS[language]
    speak(language)

    # maria submits her VPN request in the portal
    maria = log_in_customer(browser, open_pages, live_server)
    maria.goto(f"{live_server.url}/portal/new/incident/")
    maria.locator("#id_subject").fill("VPN asks for a certificate")
    maria.locator("#id_description").fill("Since this morning the VPN client wants a certificate.")
    maria.locator("#id_category").select_option(label="Software / VPN")
    maria.locator("form button[type=submit].primary").click()
    expect(maria.locator(".notice.ok")).to_be_visible()
    ticket = Ticket.objects.get(subject="VPN asks for a certificate")
    assert ticket.team is None  # no default, no rule: the triage queue

    # ana, an ordinary IT agent, finds it in triage and takes it
    ana = log_in_agent(browser, open_pages, live_server, "ana")
    rail = ana.locator("#rail")
    triage = rail.get_by_role("link", name=re.compile(re.escape(words["triage"])))
    expect(triage).to_contain_text("1")
    triage.click()
    expect(ana.locator("[data-row]")).to_have_count(1)
    shot(ana, "triage", language)
    ana.get_by_role("link", name="VPN asks for a certificate").click()
    expect(ana.locator(".ticket-header h1")).to_have_text("VPN asks for a certificate")
    ana.locator("[data-shortcut-assign] button").click()
    expect(ana.locator(".ticket-header .status")).to_have_text(words["in_progress"])

    # a note that mentions luca, chosen from the suggestions with the keyboard
    ana.locator("label.note-tab").click()
    body = ana.locator("[data-composer-body]")
    body.click()
    body.press_sequentially("Billing asked about this too, @lu", delay=30)
    listbox = ana.get_by_role("listbox")
    expect(listbox.get_by_role("option", name=re.compile("Luca Bianchi"))).to_be_visible()
    # the active option is announced (aria-expanded is not allowed on a textarea: axe-core)
    expect(body).to_have_attribute("aria-activedescendant", re.compile(r".+"))
    shot(ana, "mention-suggestions", language)
    body.press("Enter")
    expect(body).to_have_value(re.compile(r"@luca $"))
    body.press_sequentially("can you check the customer's contract?", delay=5)
    body.press("Control+Enter")
    expect(ana.locator(".entry.note").last).to_contain_text("@luca can you check")

    # escalation to tier 2 (the team's escalation team) with a reason
    ana.locator("#escalate summary").click()
    ana.locator("#escalate_reason").fill(
        "The certificate comes from the VPN gateway: Infrastructure has to renew it."
    )
    shot(ana, "escalate", language)
    ana.get_by_role("button", name=words["escalate_button"]).click()
    expect(ana.locator("[data-escalated]")).to_have_text(words["escalated"])
    ticket.refresh_from_db()
    assert ticket.team.name == "Infrastructure" and ticket.escalation_level == 1

    # the outbox delivers: luca hears about the note that mentions him
    outbox.process_pending()
    luca = log_in_agent(browser, open_pages, live_server, "luca")
    luca.goto(f"{live_server.url}/notifications/")
    expect(luca.locator(".notification-groups")).to_contain_text(ticket.display_number)
    # "mentioned you on #N": the notifications consumer reads `mentioned_user_ids`
    expect(luca.locator("li.verb-mentioned")).to_contain_text(words["mentioned"])
    shot(luca, "mention-notification", language)

    # priya, tier 2, takes it and resolves it with a summary and the checklist
    priya = log_in_agent(browser, open_pages, live_server, "priya")
    priya.goto(f"{live_server.url}/?view=escalated")
    priya.get_by_role("link", name="VPN asks for a certificate").click()
    priya.locator("[data-shortcut-assign] button").click()
    priya.locator("#resolve summary").click()
    priya.locator("#resolve_resolution_summary").fill(
        "Renewed the gateway certificate and pushed the new VPN profile."
    )
    priya.locator("#resolve_check_fix_tested_by").fill("Priya, from a home connection")
    shot(priya, "resolve", language)
    priya.get_by_role("button", name=words["resolve_button"]).click()
    expect(priya.locator(".resolution-card")).to_contain_text("Renewed the gateway certificate")
    expect(priya.locator(".timeline")).to_contain_text(words["resolved_event"])
    expect(priya.locator(".timeline")).to_contain_text(words["fix_tested_by"])
    shot(priya, "resolved-ticket", language, full_page=True)
    outbox.process_pending()

    # maria confirms that it is solved and rates; the ticket closes
    maria.goto(f"{live_server.url}/portal/tickets/{ticket.number}/")
    confirm = maria.locator("#confirm")
    expect(confirm).to_contain_text(words["solved_question"])
    expect(confirm).to_contain_text("Renewed the gateway certificate")
    shot(maria, "portal-confirm", language)
    confirm.get_by_role("button", name=words["yes_solved"]).click()
    rating = maria.locator("#rating")
    rating.locator("input[name=score][value='5']").check(force=True)
    rating.get_by_role("button", name=words["send_rating"]).click()
    expect(maria.locator("#rating")).to_contain_text(words["thanks"])
    expect(maria.locator(".ticket-head")).to_contain_text(words["closed"])
    ticket.refresh_from_db()
    assert ticket.status.key == "closed"
    assert SatisfactionRating.objects.get(ticket=ticket).score == 5
    confirmed = TicketEvent.objects.filter(ticket=ticket, kind="status_changed").last()
    assert confirmed.data["customer_confirmed"] is True

    assert Notification.objects.filter(
        recipient=desk["luca"], ticket=ticket, verb="mentioned"
    ).exists()
