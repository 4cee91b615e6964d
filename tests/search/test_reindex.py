"""`ticketdesk reindex` rebuilds the index from the tickets, in batches."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tests.factories import make_ticket
from ticketdesk.search import backend
from ticketdesk.search.models import TicketIndex
from ticketdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_reindex_rebuilds_everything_in_batches(team):
    tickets = [make_ticket(team=team, subject=f"Kettle number {i} leaks") for i in range(5)]
    # nothing delivered from the outbox: the index is empty
    assert not backend.search_tickets(Ticket.objects.all(), "kettle").exists()
    out = io.StringIO()
    call_command("reindex", "--batch-size", "2", stdout=out)
    assert "5/5" in out.getvalue()
    assert "Indexed 5 tickets." in out.getvalue()
    assert backend.search_tickets(Ticket.objects.all(), "kettle leaks").count() == 5
    assert TicketIndex.objects.count() == 5
    call_command("reindex", stdout=io.StringIO())  # idempotent
    assert TicketIndex.objects.count() == 5
    found = backend.search_tickets(Ticket.objects.all(), f"kettle {tickets[3].number}")
    assert list(found) == [tickets[3]]
