"""`ticketdesk reindex`: rebuild the ticket full-text index in batches (keyset by id)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ticketdesk.core.progress import Progress
from ticketdesk.search import backend
from ticketdesk.tickets.models import Ticket


def reindex_tickets(*, batch_size: int = 5000, after_id: int = 0, out: Any = None) -> int:
    """Index every ticket with id > after_id, `batch_size` at a time; returns the count."""
    progress = Progress(out, Ticket.objects.filter(pk__gt=after_id).count(), _("Tickets"))
    last = after_id
    while True:
        ids = list(
            Ticket.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            break
        backend.index_ticket_range(last, ids[-1])
        last = ids[-1]
        progress.advance(len(ids))
    progress.finish()
    return progress.done


class Command(BaseCommand):
    help = "Rebuild the full-text search index of tickets."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--after-id", type=int, default=0, help="Resume: only tickets with a larger id."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError(_("--batch-size must be positive."))
        out = None if options["verbosity"] == 0 else self.stdout
        count = reindex_tickets(
            batch_size=options["batch_size"], after_id=options["after_id"], out=out
        )
        if options["verbosity"]:
            self.stdout.write(
                self.style.SUCCESS(_("Indexed %(count)s tickets.") % {"count": count})
            )
