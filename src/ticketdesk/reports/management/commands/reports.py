"""`ticketdesk reports rebuild`: recompute report facts and roll-ups from the event log;
`ticketdesk reports send-scheduled`: send the scheduled reports that are due."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Report maintenance: rebuild | send-scheduled"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild", "send-scheduled"])
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "send-scheduled":
            from ticketdesk.reports.scheduled import send_due

            sent = send_due()
            self.stdout.write(f"{sent} scheduled report(s) sent")
            return
        from ticketdesk.reports.rebuild import rebuild

        def progress(done: int, total: int) -> None:
            width = 30
            filled = int(width * done / total) if total else width
            bar = "#" * filled + "-" * (width - filled)
            if self.stdout.isatty():
                sys.stdout.write(f"\r[{bar}] {done}/{total}")
                sys.stdout.flush()
            elif done == total or done % (options["batch_size"] * 20) == 0:
                self.stdout.write(f"[{bar}] {done}/{total}")

        count = rebuild(batch_size=options["batch_size"], progress=progress)
        self.stdout.write(f"\nrebuilt report facts for {count} tickets")
        # fresh statistics: the planner otherwise keeps estimating the tables as nearly empty
        from django.db import connection

        from ticketdesk.reports.models import DailyTicketStats, HourlyCreatedStats, TicketFact

        with connection.cursor() as cursor:
            for model in (TicketFact, DailyTicketStats, HourlyCreatedStats):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
