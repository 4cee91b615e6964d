"""Rebuild every fact from the event log, in keyset batches, then the roll-up from the facts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

from ticketdesk.tickets.models import Ticket, TicketEvent

from . import rollup
from .business import BusinessHours
from .facts import EVENT_FIELDS, TICKET_FIELDS, compute_fact
from .models import TicketFact

Progress = Callable[[int, int], None]


def rebuild(
    batch_size: int = 1000,
    progress: Progress | None = None,
    rollup_progress: Progress | None = None,
) -> int:
    """Recompute all facts and roll-ups; return the number of tickets. Runs in one
    transaction so the dashboard never sees half a rebuild."""
    total = Ticket.objects.count()
    done = 0
    last_id = 0
    hours = BusinessHours()
    with transaction.atomic():
        TicketFact.objects.all().delete()
        while True:
            tickets = list(
                Ticket.objects.filter(pk__gt=last_id)
                .order_by("pk")
                .only(*TICKET_FIELDS)[:batch_size]
            )
            if not tickets:
                break
            last_id = tickets[-1].pk
            by_ticket: dict[int, list[TicketEvent]] = defaultdict(list)
            events = (
                TicketEvent.objects.filter(ticket_id__gte=tickets[0].pk, ticket_id__lte=last_id)
                .only(*EVENT_FIELDS)
                .order_by("ticket_id", "created_at", "id")
            )
            for event in events.iterator(chunk_size=5000):
                by_ticket[event.ticket_id].append(event)
            policies = hours.policy_ids(t.pk for t in tickets)
            facts = [
                compute_fact(t, by_ticket.get(t.pk, []), hours.for_ticket(t, policies.get(t.pk)))
                for t in tickets
            ]
            TicketFact.objects.bulk_create(facts, batch_size=500)
            done += len(tickets)
            if progress:
                progress(done, total)
        rollup.rebuild_from_facts(progress=rollup_progress)
    return done
