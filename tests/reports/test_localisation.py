"""Reports in the reader's language (issue 13): configuration names translated, numbers in
the reader's format ("0.0 %" in Portuguese was the bug)."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.factories import make_ticket
from tests.reports.conftest import at
from tests.reports.test_export import rows_of
from ticketdesk.accounts.models import TeamMembership
from ticketdesk.core import clock
from ticketdesk.reports.templatetags.reports_tags import number, percent
from ticketdesk.tickets.models import Category, TicketType

pytestmark = pytest.mark.django_db

RANGE = {"start": "2026-03-01", "end": "2026-03-31"}


def test_numbers_follow_the_readers_format():
    with translation.override("en"):
        assert percent(0) == "0.0%"
        assert percent(12.34) == "12.3%"
        assert number(1234.5) == "1,234.5"
        assert number(3.0) == "3"
    with translation.override("pt-br"):
        assert percent(0) == "0,0%"
        assert percent(12.34) == "12,3%"
        assert number(1234.5) == "1.234,5"
    with translation.override("it"):
        assert percent(99.95) == "100,0%"
    assert percent(None) == "—"


def test_dashboard_in_portuguese_names_types_and_formats_numbers(client, history, agent):
    TeamMembership.objects.filter(user=agent).update(is_lead=True)
    agent.language = "pt-br"
    agent.save(update_fields=["language"])
    history.a.ticket_type = TicketType.objects.get(key="incident")
    history.a.save(update_fields=["ticket_type"])  # test set-up; facts are rebuilt below
    from ticketdesk.reports.facts import refresh_ticket

    refresh_ticket(history.a.pk)
    client.force_login(agent)
    with clock.frozen(at(days=3)):
        body = client.get("/reports/", RANGE).content.decode()
    assert "Incidente" in body and ">Incident<" not in body
    assert "0.0 %" not in body and " %" not in body.split("<main", 1)[1]
    assert "0,0%" in body or "100,0%" in body


def test_exports_name_statuses_types_and_categories_in_the_readers_language(client, team, agent):
    printers = Category.objects.create(name="Printers", translations={"it": {"name": "Stampanti"}})
    make_ticket(
        team=team,
        subject="Jam",
        category=printers,
        ticket_type=TicketType.objects.get(key="incident"),
        channel="phone",
    )
    agent.language = "it"
    agent.save(update_fields=["language"])
    client.force_login(agent)
    rows = rows_of(client.get("/reports/export/tickets.csv"))
    header, row = rows[0], rows[1]
    record = dict(zip(header, row, strict=True))
    assert record["Stato"] == "Nuovo"
    assert record["Tipo"] == "Incidente"
    assert record["Categoria"] == "Stampanti"
    assert record["Canale"] == "Telefono"
    assert record["Priorità"] == "Media"
