"""Agent workspace latency: ticket list, search, rail counts and ticket page, through the
whole Django stack (middleware, session, policy, templates; Django's test client, no network).

    python bench/workspace_latency.py                     # SQLite file database, temp dir
    python bench/workspace_latency.py --tickets 1000000 \\
        --database-url postgres://postgres@127.0.0.1:5432/postgres   # the issue's set-up

Bulk-loads `--tickets` tickets (demo.bulk) and reports p50 / p95 in milliseconds.
Goals (issue 3, PostgreSQL, 1M tickets, p95): list ≤ 50 ms, search ≤ 150 ms, ticket page
≤ 60 ms.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from api_latency import _timed, parse_args, run_on_loaded_database  # noqa: E402 - bench scripts share helpers


def measure(repeats: int) -> dict[str, Any]:
    from django.conf import settings
    from django.test import Client

    from ticketdesk.accounts.models import Team, User
    from ticketdesk.tickets.models import Ticket

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    admin = User.objects.filter(role="admin").order_by("pk").first()
    agent = User.objects.filter(role="agent", team_memberships__isnull=False).order_by("pk").first()
    if admin is None or agent is None:
        raise SystemExit("the database needs an admin and an agent with a team (demo data)")
    team = Team.objects.filter(memberships__user=agent).order_by("pk").first()
    admin_client, agent_client = Client(), Client()
    admin_client.force_login(admin)
    agent_client.force_login(agent)

    def get(client: Client, path: str) -> None:
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")

    numbers = list(
        Ticket.objects.filter(team=team).order_by("-id").values_list("number", flat=True)[:200]
    )
    rng = random.Random(3)
    results: dict[str, Any] = {}
    results["list_mine_agent"] = _timed(lambda: get(agent_client, "/?view=mine"), repeats)
    results["list_team_agent"] = _timed(
        lambda: get(agent_client, f"/?view=team-{team.pk}"), repeats
    )
    results["list_all_admin"] = _timed(lambda: get(admin_client, "/?view=all"), repeats)
    results["list_sorted_priority"] = _timed(
        lambda: get(admin_client, "/?view=all&sort=priority&dir=desc"), repeats
    )
    results["list_filtered"] = _timed(
        lambda: get(agent_client, f"/?view=team-{team.pk}&q=priority:high+assignee:none"), repeats
    )
    results["search_agent"] = _timed(
        lambda: get(agent_client, f"/?view=team-{team.pk}&q=printer"), repeats
    )
    results["search_admin"] = _timed(
        lambda: get(admin_client, "/?view=everything&q=password+reset"), repeats
    )
    results["rail_counts_agent"] = _timed(lambda: get(agent_client, "/rail/?view=mine"), repeats)
    results["ticket_page"] = _timed(
        lambda: get(agent_client, f"/t/{rng.choice(numbers)}/"), repeats
    )
    if os.environ.get("BENCH_QUERIES"):
        _print_slowest_queries(
            [
                (agent_client, "/?view=mine"),
                (admin_client, "/?view=all&sort=priority&dir=desc"),
                (agent_client, f"/?view=team-{team.pk}&q=printer"),
                (agent_client, f"/t/{numbers[0]}/"),
            ]
        )
    return results


def _print_slowest_queries(requests: list[tuple[Any, str]]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for client, path in requests:
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            client.get(path)
            total = (time.perf_counter() - began) * 1000
        queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
        db = sum(float(q["time"]) for q in queries) * 1000
        print(f"{path}: {total:.0f} ms, {len(queries)} queries, {db:.0f} ms in the database")
        for query in queries[:3]:
            print(f"   {float(query['time']) * 1000:6.1f} ms  {query['sql'][:300]}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    label, results = run_on_loaded_database(args, "td_ws_bench_", measure)
    size = "the tickets already there" if args.existing else f"{args.tickets} tickets"
    print(f"Workspace latency on {label}, {size}, ms:")
    for name, figures in results.items():
        print(f"  {name:<22} p50 {figures['p50']:>8}  p95 {figures['p95']:>8}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
