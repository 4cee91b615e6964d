"""REST API latency: ticket list and ticket create, through the whole Django stack.

    python bench/api_latency.py                          # SQLite file database, temp dir
    python bench/api_latency.py --tickets 1000000 \\
        --database-url postgres://postgres@127.0.0.1:5432/postgres   # the issue's goal set-up

Bulk-loads `--tickets` tickets (demo.bulk), then times requests made with Django's
test client (middleware, token auth, rate limit, policy, serialisation; no network):
  - GET /api/v1/tickets?limit=25 (first page) as an admin and as an agent of one team,
    a filtered list (status_category=open) and the second page through the cursor;
  - POST /api/v1/tickets (open a ticket through tickets.actions.open_ticket).
Reports p50 / p95 in milliseconds. Goals (issue 7, PostgreSQL, 1M tickets): list p95 ≤ 30 ms,
create p95 ≤ 20 ms. `main(argv)` returns the figures so bench/run.py can include them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL server (temporary db)")
    parser.add_argument("--tickets", type=int, default=20_000, help="tickets to bulk-load")
    parser.add_argument("--repeats", type=int, default=200, help="requests per measurement")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--existing", action="store_true", help="use the configured database as it is (no load)"
    )
    return parser.parse_args(argv)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _timed(call: Any, repeats: int) -> dict[str, float]:
    for _ in range(min(10, repeats)):  # warm caches and connections
        call()
    timings = []
    for _ in range(repeats):
        began = time.perf_counter()
        call()
        timings.append((time.perf_counter() - began) * 1000)
    return {
        "p50": round(statistics.median(timings), 2),
        "p95": round(percentile(timings, 0.95), 2),
        "max": round(max(timings), 2),
    }


def measure(repeats: int) -> dict[str, Any]:
    from django.conf import settings
    from django.test import Client

    from ticketdesk.accounts.models import Contact, Team, User
    from ticketdesk.api import tokens

    settings.TICKETDESK["API_RATE_LIMIT"] = 10**9
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    admin = User.objects.filter(role="admin").order_by("pk").first()
    agent = User.objects.filter(role="agent", team_memberships__isnull=False).order_by("pk").first()
    if admin is None or agent is None:
        raise SystemExit("the database needs an admin and an agent with a team (demo data)")
    team = Team.objects.filter(memberships__user=agent).order_by("pk").first()
    requester = Contact.objects.order_by("pk").first()
    client = Client()

    def auth(user: Any) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {tokens.create_token(user, name='bench', scope='write')[1]}"
        }

    admin_headers, agent_headers = auth(admin), auth(agent)

    def get(path: str, headers: dict[str, str]) -> Any:
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")
        return response

    first = get("/api/v1/tickets?limit=25", admin_headers).json()
    cursor = first["next_cursor"]
    results: dict[str, Any] = {}
    results["list_admin"] = _timed(lambda: get("/api/v1/tickets?limit=25", admin_headers), repeats)
    results["list_agent"] = _timed(lambda: get("/api/v1/tickets?limit=25", agent_headers), repeats)
    results["list_open_filter"] = _timed(
        lambda: get("/api/v1/tickets?limit=25&status_category=open", agent_headers), repeats
    )
    if cursor:
        results["list_second_page"] = _timed(
            lambda: get(f"/api/v1/tickets?limit=25&cursor={cursor}", admin_headers), repeats
        )
    body = json.dumps(
        {
            "subject": "Benchmark ticket",
            "body": "Created by bench/api_latency.py",
            "requester_id": requester.pk if requester else None,
            "team_id": team.pk if team else None,
        }
    )

    def create() -> None:
        response = client.post(
            "/api/v1/tickets", body, content_type="application/json", headers=admin_headers
        )
        if response.status_code != 201:
            raise SystemExit(f"create: {response.status_code} {response.content[:300]!r}")

    results["create"] = _timed(create, repeats)
    return results


def run_on_loaded_database(
    args: Any, prefix: str, measure_fn: Callable[[int], dict[str, Any]]
) -> tuple[str, dict[str, Any]]:
    """Shared by the latency benches: a fresh database (bench/run.py) bulk-loaded with
    `args.tickets` tickets, or `--existing` as it is; then `measure_fn(args.repeats)`."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    cleanup: Any = lambda: None  # noqa: E731
    label = "configured database"
    if not args.existing:
        from run import prepare_database  # bench/run.py: a fresh database for the run

        label, cleanup = prepare_database(args, workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketdesk.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    try:
        if not args.existing:
            from django.core.management import call_command
            from django.db import connection

            from ticketdesk.demo import bulk as demo_bulk
            from ticketdesk.demo.data import ensure_people

            call_command("migrate", verbosity=0)
            rng = random.Random(7)
            ensure_people(rng)
            began = time.perf_counter()
            demo_bulk.load(args.tickets, 2, rng=rng, progress=sys.stderr)
            print(f"loaded {args.tickets} tickets in {time.perf_counter() - began:.0f} s")
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        results = measure_fn(args.repeats)
    finally:
        if not args.keep:
            cleanup()
    return label, results


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    label, results = run_on_loaded_database(args, "td_api_bench_", measure)
    results["database"] = label
    results["tickets"] = args.tickets
    size = "the tickets already there" if args.existing else f"{args.tickets} tickets"
    print(f"API latency on {label}, {size}, ms:")
    for name, figures in results.items():
        if isinstance(figures, dict):
            print(f"  {name:<18} p50 {figures['p50']:>7}  p95 {figures['p95']:>7}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
