"""Rebuild every fact and roll-up from the event log, in keyset batches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

from ticketdesk.tickets.models import Ticket, TicketEvent

from .business import BusinessHours
from .facts import (
    EVENT_FIELDS,
    TICKET_FIELDS,
    DailyKey,
    HourlyKey,
    compute_fact,
    daily_contributions,
    hourly_contributions,
)
from .models import DailyTicketStats, HourlyCreatedStats, TicketFact

Progress = Callable[[int, int], None]


def rebuild(batch_size: int = 1000, progress: Progress | None = None) -> int:
    """Recompute all facts and roll-ups; return the number of tickets. Runs in one
    transaction so the dashboard never sees half a rebuild."""
    total = Ticket.objects.count()
    daily: dict[DailyKey, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    hourly: dict[HourlyKey, int] = defaultdict(int)
    done = 0
    last_id = 0
    hours = BusinessHours()
    with transaction.atomic():
        TicketFact.objects.all().delete()
        DailyTicketStats.objects.all().delete()
        HourlyCreatedStats.objects.all().delete()
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
            for fact in facts:
                for key, values in daily_contributions(fact).items():
                    for name, value in values.items():
                        daily[key][name] += value
                for hkey, count in hourly_contributions(fact).items():
                    hourly[hkey] += count
            TicketFact.objects.bulk_create(facts, batch_size=500)
            done += len(tickets)
            if progress:
                progress(done, total)
        DailyTicketStats.objects.bulk_create(
            [
                DailyTicketStats(
                    date=key[0],
                    team_id=key[1],
                    agent_id=key[2],
                    channel=key[3],
                    **{name: value for name, value in values.items()},
                )
                for key, values in daily.items()
            ],
            batch_size=500,
        )
        HourlyCreatedStats.objects.bulk_create(
            [
                HourlyCreatedStats(hour=key[0], team_id=key[1], channel=key[2], created=count)
                for key, count in hourly.items()
            ],
            batch_size=500,
        )
    return done
