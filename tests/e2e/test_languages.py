"""Configuration in the reader's language and the issue 13 intake fixes, in a real Chromium:
an agent who works in Portuguese records a phone call (the type's custom fields arrive when the
type is chosen), the ticket page names everything in Portuguese, a colleague reading in
English sees English names; a customer's portal form names every missing field at once.
Screenshots go to docs/screenshots/pt-br-*.png when TICKETDESK_SCREENSHOTS=1."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_workspace import shot
from tests.factories import PASSWORD, make_agent, make_customer
from ticketdesk.demo.data import ensure_configuration
from ticketdesk.tickets.defaults import ensure_defaults
from ticketdesk.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def desk(team):
    ensure_defaults()
    ensure_configuration()  # the demo's categories, business areas and custom fields
    ana = make_agent(team, username="ana", first_name="Ana", last_name="Souza", language="pt-br")
    priya = make_agent(team, username="priya", first_name="Priya", last_name="N", language="en")
    return {"ana": ana, "priya": priya}


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")


def test_phone_call_recorded_in_portuguese_and_read_in_english(page: Page, live_server, desk):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "ana")
    page.get_by_role("link", name="Novo chamado").click()
    expect(page.get_by_label("Categoria")).to_be_visible()
    expect(page.get_by_label("Área de negócio")).to_be_visible()
    expect(page.get_by_label("Patrimônio")).to_have_count(0)
    page.get_by_label("E-mail do solicitante").fill("carla@example.org")
    page.get_by_label("Nome do solicitante").fill("Carla Caller")
    page.get_by_label("Assunto").fill("Notebook não liga")
    page.get_by_label("Descrição").fill("Ela diz que a tela fica preta em \\\\fs01\\share.")
    # choosing the type brings its custom fields, labelled in Portuguese (htmx)
    page.get_by_label("Tipo").select_option(label="Incidente")
    expect(page.get_by_label("Patrimônio")).to_be_visible()
    page.get_by_label("Patrimônio").fill("LT-0042")
    page.get_by_label("Sistema operacional").select_option(label="Windows")
    page.get_by_label("Categoria").select_option(label="Equipamentos / Notebook")
    page.get_by_label("Área de negócio").select_option(label="Vendas")
    shot(page, "pt-br-new-ticket", full_page=True)
    page.get_by_role("button", name="Abrir chamado").click()
    expect(page.locator(".ticket-header h1")).to_have_text("Notebook não liga")
    ticket = Ticket.objects.get()
    assert ticket.custom_fields == {"asset_tag": "LT-0042", "operating_system": "windows"}
    first = page.locator(".entry.message").first
    expect(first).to_have_class("entry message from-customer")
    expect(first).to_contain_text("registrado por Ana Souza")
    expect(first).to_contain_text("\\\\fs01\\share")
    expect(page.locator(".ticket-badges")).to_contain_text("Incidente")
    # the side panel: status to Pendente, saved by htmx
    page.locator("#side-panel select[name=status]").select_option(label="Pendente")
    page.locator("#side-panel").get_by_role("button", name="Salvar alterações").click()
    expect(page.locator("#timeline")).to_contain_text("de Novo para Pendente")
    expect(page.locator("#side-panel")).to_contain_text("Área de negócio")
    shot(page, "pt-br-ticket", full_page=True)
    # a colleague who reads English sees English names
    page.context.clear_cookies()
    log_in(page, live_server, "priya")
    page.goto(f"{live_server.url}/t/{ticket.number}/")
    expect(page.locator("#timeline")).to_contain_text("changed status from New to Pending")
    expect(page.locator("#timeline")).not_to_contain_text("Pendente")
    expect(page.locator(".ticket-badges")).to_contain_text("Incident")


def test_portal_form_names_every_missing_field_in_portuguese(page: Page, live_server, desk):
    make_customer(username="maria", email="maria@example.org", language="pt-br")
    page.set_viewport_size({"width": 1180, "height": 900})
    page.goto(f"{live_server.url}/portal/login/")
    page.locator("#id_username").fill("maria")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.goto(f"{live_server.url}/portal/new/")
    expect(page.get_by_text("Solicitação de serviço")).to_be_visible()
    shot(page, "pt-br-portal-types")
    page.get_by_text("Incidente").first.click()
    page.get_by_role("button", name="Enviar solicitação").click()
    errors = page.locator(".field-error")
    expect(errors).to_have_count(2)  # subject and description, in one submit
    expect(page.locator("#id_subject_error")).to_be_visible()
    expect(page.locator("#id_description_error")).to_be_visible()
    shot(page, "pt-br-portal-form-errors", full_page=True)
    assert not Ticket.objects.exists()
