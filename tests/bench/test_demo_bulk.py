"""The bulk demo loader (`ticketdesk demo --tickets N`): rows, numbers, events, search."""

from __future__ import annotations

import io
import random

import pytest
from django.core.management import call_command
from django.db.models import Count, F

from tests.factories import make_ticket
from ticketdesk.demo import bulk as demo_bulk
from ticketdesk.search import backend
from ticketdesk.tickets.models import EventKind, Message, Ticket, TicketCounter, TicketEvent

pytestmark = pytest.mark.django_db


def test_bulk_load_writes_consistent_rows(team):
    before = make_ticket(team=team, subject="Before the bulk load")
    out = io.StringIO()
    demo_bulk.load(23, 3, rng=random.Random(7), progress=out, batch_size=5)
    assert "23/23" in out.getvalue()
    bulk = Ticket.objects.exclude(pk=before.pk)
    assert bulk.count() == 23
    numbers = sorted(bulk.values_list("number", flat=True))
    assert numbers == list(range(before.number + 1, before.number + 24))
    assert TicketCounter.objects.get().next_value == before.number + 24

    assert Message.objects.filter(ticket__in=bulk).count() == 23 * 3
    assert set(bulk.annotate(n=Count("messages")).values_list("n", flat=True).distinct()) == {3}
    events = TicketEvent.objects.filter(ticket__in=bulk)
    assert events.filter(kind=EventKind.CREATED).count() == 23
    assert events.filter(kind__in=[EventKind.MESSAGE_ADDED, EventKind.NOTE_ADDED]).count() == 46
    # every message event points at a message of its own ticket
    assert not events.filter(message__isnull=False).exclude(message__ticket=F("ticket")).exists()
    assert events.filter(message__isnull=False).count() == 23 * 3
    for ticket in bulk:
        assert ticket.status_category == ticket.status.category
        assert ticket.created_at <= ticket.updated_at
        assert ticket.version == ticket.events.count()
        if ticket.status_category in ("resolved", "closed"):
            assert ticket.resolved_at is not None

    # the search index was filled in bulk
    sample = bulk.order_by("pk").first()
    assert sample is not None
    assert sample in backend.search_tickets(Ticket.objects.all(), sample.subject)
    assert backend.search_tickets(Ticket.objects.all(), "asset").count() == 23

    after = make_ticket(team=team, subject="After the bulk load")
    assert after.number == before.number + 24


def test_demo_command_bulk_option(db):
    out = io.StringIO()
    call_command("demo", "--tickets", "4", "--messages", "2", stdout=out)
    assert Ticket.objects.count() == 4
    assert Message.objects.count() == 8
    assert "Loaded 4 tickets" in out.getvalue()
