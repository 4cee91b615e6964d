"""Automation names configuration in the admin's language and matches it in any (issue 13)."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.factories import make_ticket
from ticketdesk.automation.conditions import Context, evaluate
from ticketdesk.automation.queries import value_suggestions
from ticketdesk.tickets.models import BusinessArea, Category

from .helpers import leaf

pytestmark = pytest.mark.django_db


def test_value_pickers_label_configuration_in_the_viewers_language(admin_client):
    Category.objects.create(name="Printers", translations={"pt-br": {"name": "Impressoras"}})
    BusinessArea.objects.create(name="Sales", translations={"pt-br": {"name": "Vendas"}})
    with translation.override("pt-br"):
        suggestions = value_suggestions()
    # the value stays what conditions and steps match; the label is for the reader
    assert ("pending", "Pendente") in suggestions["status"]
    assert ("incident", "Incidente") in suggestions["ticket_type"]
    assert ("Printers", "Impressoras") in suggestions["category"]
    assert ("Sales", "Vendas") in suggestions["business_area"]
    page = admin_client.get("/automation/rules/new/", headers={"Accept-Language": "pt-br"})
    assert '<option value="pending" label="Pendente">' in page.content.decode()


def test_a_condition_written_with_a_translated_name_matches(team):
    ticket = make_ticket(team=team)
    context = Context(trigger="ticket_created")
    for name in ("new", "New", "Novo", "nuovo"):
        matched, _report = evaluate(leaf("status", "is", name), ticket, context)
        assert matched, name
    matched, _report = evaluate(leaf("status", "is", "Pendente"), ticket, context)
    assert not matched
