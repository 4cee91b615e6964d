"""`ticketdesk reports rebuild`: recompute report facts and the roll-up from the event log
(`--rollup-only`: the roll-up from the facts);
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
        parser.add_argument(
            "--rollup-only",
            action="store_true",
            help="Keep the facts; recompute the daily roll-up from them.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "send-scheduled":
            from ticketdesk.reports.scheduled import send_due

            sent = send_due()
            self.stdout.write(f"{sent} scheduled report(s) sent")
            return
        from ticketdesk.reports.rebuild import rebuild

        def progress(done: int, total: int, unit: str = "tickets") -> None:
            width = 30
            filled = int(width * done / total) if total else width
            bar = "#" * filled + "-" * (width - filled)
            if self.stdout.isatty():
                sys.stdout.write(f"\r[{bar}] {done}/{total} {unit}")
                sys.stdout.flush()
            elif done == total or unit == "days" or done % (options["batch_size"] * 20) == 0:
                self.stdout.write(f"[{bar}] {done}/{total} {unit}")

        if options["rollup_only"]:
            from django.db import transaction

            from ticketdesk.reports.rollup import rebuild_from_facts

            with transaction.atomic():
                rows = rebuild_from_facts(progress=lambda d, t: progress(d, t, "days"))
            self.stdout.write(f"\nrebuilt the daily roll-up: {rows} rows")
        else:
            count = rebuild(
                batch_size=options["batch_size"],
                progress=progress,
                rollup_progress=lambda d, t: progress(d, t, "days"),
            )
            self.stdout.write(f"\nrebuilt report facts for {count} tickets")
        # fresh statistics: the planner otherwise keeps estimating the tables as nearly empty
        from django.db import connection

        from ticketdesk.reports.models import DailyTicketStats, TicketFact

        # VACUUM on PostgreSQL also marks the pages all-visible: index-only scans (the open
        # backlog) need not visit the table
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        command = "VACUUM ANALYZE" if vacuum else "ANALYZE"
        with connection.cursor() as cursor:
            for model in (TicketFact, DailyTicketStats):
                cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
