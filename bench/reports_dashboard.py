"""Dashboard query timings on an existing, large database.

    TICKETDESK_VAR_DIR=/tmp/bench ticketdesk demo --tickets 100000   # a large data set
    TICKETDESK_VAR_DIR=/tmp/bench ticketdesk reports rebuild         # facts and roll-ups
    TICKETDESK_VAR_DIR=/tmp/bench python bench/reports_dashboard.py  # this script
    DATABASE_URL=postgres://... python bench/reports_dashboard.py    # or on PostgreSQL

Times every query the dashboard runs (`reports.metrics.dashboard`) as an admin would see it,
for the last 30 days, the last 365 days (both from the daily roll-up) and the last 365 days
filtered by a category (from the per-ticket facts), best of --repeat runs. `main()` returns
the figures so `bench/run.py` can include them.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _setup() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketdesk.settings")
    import django

    django.setup()


def _timed(function: Any, *args: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        function(*args)
        best = min(best, time.perf_counter() - started)
    return best


def measure(repeat: int = 3) -> dict[str, Any]:
    from django.db.models import Count, Max

    from ticketdesk.reports import metrics
    from ticketdesk.reports.filters import ReportFilters
    from ticketdesk.reports.models import DailyTicketStats, TicketFact
    from ticketdesk.tickets.models import Ticket

    newest = TicketFact.objects.aggregate(d=Max("created_date"))["d"] or dt.date.today()
    top_category = (
        TicketFact.objects.filter(category_id__gt=0)
        .values_list("category_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    scenarios = {
        "30 days (roll-up)": ReportFilters(start=newest - dt.timedelta(days=29), end=newest),
        "365 days (roll-up)": ReportFilters(start=newest - dt.timedelta(days=364), end=newest),
        "365 days, one category (facts)": ReportFilters(
            start=newest - dt.timedelta(days=364),
            end=newest,
            category_id=top_category[0] if top_category else 1,
        ),
    }
    parts = {
        "summary": metrics.summary,
        "previous period": lambda f: metrics.summary(f.previous()),
        "median/p90": metrics.time_percentiles,
        "volume series": metrics.volume_series,
        "backlog": metrics.backlog,
        "agents": lambda f: metrics.performance(f, "agent_id"),
        "teams": lambda f: metrics.performance(f, "team_id"),
        "heat map": metrics.heatmap,
    }
    results: dict[str, Any] = {
        "tickets": Ticket.objects.count(),
        "facts": TicketFact.objects.count(),
        "daily rows": DailyTicketStats.objects.count(),
        "scenarios": {},
    }
    for name, f in scenarios.items():
        timings = {part: _timed(fn, f, repeat=repeat) for part, fn in parts.items()}
        whole = _timed(metrics.dashboard, f, repeat=repeat)
        results["scenarios"][name] = {
            "filters": {k: str(v) for k, v in dataclasses.asdict(f).items() if v},
            "parts": timings,
            "dashboard": whole,
        }
    return results


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    _setup()
    from django.db import connection

    results = measure(repeat=args.repeat)
    print(
        f"{connection.vendor}: {results['tickets']} tickets, {results['facts']} facts, "
        f"{results['daily rows']} daily roll-up rows"
    )
    for name, scenario in results["scenarios"].items():
        print(f"\n{name}: whole dashboard {scenario['dashboard'] * 1000:.0f} ms")
        for part, seconds in scenario["parts"].items():
            print(f"  {part:<16} {seconds * 1000:8.1f} ms")
    return results


if __name__ == "__main__":
    main()
