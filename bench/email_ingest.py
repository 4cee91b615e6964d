"""Email ingestion benchmark and backlog drill (issue 4).

    python bench/email_ingest.py                           # SQLite file database (WAL), temp dir
    python bench/email_ingest.py --database-url postgres://postgres@127.0.0.1:5432/postgres
    python bench/email_ingest.py --messages 1000 --backlog 10000

1. Throughput: `--messages` generated mails (plain, HTML, with an attachment; every third one a
   reply threading by In-Reply-To onto an earlier ticket) through `channels.email.ingest.ingest`
   (store the raw bytes, then parse and process) in this one process: messages/s wall and per
   CPU second of the process.
2. Backlog (`--backlog N`, 0 skips): N more mails only *stored* (`ingest.store`, state
   `received`, the store-first step every entry point takes), then drained by the real worker
   (`ticketdesk db_worker --queue-name mail` running the `email.poll_mailboxes` task, which
   re-processes stuck `received` mail through `ingest.retry_stuck`). The worker is killed with
   SIGKILL when about N/2 are done and started again; at the end every stored mail must be
   processed (or quarantined with a reason), each Message-ID must be on exactly one ticket
   message, and the number of tickets must match the number of new conversations.
The database is created for the run and removed afterwards (unless --keep).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from run import prepare_database, rate, setup_django  # noqa: E402

MAILBOX = "support@bench.example"
BATCH = 100  # ingest.retry_stuck's default limit: messages per poll_mailboxes task


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        default="",
        help="A PostgreSQL server URL: a temporary database is created there for the run. "
        "Default: a SQLite file database in a temporary directory.",
    )
    parser.add_argument("--messages", type=int, default=1000, help="mails ingested (timed)")
    parser.add_argument(
        "--backlog", type=int, default=10_000, help="mails stored, then drained (0: skip)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    args.existing = False  # what run.prepare_database expects
    return args


# --- generated mail -----------------------------------------------------------------------------

SUBJECTS = [
    "VPN drops every few minutes",
    "Cannot print to the second floor printer",
    "Password reset link expired",
    "Invoice 2026-{n} is wrong",
    "Laptop fan very loud",
    "Access to the shared drive",
]
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 16 + b"\n%%EOF\n"


def make_messages(count: int, prefix: str, seed: int = 42) -> list[bytes]:
    """`count` raw mails: kinds plain / HTML / attachment in turn; every third one (from the
    fourth on) a reply by the same sender to an earlier mail of the run."""
    rng = random.Random(seed)
    sent: list[tuple[str, str, str]] = []  # (message id, sender, subject)
    base = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    raws = []
    for i in range(count):
        msg = EmailMessage()
        message_id = f"<{prefix}-{i}@mail.bench.example>"
        if i % 3 == 2 and i >= 3:
            parent_id, sender, subject = sent[rng.randrange(len(sent))]
            subject = subject if subject.startswith("Re: ") else f"Re: {subject}"
            msg["In-Reply-To"] = parent_id
            msg["References"] = parent_id
        else:
            sender = f"customer{i % 97}@client{i % 7}.example"
            subject = rng.choice(SUBJECTS).format(n=i)
        msg["Subject"] = subject
        msg["From"] = f"Customer {i % 97} <{sender}>"
        msg["To"] = MAILBOX
        msg["Date"] = format_datetime(base + dt.timedelta(seconds=i))
        msg["Message-ID"] = message_id
        text = (
            f"Hello,\n\nmessage {i}: since this morning it does not work; I tried twice.\n"
            "Could you have a look?\n\nThanks,\nCustomer\n\n-- \nSent from my phone\n"
        )
        kind = (i // 3) % 3
        msg.set_content(text)
        if kind >= 1:
            paragraphs = "".join(f"<p>{line}</p>" for line in text.split("\n\n"))
            msg.add_alternative(
                f'<html><body><div style="color:#333">{paragraphs}'
                f'<img src="https://tracker.example/p{i}.gif"></div></body></html>',
                subtype="html",
            )
        if kind == 2:
            msg.add_attachment(
                PDF, maintype="application", subtype="pdf", filename=f"report-{i}.pdf"
            )
        sent.append((message_id, sender, subject))
        raws.append(msg.as_bytes())
    return raws


def new_conversations(count: int) -> int:
    return sum(1 for i in range(count) if not (i % 3 == 2 and i >= 3))


# --- benchmarks ---------------------------------------------------------------------------------


def setup_mailbox() -> Any:
    from ticketdesk.accounts.models import Team
    from ticketdesk.channels.email.models import Mailbox

    team = Team.objects.create(name="Bench mail", slug="bench-mail")
    return Mailbox.objects.create(name="Bench", address=MAILBOX, team=team)


def state_counts(prefix: str) -> dict[str, int]:
    from django.db.models import Count

    from ticketdesk.channels.email.models import InboundEmail

    rows = (
        InboundEmail.objects.filter(email_message_id__startswith=f"{prefix}-")
        .values("state")
        .annotate(n=Count("id"))
    )
    return {row["state"]: row["n"] for row in rows}


def check_messages(prefix: str) -> dict[str, int]:
    """How many Message-IDs of the run are on ticket messages, and how many more than once."""
    from django.db.models import Count

    from ticketdesk.channels.email.models import InboundEmail
    from ticketdesk.tickets.models import Message

    per_id = (
        Message.objects.filter(external_message_id__startswith=f"{prefix}-")
        .values("external_message_id")
        .annotate(n=Count("id"))
    )
    distinct = per_id.count()
    doubled = per_id.filter(n__gt=1).count()
    quarantined_without_reason = InboundEmail.objects.filter(
        email_message_id__startswith=f"{prefix}-", state="quarantined", reason=""
    ).count()
    processed_without_message = InboundEmail.objects.filter(
        email_message_id__startswith=f"{prefix}-", state="processed", message__isnull=True
    ).count()
    return {
        "messages_with_id": distinct,
        "ids_on_several_messages": doubled,
        "quarantined_without_reason": quarantined_without_reason,
        "processed_without_message": processed_without_message,
    }


def tickets_of(prefix: str) -> int:
    from ticketdesk.channels.email.models import InboundEmail

    return (
        InboundEmail.objects.filter(email_message_id__startswith=f"{prefix}-", thread_reason="new")
        .values("ticket_id")
        .distinct()
        .count()
    )


def bench_throughput(args: argparse.Namespace, mailbox: Any) -> dict[str, Any]:
    from ticketdesk.channels.email.ingest import ingest

    for raw in make_messages(12, "warmup"):
        ingest(raw, mailbox=mailbox)
    raws = make_messages(args.messages, "tp")
    started, cpu_started = time.perf_counter(), time.process_time()
    for raw in raws:
        ingest(raw, mailbox=mailbox)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    return {
        "count": args.messages,
        "seconds": seconds,
        "cpu": cpu,
        "states": state_counts("tp"),
        "checks": check_messages("tp"),
        "tickets": tickets_of("tp"),
        "expected_tickets": new_conversations(args.messages),
    }


def _cpu_of(rusage: Any) -> float:
    return float(rusage.ru_utime + rusage.ru_stime)


def _start_worker(log: Any) -> subprocess.Popen[bytes]:
    command = [
        str(Path(sys.executable).parent / "ticketdesk"),
        "db_worker",
        "--queue-name",
        "mail",
        "--batch",
        "--no-startup-delay",
        "--skip-checks",
    ]
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy())


def bench_backlog(args: argparse.Namespace, mailbox: Any, workdir: Path) -> dict[str, Any]:
    from ticketdesk.channels.email import tasks
    from ticketdesk.channels.email.ingest import store
    from ticketdesk.channels.email.models import InboundEmail, InboundState, Source
    from ticketdesk.core import clock

    total = args.backlog
    raws = make_messages(total, "bl", seed=7)
    started = time.perf_counter()
    for raw in raws:
        store(raw, mailbox=mailbox, source=Source.PIPE)
    store_seconds = time.perf_counter() - started
    backlog = InboundEmail.objects.filter(email_message_id__startswith="bl-")
    # retry_stuck only takes mail left `received` for 5 minutes: make the backlog that old.
    backlog.update(received_at=clock.now() - dt.timedelta(hours=1))
    for _i in range(total // BATCH + 5):
        tasks.poll_mailboxes.enqueue()

    def done() -> int:
        return backlog.exclude(state=InboundState.RECEIVED).count()

    log = (workdir / "worker.log").open("wb")
    runs: list[dict[str, Any]] = []
    drain_started = time.perf_counter()
    worker = _start_worker(log)
    while worker.poll() is None and done() < total // 2:
        time.sleep(0.2)
    killed_at = done()
    if worker.returncode is not None:
        log.close()
        tail = (workdir / "worker.log").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"the worker exited ({worker.returncode}) before half:\n{tail}")
    os.kill(worker.pid, signal.SIGKILL)
    _pid, status, rusage = os.wait4(worker.pid, 0)
    worker.returncode = -signal.SIGKILL
    runs.append({"exit": "SIGKILL", "done_after": killed_at, "cpu": _cpu_of(rusage)})
    for _attempt in range(5):  # the restart; more tasks only if the queue ran dry
        if done() >= total:
            break
        if _attempt:
            for _i in range((total - done()) // BATCH + 2):
                tasks.poll_mailboxes.enqueue()
        worker = _start_worker(log)
        _pid, status, rusage = os.wait4(worker.pid, 0)
        worker.returncode = os.waitstatus_to_exitcode(status)
        runs.append({"exit": worker.returncode, "done_after": done(), "cpu": _cpu_of(rusage)})
    drain_seconds = time.perf_counter() - drain_started
    log.close()
    return {
        "count": total,
        "store_seconds": store_seconds,
        "drain_seconds": drain_seconds,
        "runs": runs,
        "states": state_counts("bl"),
        "checks": check_messages("bl"),
        "tickets": tickets_of("bl"),
        "expected_tickets": new_conversations(total),
    }


def verdict(result: dict[str, Any]) -> bool:
    states, checks = result["states"], result["checks"]
    processed = states.get("processed", 0)
    return (
        sum(states.values()) == result["count"]
        and states.get("received", 0) == 0
        and processed + states.get("quarantined", 0) == result["count"]
        and checks["messages_with_id"] == processed
        and checks["ids_on_several_messages"] == 0
        and checks["quarantined_without_reason"] == 0
        and checks["processed_without_message"] == 0
        and (result["tickets"] == result["expected_tickets"] or states.get("quarantined", 0) > 0)
    )


def report(label: str, results: dict[str, Any]) -> str:
    lines = [
        f"### {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC — {label}",
        "",
        f"Command: `python bench/email_ingest.py {' '.join(sys.argv[1:])}`".rstrip(),
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "",
        "Load average (1 min) at start / end: {:.1f} / {:.1f}".format(
            results["load_start"], results["load_end"]
        ),
        "",
    ]
    tp = results.get("throughput")
    if tp:
        lines += [
            "| benchmark | messages | wall s | messages/s (wall) | process CPU s "
            "| messages per CPU second |",
            "|---|---:|---:|---:|---:|---:|",
            f"| ingest() (store + process), one process | {tp['count']} | {tp['seconds']:.2f} "
            f"| {rate(tp['count'], tp['seconds']):.0f} | {tp['cpu']:.2f} "
            f"| {rate(tp['count'], tp['cpu']):.0f} |",
            "",
            f"States: {tp['states']}; tickets opened {tp['tickets']} "
            f"(expected {tp['expected_tickets']}); {tp['checks']}; "
            f"{'OK' if verdict(tp) else 'FAILED'}",
            "",
        ]
    bl = results.get("backlog")
    if bl:
        worker_cpu = sum(run["cpu"] for run in bl["runs"])
        lines += [
            f"Backlog of {bl['count']:,}: stored (`ingest.store`) in {bl['store_seconds']:.1f} s "
            f"({rate(bl['count'], bl['store_seconds']):.0f}/s); drained by `db_worker` in "
            f"{bl['drain_seconds']:.1f} s wall ({rate(bl['count'], bl['drain_seconds']):.0f}/s), "
            f"worker CPU {worker_cpu:.1f} s ({rate(bl['count'], worker_cpu):.0f}/CPU s).",
            "",
            "| worker run | exit | done after the run | worker CPU s |",
            "|---|---|---:|---:|",
        ]
        for number, run in enumerate(bl["runs"], 1):
            lines.append(f"| {number} | {run['exit']} | {run['done_after']} | {run['cpu']:.1f} |")
        lines += [
            "",
            f"States: {bl['states']}; tickets opened {bl['tickets']} "
            f"(expected {bl['expected_tickets']}); {bl['checks']}; "
            f"{'OK: nothing lost, nothing doubled' if verdict(bl) else 'FAILED'}",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> dict[str, Any]:
    args = parse_args(argv)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="td-bench-mail-") as workdir:
        label, cleanup = prepare_database(args, Path(workdir))
        try:
            setup_django()
            from django.conf import settings

            settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
            results["load_start"] = os.getloadavg()[0]
            mailbox = setup_mailbox()
            if args.messages > 0:
                results["throughput"] = bench_throughput(args, mailbox)
            if args.backlog > 0:
                results["backlog"] = bench_backlog(args, mailbox, Path(workdir))
            results["load_end"] = os.getloadavg()[0]
            print()
            print(report(label, results))
        finally:
            if not args.keep:
                cleanup()
            else:
                print(f"Kept database: {os.environ['DATABASE_URL']}")
    return results


if __name__ == "__main__":
    figures = main(sys.argv[1:])
    ok = all(verdict(figures[key]) for key in ("throughput", "backlog") if key in figures)
    sys.exit(0 if ok else 1)
