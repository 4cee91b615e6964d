"""Dashboard query timings on an existing, large database.

    TICKETDESK_VAR_DIR=/tmp/bench ticketdesk demo --tickets 100000   # a large data set
    TICKETDESK_VAR_DIR=/tmp/bench ticketdesk reports rebuild         # facts and roll-ups
    TICKETDESK_VAR_DIR=/tmp/bench python bench/reports_dashboard.py  # this script
    DATABASE_URL=postgres://... python bench/reports_dashboard.py    # or on PostgreSQL

Times every query the dashboard runs (`reports.metrics.dashboard`) as an admin would see it,
best of --repeat runs: the last 30 and 365 days unfiltered, 365 days filtered by the
biggest category, type, organization, channel and agent (each answered by the roll-up), by
team + category, and by channel + category (two roll-up dimensions: read from the facts).
Then the parts of the trends page. `main()` returns the figures so `bench/run.py` can
include them.
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


def _top(column: str) -> Any:
    from django.db.models import Count

    from ticketdesk.reports.models import TicketFact

    row = (
        TicketFact.objects.exclude(**{column: 0 if column != "channel" else ""})
        .values_list(column)
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    return row[0] if row else None


def measure(repeat: int = 3, trends: bool = True) -> dict[str, Any]:
    from django.db.models import Max

    from ticketdesk.reports import metrics
    from ticketdesk.reports import trends as trend_queries
    from ticketdesk.reports.filters import ReportFilters
    from ticketdesk.reports.models import DailyTicketStats, TicketFact
    from ticketdesk.tickets.models import Ticket

    newest = TicketFact.objects.aggregate(d=Max("created_date"))["d"] or dt.date.today()
    month = {"start": newest - dt.timedelta(days=29), "end": newest}
    year = {"start": newest - dt.timedelta(days=364), "end": newest}
    top = {
        column: _top(column)
        for column in ("category_id", "type_id", "organization_id", "channel", "agent_id")
    }
    top["team_id"] = _top("team_id")
    scenarios = {
        "30 days": ReportFilters(**month),
        "365 days": ReportFilters(**year),
        "365 days, top category": ReportFilters(**year, category_id=top["category_id"]),
        "365 days, top type": ReportFilters(**year, type_id=top["type_id"]),
        "365 days, top organization": ReportFilters(**year, organization_id=top["organization_id"]),
        "365 days, top channel": ReportFilters(**year, channel=top["channel"]),
        "365 days, one agent": ReportFilters(**year, agent_id=top["agent_id"]),
        "365 days, team + category": ReportFilters(
            **year, team_id=top["team_id"], category_id=top["category_id"]
        ),
        "365 days, channel + category (facts)": ReportFilters(
            **year, channel=top["channel"], category_id=top["category_id"]
        ),
        "30 days, channel + category (facts)": ReportFilters(
            **month, channel=top["channel"], category_id=top["category_id"]
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
        "trends": {},
    }
    for name, f in scenarios.items():
        timings = {part: _timed(fn, f, repeat=repeat) for part, fn in parts.items()}
        whole = _timed(metrics.dashboard, f, repeat=repeat)
        results["scenarios"][name] = {
            "filters": {k: str(v) for k, v in dataclasses.asdict(f).items() if v},
            "parts": timings,
            "dashboard": whole,
            "approximate": metrics.time_percentiles(f)["approximate"],
        }
    if trends:
        week = ReportFilters(start=newest - dt.timedelta(days=6), end=newest)
        day = ReportFilters(start=newest, end=newest)
        trend_parts = {
            "categories, 7 days vs previous": lambda: trend_queries.category_trends(week),
            "categories, 1 day vs 4 weeks": lambda: trend_queries.category_trends(day, "weeks"),
            "tags, 7 days vs previous": lambda: trend_queries.tag_trends(week),
            "terms, 1 day vs 4 weeks": lambda: trend_queries.term_trends(day, "weeks"),
            "repeat contacts, 7 days": lambda: trend_queries.repeat_reporters(week),
            "spike detection (8 weeks)": lambda: trend_queries.find_spikes(newest),
        }
        for name, fn in trend_parts.items():
            results["trends"][name] = _timed(lambda _f, fn=fn: fn(), None, repeat=repeat)
    return results


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-trends", action="store_true", help="only the dashboard")
    args = parser.parse_args(argv)
    _setup()
    from django.db import connection

    results = measure(repeat=args.repeat, trends=not args.no_trends)
    print(
        f"{connection.vendor}: {results['tickets']} tickets, {results['facts']} facts, "
        f"{results['daily rows']} daily roll-up rows"
    )
    for name, scenario in results["scenarios"].items():
        approximate = " (median/p90 from histograms)" if scenario["approximate"] else ""
        print(f"\n{name}: whole dashboard {scenario['dashboard'] * 1000:.0f} ms{approximate}")
        for part, seconds in scenario["parts"].items():
            print(f"  {part:<16} {seconds * 1000:8.1f} ms")
    if results["trends"]:
        print("\ntrends page parts:")
        for part, seconds in results["trends"].items():
            print(f"  {part:<32} {seconds * 1000:8.1f} ms")
    return results


if __name__ == "__main__":
    main()
