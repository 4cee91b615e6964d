"""Ticketdesk benchmarks (`make bench`, options through BENCH_ARGS).

    python bench/run.py                                   # SQLite file database (WAL), temp dir
    python bench/run.py --database-url postgres://postgres@127.0.0.1:5432/postgres
                                                          # a temporary database on that server
    python bench/run.py --tickets 5000 --search-tickets 100000

Measures, in one process:
  1. ticket creation through `tickets.actions.open_ticket` (ticket, first message, CREATED event,
     outbox row, worker wake-up), tickets/s;
  2. replies through `tickets.actions.reply`, replies/s;
  3. search latency (`search.backend.search_tickets` over an agent's visible tickets, first page
     of 50 by last update) after bulk-loading `--search-tickets` tickets (0 skips it).
The database is created for the run and removed afterwards (unless --keep).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        default="",
        help="A PostgreSQL server URL: a temporary database is created there for the run. "
        "Default: a SQLite file database in a temporary directory.",
    )
    parser.add_argument("--tickets", type=int, default=2000, help="tickets to open (timed)")
    parser.add_argument("--replies", type=int, default=2000, help="replies to add (timed)")
    parser.add_argument(
        "--search-tickets",
        type=int,
        default=100_000,
        help="bulk-load this many tickets, then time search (0: skip)",
    )
    parser.add_argument("--search-repeats", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--existing",
        action="store_true",
        help="use --database-url as it is (no temporary database, no writes, no bulk load): "
        "time search over the tickets already there, e.g. after `ticketdesk demo --tickets`",
    )
    return parser.parse_args(argv)


# --- database set-up (before Django is imported) ------------------------------------------------


def prepare_database(args: argparse.Namespace, workdir: Path) -> tuple[str, Any]:
    """Set DATABASE_URL for a fresh database; returns (label, cleanup callable)."""
    os.environ.pop("TICKETDESK_TEST_DATABASE_URL", None)
    os.environ["TICKETDESK_VAR_DIR"] = str(workdir)
    if args.existing:
        os.environ["DATABASE_URL"] = args.database_url
        return "existing database", lambda: None
    if not args.database_url:
        path = workdir / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        return "SQLite (file, WAL)", lambda: None
    import psycopg

    parts = urlsplit(args.database_url)
    name = f"td_bench_{os.getpid()}"
    with psycopg.connect(args.database_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(args.database_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return "PostgreSQL (temporary database)", drop


def setup_django() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketdesk.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- benchmarks ---------------------------------------------------------------------------------


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0


def bench_open_and_reply(args: argparse.Namespace) -> dict[str, Any]:
    from ticketdesk.accounts.actions import create_user, get_or_create_contact
    from ticketdesk.accounts.models import Role, Team
    from ticketdesk.tickets import actions
    from ticketdesk.tickets.models import Channel, Ticket

    team = Team.objects.create(name="Bench", slug="bench")
    agent = create_user(
        username="bench-agent",
        email="bench-agent@example.com",
        password="bench-password",
        role=Role.AGENT,
        teams=[team],
    )
    contacts = [
        get_or_create_contact(f"customer{i}@bench.example", f"Customer {i}") for i in range(50)
    ]
    warmup = 20
    for i in range(warmup):
        actions.open_ticket(
            requester=contacts[i % 50],
            subject=f"Warm-up {i}",
            body="warming up",
            channel=Channel.EMAIL,
            actor=None,
            team=team,
        )
    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(args.tickets):
        actions.open_ticket(
            requester=contacts[i % 50],
            subject=f"The VPN drops every {i % 60} minutes",
            body="Hello,\n\nthe VPN disconnects and I lose my work. Can you help?\n\nThanks",
            channel=Channel.EMAIL,
            actor=None,
            team=team,
        )
    open_seconds = time.perf_counter() - started
    open_cpu = time.process_time() - cpu_started
    tickets = list(Ticket.objects.filter(team=team).order_by("-id")[: max(args.replies, 1)])
    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(args.replies):
        actions.reply(
            tickets[i % len(tickets)],
            actor=agent,
            body="Thanks, we are looking into it. Could you restart the client?",
        )
    reply_seconds = time.perf_counter() - started
    reply_cpu = time.process_time() - cpu_started
    return {
        "open_count": args.tickets,
        "open_seconds": open_seconds,
        "open_rate": rate(args.tickets, open_seconds),
        "open_cpu": open_cpu,
        "reply_count": args.replies,
        "reply_seconds": reply_seconds,
        "reply_rate": rate(args.replies, reply_seconds),
        "reply_cpu": reply_cpu,
    }


SEARCHES = [
    ("rare word", "firmware"),
    ("common word", "vpn"),
    ("two words", "stampante funziona"),
    ("phrase", '"reset my password"'),
    ("accent-free pt", "nao consigo imprimir"),
    ("prefix", "certif"),
    ("ticket number", "#1500"),
    ("no match", "zeppelin"),
]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def bench_search(args: argparse.Namespace) -> dict[str, Any]:
    import random

    from django.db import connection

    from ticketdesk.accounts.models import User
    from ticketdesk.demo import bulk as demo_bulk
    from ticketdesk.demo.data import ensure_people
    from ticketdesk.search.backend import search_tickets
    from ticketdesk.tickets.queries import tickets_for_list

    rng = random.Random(42)
    load_seconds = 0.0
    if not args.existing:
        ensure_people(rng)
        started = time.perf_counter()
        demo_bulk.load(args.search_tickets, 3, rng=rng, progress=sys.stdout)
        load_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    rows = []
    users = [
        ("admin", User.objects.get(username="admin")),
        ("agent", User.objects.get(username="luca")),
    ]
    for who, user in users:
        for label, text in SEARCHES:
            timings, found = [], 0
            for _repeat in range(args.search_repeats):
                began = time.perf_counter()
                queryset = search_tickets(tickets_for_list(user), text).order_by(
                    "-updated_at", "-id"
                )
                page = list(queryset[:50])
                timings.append((time.perf_counter() - began) * 1000)
                found = len(page)
            rows.append(
                {
                    "user": who,
                    "label": label,
                    "text": text,
                    "found": found,
                    "p50": statistics.median(timings),
                    "p95": percentile(timings, 0.95),
                }
            )
    from ticketdesk.tickets.models import Ticket

    count = Ticket.objects.count() if args.existing else args.search_tickets
    return {"load_count": count, "load_seconds": load_seconds, "rows": rows}


def report(label: str, args: argparse.Namespace, results: dict[str, Any]) -> str:
    lines = [
        f"### {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC — {label}",
        "",
        f"Command: `python bench/run.py {' '.join(sys.argv[1:])}`".rstrip(),
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "",
        "Load average (1 min) at start / end: {:.1f} / {:.1f}".format(
            results["load_start"], results["load_end"]
        ),
        "",
        "| benchmark | count | wall s | per second (wall) | process CPU s | per CPU second |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    writes = results.get("writes", {})
    for name, key in (("open_ticket", "open"), ("reply", "reply")) if writes else ():
        count, cpu = writes[f"{key}_count"], writes[f"{key}_cpu"]
        lines.append(
            f"| {name} | {count} | {writes[f'{key}_seconds']:.2f} | {writes[f'{key}_rate']:.0f} "
            f"| {cpu:.2f} | {rate(count, cpu):.0f} |"
        )
    search = results.get("search")
    if search and search["load_seconds"]:
        load_rate = rate(search["load_count"], search["load_seconds"])
        lines.append(
            f"| bulk load (demo --tickets, 3 messages) | {search['load_count']} "
            f"| {search['load_seconds']:.1f} | {load_rate:.0f} | | |"
        )
    if search:
        lines += [
            "",
            f"Search over {search['load_count']:,} bulk tickets (first page of 50, newest first):",
            "",
            "| user | query | rows | p50 ms | p95 ms |",
            "|---|---|---:|---:|---:|",
        ]
        for row in search["rows"]:
            lines.append(
                f"| {row['user']} | {row['label']}: `{row['text']}` | {row['found']} "
                f"| {row['p50']:.1f} | {row['p95']:.1f} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="td-bench-") as workdir:
        label, cleanup = prepare_database(args, Path(workdir))
        try:
            setup_django()
            results: dict[str, Any] = {"load_start": os.getloadavg()[0]}
            if not args.existing:
                results["writes"] = bench_open_and_reply(args)
            if args.search_tickets > 0 or args.existing:
                results["search"] = bench_search(args)
            results["load_end"] = os.getloadavg()[0]
            print()
            print(report(label, args, results))
        finally:
            if not args.keep:
                cleanup()
            else:
                print(f"Kept database: {os.environ['DATABASE_URL']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
