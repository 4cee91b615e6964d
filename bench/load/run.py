"""Scale-out proof (issue 17): the same Locust mix against 1 web + 1 worker, then 2 + 2.

    python -m venv .venv-bench && .venv-bench/bin/pip install locust==2.47.0   # once
    python bench/load/run.py --database-url postgres://postgres@127.0.0.1:5432/td_bench_1m \\
        --topology 1x1 --topology 2x2 --users 60 --duration 180

The database must hold the data set already (`ticketdesk demo --tickets 1000000 --messages 3`);
run.py adds what the mix needs, idempotently: 20 portal customers (bulk contacts with tickets)
and one API token per API user. Per topology it starts, as plain processes on this machine:

- web: one gunicorn (gthread) with W worker processes (`--threads` each);
- worker: W × (`ticketdesk outbox work` + `ticketdesk db_worker`) — the "worker" of the
  compose file's topology is both;
- once in every topology: the scheduler, the inbound SMTP listener (`ticketdesk mail serve`)
  and an SMTP sink for outgoing mail (aiosmtpd) — the same shape as deploy/compose.yaml;
- Redis (REDIS_URL, database 5) as the shared cache, as production requires.

Then Locust runs headless for --duration seconds (after --warmup seconds not counted), a
sampler records the consumers' lag every 5 s, and after the load the time until every
consumer has caught up. The report (Markdown) goes to stdout and --out.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
VENV = ROOT / ".venv" / "bin"
LOCUST = ROOT / ".venv-bench" / "bin" / "locust"
PASSWORD = "load-test-pass-1"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--topology", action="append", help="WEBxWORKERS, e.g. 1x1 (repeatable)")
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", type=int, default=180, help="measured seconds")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--threads", type=int, default=8, help="threads per web process")
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--out", default=str(ROOT / "var" / "load"))
    return parser.parse_args(argv)


def setup_django(database_url: str, var_dir: Path) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["TICKETDESK_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketdesk.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def prepare_fixture(path: Path, api_users: int = 20) -> dict[str, Any]:
    """Logins, tokens and ticket numbers for the mix (creates what is missing)."""
    from django.db.models import Count

    from ticketdesk.accounts.actions import create_user
    from ticketdesk.accounts.models import Contact, Role, Team, User
    from ticketdesk.api.tokens import create_token
    from ticketdesk.tickets.models import Ticket

    agents = []
    for user in User.objects.filter(role=Role.AGENT, is_active=True).order_by("pk"):
        team = Team.objects.filter(memberships__user=user).order_by("pk").first()
        if team is None:
            continue
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        numbers = list(
            Ticket.objects.filter(team=team, status__category__in=["new", "open", "pending"])
            .order_by("-id")
            .values_list("number", flat=True)[:300]
        )
        agents.append({"username": user.username, "team": team.pk, "numbers": numbers})
    customers = []
    contacts = (
        Contact.objects.filter(email__endswith=".example", user__isnull=True)
        .annotate(n=Count("tickets"))
        .filter(n__gte=5)
        .order_by("pk")[:20]
    )
    existing = list(User.objects.filter(username__startswith="loadcust").order_by("username"))
    if len(existing) < 20:
        for index, contact in enumerate(contacts):
            username = f"loadcust{index:02d}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = create_user(
                    username=username, email=contact.email, password=PASSWORD, role=Role.CUSTOMER
                )
            Contact.objects.filter(pk=contact.pk).update(user=user)
        existing = list(User.objects.filter(username__startswith="loadcust").order_by("username"))
    for user in existing:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        contact = Contact.objects.filter(user=user).first()
        numbers = list(
            Ticket.objects.filter(requester=contact)
            .order_by("-id")
            .values_list("number", flat=True)[:50]
        )
        if numbers:
            customers.append({"username": user.username, "numbers": numbers})
    admin = User.objects.filter(role=Role.ADMIN).order_by("pk").first()
    assert admin is not None, "the data set needs an admin (demo data)"
    tokens = [create_token(admin, name=f"load {i}", scope="write")[1] for i in range(api_users)]
    api_numbers = list(Ticket.objects.order_by("-id").values_list("number", flat=True)[:2000])
    mail_numbers = [
        {"number": n, "subject": s, "from": e}
        for n, s, e in Ticket.objects.filter(
            status__category__in=["new", "open", "pending"], requester__email__endswith=".example"
        )
        .order_by("-id")
        .values_list("number", "subject", "requester__email")[:500]
    ]
    fixture = {
        "password": PASSWORD,
        "agents": agents,
        "customers": customers,
        "tokens": tokens,
        "api_numbers": api_numbers,
        "mail_numbers": mail_numbers,
    }
    path.write_text(json.dumps(fixture))
    return fixture


class Sampler(threading.Thread):
    """Every 5 s: the largest consumer lag, the deliveries waiting, the load average."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[dict[str, float]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        from django.db import connection

        from ticketdesk.core.outbox.health import consumer_lag

        while not self.stopping.wait(5):
            lags = consumer_lag()
            self.samples.append(
                {
                    "at": time.time(),
                    "lag": max((c.lag_seconds for c in lags), default=0.0),
                    "pending": float(sum(c.pending for c in lags)),
                    "dead": float(sum(c.dead for c in lags)),
                    "load": os.getloadavg()[0],
                }
            )
        connection.close()


def pending_now() -> int:
    from ticketdesk.core.outbox.health import consumer_lag

    return sum(c.pending for c in consumer_lag())


def start_topology(
    web: int, workers: int, args: argparse.Namespace, env: dict[str, str]
) -> list[subprocess.Popen[bytes]]:
    logs = Path(args.out) / f"{web}x{workers}"
    logs.mkdir(parents=True, exist_ok=True)
    td = [str(VENV / "python"), "-m", "ticketdesk.cli"]
    commands: list[tuple[str, list[str]]] = [
        (
            "sink",
            [
                str(VENV / "python"),
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                "127.0.0.1:8126",
                "-c",
                "aiosmtpd.handlers.Sink",
            ],
        ),
        (
            "web",
            [
                str(VENV / "python"),
                "-m",
                "gunicorn",
                "ticketdesk.wsgi:application",
                "--bind",
                f"127.0.0.1:{args.port}",
                "--workers",
                str(web),
                "--threads",
                str(args.threads),
                "--worker-class",
                "gthread",
                "--backlog",
                "2048",
                "--timeout",
                "60",
                # longer than a Locust user's pause: gunicorn's default (2 s) closes idle
                # connections just as a client reuses them ("connection reset by peer"); a
                # load balancer in front keeps its connections for longer still
                "--keep-alive",
                "30",
            ],
        ),
        ("scheduler", [*td, "scheduler", "--skip-checks"]),
        ("mail", [*td, "mail", "serve", "--port", "8125"]),
    ]
    for index in range(workers):
        commands.append((f"outbox{index}", [*td, "outbox", "--skip-checks", "work"]))
        commands.append(
            (f"worker{index}", [*td, "db_worker", "--queue-name", "*", "--skip-checks"])
        )
    processes = []
    for name, command in commands:
        out = open(logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        processes.append(
            subprocess.Popen(
                command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{args.port}/ready", timeout=5) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop(processes)
            raise SystemExit(f"web not ready; see {logs}/web.log")
        time.sleep(1)
    return processes


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def cpu_seconds(processes: list[subprocess.Popen[bytes]]) -> float:
    """User + system CPU of the process groups (children included), from /proc."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for process in processes:
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == process.pid:  # process group id
                total += (int(fields[11]) + int(fields[12])) / tick
    return total


def run_locust(args: argparse.Namespace, prefix: Path, env: dict[str, str], seconds: int) -> None:
    command = [
        str(LOCUST),
        "-f",
        str(ROOT / "bench" / "load" / "locustfile.py"),
        "--headless",
        "-u",
        str(args.users),
        "-r",
        str(args.spawn_rate),
        "-t",
        f"{seconds}s",
        "--host",
        f"http://127.0.0.1:{args.port}",
        "--csv",
        str(prefix),
        "--only-summary",
        "--stop-timeout",
        "10",
        "--loglevel",
        "WARNING",
    ]
    subprocess.run(command, env=env, check=False)


def read_stats(prefix: Path) -> list[dict[str, str]]:
    text = Path(f"{prefix}_stats.csv").read_text()
    return list(csv.DictReader(io.StringIO(text)))


def one_topology(
    web: int, workers: int, args: argparse.Namespace, env: dict[str, str]
) -> dict[str, Any]:
    print(f"\n== {web} web + {workers} worker(s) ==", flush=True)
    processes = start_topology(web, workers, args, env)
    try:
        out = Path(args.out) / f"{web}x{workers}"
        if args.warmup:
            run_locust(args, out / "warmup", env, args.warmup)
        sampler = Sampler()
        sampler.start()
        cpu_before = cpu_seconds(processes)
        began = time.time()
        run_locust(args, out / "locust", env, args.duration)
        elapsed = time.time() - began
        cpu_used = cpu_seconds(processes) - cpu_before
        drain_began = time.monotonic()
        while pending_now() and time.monotonic() - drain_began < 300:
            time.sleep(1)
        drained = time.monotonic() - drain_began
        sampler.stopping.set()
        sampler.join()
        left = pending_now()
    finally:
        stop(processes)
    stats = read_stats(Path(args.out) / f"{web}x{workers}" / "locust")
    samples = sampler.samples
    return {
        "topology": f"{web}x{workers}",
        "stats": stats,
        "elapsed": elapsed,
        "cpu": cpu_used,
        "lag_max": max((s["lag"] for s in samples), default=0.0),
        "lag_median": statistics.median([s["lag"] for s in samples]) if samples else 0.0,
        "pending_max": max((s["pending"] for s in samples), default=0.0),
        "dead": max((s["dead"] for s in samples), default=0.0),
        "load": [round(s["load"], 1) for s in samples],
        "drained_in": drained,
        "left": left,
    }


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        f"Users {args.users} (agents : customers : API : mail = 6 : 3 : 2 : 1 by weight), "
        f"{args.duration} s measured after {args.warmup} s warm-up, {args.threads} threads per "
        "web process.",
        "",
    ]
    names = [row["Name"] for row in results[0]["stats"] if row["Name"] != "Aggregated"]
    header = (
        "| operation | "
        + " | ".join(
            f"{t} req/s | {t} p50 ms | {t} p95 ms | {t} failures"
            for t in (r["topology"] for r in results)
        )
        + " |"
    )
    lines += [header, "|---|" + "---:|" * (4 * len(results))]
    for name in [*names, "Aggregated"]:
        cells = []
        for result in results:
            row = next((r for r in result["stats"] if r["Name"] == name), None)
            if row is None:
                cells += ["–"] * 4
                continue
            cells += [
                f"{float(row['Requests/s']):.1f}",
                row["50%"],
                row["95%"],
                row["Failure Count"],
            ]
        label = f"**{name}**" if name == "Aggregated" else name
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        "| topology | server CPU s | consumer lag median / max s | deliveries waiting max "
        "| dead letters | caught up after the load | load average (5 s samples) |"
    )
    lines.append("|---|---:|---:|---:|---:|---|---|")
    for r in results:
        caught = f"{r['drained_in']:.0f} s" if not r["left"] else f"not in 300 s ({r['left']} left)"
        loads = r["load"]
        load_text = f"{min(loads)}–{max(loads)}" if loads else "–"
        lines.append(
            f"| {r['topology']} | {r['cpu']:.0f} | {r['lag_median']:.1f} / {r['lag_max']:.1f} | "
            f"{r['pending_max']:.0f} | {r['dead']:.0f} | {caught} | {load_text} |"
        )
    if len(results) >= 2:
        first = next(r for r in results[0]["stats"] if r["Name"] == "Aggregated")
        last = next(r for r in results[-1]["stats"] if r["Name"] == "Aggregated")
        ratio = float(last["Requests/s"]) / max(float(first["Requests/s"]), 1e-9)
        lines += [
            "",
            f"Throughput ratio {results[-1]['topology']} ÷ {results[0]['topology']}: "
            f"**{ratio:.2f}**",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    var_dir = out / "var"
    var_dir.mkdir(exist_ok=True)
    setup_django(args.database_url, var_dir)
    fixture_path = out / "fixture.json"
    prepare_fixture(fixture_path)
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "TICKETDESK_VAR_DIR": str(var_dir),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": "8126",
            "PROMETHEUS_MULTIPROC_DIR": str(out / "prometheus"),
            "TD_LOAD_FIXTURE": str(fixture_path),
            "TD_LOAD_SMTP": "127.0.0.1:8125",
            "PYTHONPATH": str(ROOT / "src"),
        }
    )
    (out / "prometheus").mkdir(exist_ok=True)
    results = []
    for topology in args.topology or ["1x1", "2x2"]:
        web, workers = (int(part) for part in topology.split("x"))
        results.append(one_topology(web, workers, args, env))
    text = report(results, args)
    print(text)
    (out / "report.md").write_text(text)


if __name__ == "__main__":
    main(sys.argv[1:])
