"""`ticketdesk demo`: a believable small data set (teams, agents, customers in English,
Portuguese and Italian, ~200 tickets with conversations). `--tickets N` loads a large data set
with bulk inserts, for benchmarks (see demo/bulk.py)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.core.management.base import BaseCommand, CommandError

DEMO_PASSWORD = "ticketdesk"  # noqa: S105 - demo data only, printed by `make run`
DEMO_LOGINS = [
    ("admin", DEMO_PASSWORD, "administrator"),
    ("ana", DEMO_PASSWORD, "agent (IT Support, lead)"),
    ("luca", DEMO_PASSWORD, "agent (Customer Care, Billing lead)"),
    ("priya", DEMO_PASSWORD, "agent (IT Support, Infrastructure lead: tier 2)"),
    ("joao", DEMO_PASSWORD, "light agent"),
    ("maria", DEMO_PASSWORD, "customer (portal)"),
]


class Command(BaseCommand):
    help = "Load demo data (small by default; --tickets N for a large benchmark set)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tickets", type=int, default=0, help="Bulk-load N extra tickets.")
        parser.add_argument("--messages", type=int, default=3, help="Messages per bulk ticket.")
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args: Any, **options: Any) -> None:
        from ticketdesk.demo import data as demo_data

        rng = random.Random(options["seed"])
        if options["tickets"]:
            from ticketdesk.demo import bulk as demo_bulk

            if options["tickets"] < 1:
                raise CommandError("--tickets must be positive")
            demo_data.ensure_people(rng)
            demo_bulk.load(options["tickets"], options["messages"], rng=rng, progress=self.stdout)
            return
        from django.core.management import call_command

        from ticketdesk.core import outbox

        # SLA policies first, so the demo tickets get clocks as the worker processes them
        call_command("sla_defaults", "--no-recompute", stdout=self.stdout)
        # two months of history: search, SLA and reports take it in; nobody is notified or
        # mailed about it and no rule fires (the desk starts quiet)
        with outbox.historical():
            created = demo_data.load(rng, progress=self.stdout)
            call_command("kb_demo", stdout=self.stdout)  # a few articles in three languages
            call_command("catalog_demo", stdout=self.stdout)  # two request types, one waiting
            call_command("reports_demo", stdout=self.stdout)  # CSAT and an outage to report on
            call_command("assets_demo", stdout=self.stdout)  # laptops, a server, two services
        # a routing rule, escalation on SLA risk and macros, live from now on
        call_command("automation_demo", stdout=self.stdout)
        # then this morning, live: what an agent finds on arrival (a handful of notifications)
        created += demo_data.this_morning(rng)
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {created} tickets."))
        self.stdout.write(
            "Logins (user / password): " + ", ".join(f"{u} / {p}" for u, p, _r in DEMO_LOGINS)
        )


def spread(rng: random.Random, days: int) -> dt.timedelta:
    return dt.timedelta(minutes=rng.randint(0, days * 24 * 60))
