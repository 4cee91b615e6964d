"""`ticketdesk outbox work|status|replay`: run an outbox worker, show how far behind each
consumer is, bring dead letters back."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ticketdesk.core.outbox import health, replay
from ticketdesk.core.outbox.daemon import Worker
from ticketdesk.core.outbox.registry import consumers


class Command(BaseCommand):
    help = "Run an outbox worker (work), show consumer lag (status), replay dead letters."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        work = sub.add_parser("work", help="Work through the events until stopped.")
        work.add_argument("--once", action="store_true", help="Stop when nothing is due.")
        work.add_argument("--max-seconds", type=float, default=None)
        work.add_argument(
            "--consumers", default="", help="Comma-separated consumer names (default: all)."
        )
        work.add_argument("--no-senders", action="store_true", help="Do not send mail or webhooks.")
        sub.add_parser("status", help="Lag and dead letters per consumer, workers, mail.")
        again = sub.add_parser("replay", help="Bring dead letters back.")
        again.add_argument("--consumer", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "work":
            only = {n.strip() for n in options["consumers"].split(",") if n.strip()} or None
            known = {c.name for c in consumers()}
            if only and only - known:
                raise CommandError(f"Unknown consumers: {', '.join(sorted(only - known))}")
            worker = Worker(only=only, run_senders=not options["no_senders"])
            handled = worker.run(once=options["once"], max_seconds=options["max_seconds"])
            self.stdout.write(f"handled {handled} deliveries")
        elif action == "status":
            self._status()
        elif action == "replay":
            count = replay(consumer=options["consumer"] or None)
            self.stdout.write(f"{count} dead letters are due again")

    def _status(self) -> None:
        self.stdout.write(f"{'consumer':<16} {'pending':>8} {'dead':>6} {'lag (s)':>9}")
        for lag in health.consumer_lag():
            self.stdout.write(
                f"{lag.name:<16} {lag.pending:>8} {lag.dead:>6} {lag.lag_seconds:>9.1f}"
            )
        workers = health.live_workers()
        self.stdout.write(f"workers alive: {len(workers)}")
        for worker in workers:
            self.stdout.write(f"  {worker.name} (seen {worker.seen_at:%H:%M:%S})")
        queue = health.mail_queue()
        self.stdout.write(f"mail waiting: {queue['pending']}, given up: {queue['failed']}")
