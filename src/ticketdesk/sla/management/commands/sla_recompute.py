"""`ticketdesk sla_recompute`: recompute the SLA of open tickets (after editing policies or
calendars), in batches; `--all` includes resolved and closed tickets."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ticketdesk.sla import tracking
from ticketdesk.sla.selection import PolicyCatalog
from ticketdesk.tickets.models import ACTIVE_CATEGORIES, Ticket


class Command(BaseCommand):
    help = "Recompute SLA due dates and states from the event log."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--all", action="store_true", help="Also resolved and closed tickets.")
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        catalog = PolicyCatalog.load()
        statuses = tracking.status_map()
        qs = Ticket.objects.all()
        if not options["all"]:
            qs = qs.filter(status_category__in=ACTIVE_CATEGORIES)
        last_id = 0
        done = 0
        while True:
            ids = list(
                qs.filter(pk__gt=last_id)
                .order_by("pk")
                .values_list("pk", flat=True)[: options["batch"]]
            )
            if not ids:
                break
            for ticket_id in ids:
                tracking.refresh(ticket_id, catalog=catalog, statuses=statuses)
            done += len(ids)
            last_id = ids[-1]
        self.stdout.write(f"Recomputed {done} tickets.")
