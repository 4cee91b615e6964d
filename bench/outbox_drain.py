"""Event backbone benchmark (issue 12): how fast a backlog of demo-shaped events drains, what
an agent's write costs meanwhile, and the worker's memory — for this code or another checkout
(`--src`, e.g. a worktree of an older commit), so that both are measured in one run.

    python bench/outbox_drain.py                                  # SQLite file database
    python bench/outbox_drain.py --database-url postgres://postgres@127.0.0.1:5432/postgres
    python bench/outbox_drain.py --workers 2 --tickets 2000 --agent
    python bench/outbox_drain.py --burst 10000 --workers 2 --database-url ...   # outage storm

Backlog mode (default): `--tickets` demo tickets are made through the actions with no worker
running (opened, assigned, replied, noted, pending, customer replies, resolved: ~4 events per
ticket); then `--workers` worker processes drain every event and the time until nothing is
left is measured. With `--agent`, a separate process plays an agent adding a note to a random
ticket every 50 ms while the backlog drains, and its latencies are reported.
Burst mode (`--burst N`): the workers run first; N tickets are opened by two processes as fast
as they can; measured: the time from the first ticket until every consumer has caught up.

Prints one JSON line; `--label` names it. The database is temporary (dropped afterwards).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--src", default=str(ROOT / "src"), help="the code to measure")
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--agent", action="store_true", help="measure an agent's notes meanwhile")
    parser.add_argument("--burst", type=int, default=0, help="burst mode: tickets to open")
    parser.add_argument("--label", default="")
    parser.add_argument("--role", default="", help=argparse.SUPPRESS)  # child processes
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- children: run with the measured code on sys.path -----------------------------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketdesk.settings")
    import django

    django.setup()


def _is_new_code() -> bool:
    try:
        import ticketdesk.core.outbox.daemon  # noqa: F401
    except ImportError:
        return False
    return True


def child_setup(count: int) -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("sla_defaults", "--no-recompute", verbosity=0)
    rng = random.Random(42)
    if _is_new_code():
        from ticketdesk.demo import data
    else:
        from ticketdesk.tickets import demo_data as data  # type: ignore[no-redef]
    data.load(rng, count=count)
    # the older demo made some events in the future: every event is due now, in both codes
    from django.utils import timezone

    if _is_new_code():
        from ticketdesk.core.models import OutboxDelivery

        OutboxDelivery.objects.update(available_at=timezone.now())
    else:
        from ticketdesk.notifications.models import OutboxMessage

        OutboxMessage.objects.update(available_at=timezone.now())


def pending() -> int:
    """Events still owed to some consumer (new code) / rows not processed (old code)."""
    if _is_new_code():
        from ticketdesk.core.models import OutboxDelivery

        return (
            OutboxDelivery.objects.filter(dead_at__isnull=True)
            .values("event_id")
            .distinct()
            .count()
        )
    from ticketdesk.notifications.models import OutboxMessage

    return OutboxMessage.objects.filter(processed_at__isnull=True).count()


def child_work() -> None:
    """A worker until stopped (SIGTERM)."""
    if _is_new_code():
        from ticketdesk.core.outbox.daemon import Worker

        Worker().run()
        return
    import signal

    from ticketdesk.notifications.outbox import process_pending

    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_a: stop.update(now=True))
    while not stop["now"]:
        if not process_pending():
            time.sleep(0.2)


def child_agent() -> None:
    """Add a note to a random open ticket every 50 ms until stopped; print latencies (ms)."""
    import signal

    from ticketdesk.accounts.models import User
    from ticketdesk.tickets import actions
    from ticketdesk.tickets.models import Ticket

    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_a: stop.update(now=True))
    agent = User.objects.get(username="ana")
    ids = list(Ticket.objects.filter(team__name="IT Support").values_list("pk", flat=True)[:500])
    rng = random.Random(7)
    latencies = []
    while not stop["now"]:
        ticket = Ticket.objects.get(pk=rng.choice(ids))
        started = time.perf_counter()
        actions.add_note(ticket, actor=agent, body="Checked again, still looking.")
        latencies.append((time.perf_counter() - started) * 1000)
        time.sleep(0.05)
    print(json.dumps(latencies))


def child_burst(count: int, seed: int) -> None:
    from django.db import transaction

    from ticketdesk.accounts.models import Team
    from ticketdesk.tickets import actions

    if _is_new_code():
        from ticketdesk.demo import data
    else:
        from ticketdesk.tickets import demo_data as data  # type: ignore[no-redef]
    people = data.ensure_people(random.Random(1))
    contacts = people["contacts"]
    team = Team.objects.get(name="IT Support")
    rng = random.Random(seed)
    for n in range(count):
        with transaction.atomic():
            actions.open_ticket(
                requester=rng.choice(contacts),
                subject=f"VPN down again ({seed}-{n})",
                body="The VPN dropped for the whole office.",
                channel="email",
                actor=None,
                team=team,
            )


# --- the parent -------------------------------------------------------------------------------


def prepare(url: str, workdir: Path) -> tuple[str, object]:
    if not url:
        return f"sqlite:///{workdir / 'drain.sqlite3'}", lambda: None
    import psycopg

    name = f"td_drain_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(urlsplit(url)._replace(path=f"/{name}")), drop


def spawn(
    args: argparse.Namespace, env: dict[str, str], role: str, **extra: object
) -> subprocess.Popen:
    command = [sys.executable, __file__, "--role", role]
    for key, value in extra.items():
        command += [f"--{key}", str(value)]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc: comparable on a busy machine)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.role:
        sys.path.insert(0, args.src)
        _django()
        if args.role == "setup":
            child_setup(args.count)
        elif args.role == "pending":
            print(pending())
        elif args.role == "work":
            child_work()
        elif args.role == "agent":
            child_agent()
        elif args.role == "burst":
            child_burst(args.count, args.seed)
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="td-drain-"))
    url, drop = prepare(args.database_url, workdir)
    env = {
        **os.environ,
        "PYTHONPATH": args.src,
        "TICKETDESK_TEST_DATABASE_URL": url,
        "TICKETDESK_VAR_DIR": str(workdir),
        "LOG_LEVEL": "ERROR",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result: dict[str, object] = {
        "label": args.label or args.src,
        "database": "PostgreSQL" if url.startswith("postgres") else "SQLite",
        "workers": args.workers,
    }

    new_code = (Path(args.src) / "ticketdesk" / "core" / "outbox").is_dir()
    sql = (
        "SELECT count(DISTINCT event_id) FROM core_outbox_delivery WHERE dead_at IS NULL"
        if new_code
        else "SELECT count(*) FROM notifications_outboxmessage WHERE processed_at IS NULL"
    )

    def left() -> int:
        """Events still owed (read straight from the database: no Django in this process)."""
        if url.startswith("sqlite:///"):
            import sqlite3

            connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=60)
        else:
            import psycopg

            connection = psycopg.connect(url.replace("postgres://", "postgresql://"))
        try:
            cursor = connection.cursor()
            cursor.execute(sql)
            return int(cursor.fetchone()[0])
        finally:
            connection.close()

    try:
        setup_count = args.tickets if not args.burst else 20
        started = time.monotonic()
        spawn(args, env, "setup", count=setup_count, src=args.src).wait()
        result["setup_seconds"] = round(time.monotonic() - started, 1)
        if args.burst:
            result.update(burst(args, env, left))
        else:
            result.update(drain(args, env, left))
    finally:
        drop()  # type: ignore[operator]
    print(json.dumps(result))
    return 0


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=60)


def drain(args: argparse.Namespace, env: dict[str, str], left) -> dict[str, object]:  # type: ignore[no-untyped-def]
    events = left()
    agent = spawn(args, env, "agent", src=args.src) if args.agent else None
    if agent is not None:
        time.sleep(2)  # the agent's process is up and writing before the drain starts
    started = time.monotonic()
    workers = [spawn(args, env, "work", src=args.src) for _ in range(args.workers)]
    while True:
        time.sleep(0.5)
        remaining = left()
        if remaining == 0:
            break
        if time.monotonic() - started > 1800:
            break
    seconds = time.monotonic() - started
    rss = [peak_rss_mb(w.pid) for w in workers]
    cpu = sum(cpu_seconds(w.pid) for w in workers)
    _stop(workers)
    out: dict[str, object] = {
        "events": events,
        "remaining": remaining,
        "drain_seconds": round(seconds, 1),
        "events_per_second": round(events / seconds, 1) if seconds else 0,
        "worker_cpu_seconds": round(cpu, 1),
        "events_per_cpu_second": round(events / cpu, 1) if cpu else 0,
        "load_average": round(os.getloadavg()[0], 1),
        "worker_peak_rss_mb": round(max(rss), 1) if rss else 0,
    }
    if agent is not None:
        agent.terminate()
        latencies = json.loads(agent.communicate(timeout=60)[0] or "[]")
        if latencies:
            ordered = sorted(latencies)
            out["agent_notes"] = len(ordered)
            out["agent_p50_ms"] = round(statistics.median(ordered), 1)
            out["agent_p95_ms"] = round(ordered[int(0.95 * (len(ordered) - 1))], 1)
            out["agent_max_ms"] = round(ordered[-1], 1)
    return out


def burst(args: argparse.Namespace, env: dict[str, str], left) -> dict[str, object]:  # type: ignore[no-untyped-def]
    workers = [spawn(args, env, "work", src=args.src) for _ in range(args.workers)]
    time.sleep(3)
    started = time.monotonic()
    half = args.burst // 2
    makers = [
        spawn(args, env, "burst", count=half, seed=1, src=args.src),
        spawn(args, env, "burst", count=args.burst - half, seed=2, src=args.src),
    ]
    for maker in makers:
        maker.wait()
    opened = time.monotonic() - started
    while left() and time.monotonic() - started < 1800:
        time.sleep(0.5)
    caught_up = time.monotonic() - started
    rss = [peak_rss_mb(w.pid) for w in workers]
    _stop(workers)
    return {
        "burst_tickets": args.burst,
        "opened_in_seconds": round(opened, 1),
        "caught_up_after_seconds": round(caught_up, 1),
        "behind_after_last_ticket_seconds": round(caught_up - opened, 1),
        "worker_peak_rss_mb": round(max(rss), 1) if rss else 0,
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
