"""Inbound messaging webhook throughput (issue 14: >= 200 messages/s): accepting, and the
worker's drain.

    python bench/messaging_inbound.py                      # SQLite file database (WAL), temp dir
    python bench/messaging_inbound.py --database-url postgres://postgres@127.0.0.1:5432/postgres \
        --workers 2

Signed WhatsApp Cloud API webhooks (one text message each; `--senders` distinct numbers, so
the first message of each opens a ticket and the rest thread onto it) are posted through
Django's full request stack (middleware, signature check, JSON, the accept step) in this
process. Three passes:

1. accept: `--messages` first deliveries with no worker running (the webhook stores and
   answers), then every one delivered again (redeliveries: nothing is stored);
2. drain: `--workers` outbox worker processes (`django-admin outbox work`) start and take
   the stored messages in (tickets, replies, events); drain rate = messages / (last
   processed - first processed), and the time until every outbox consumer (SLA, search,
   reports, ...) has caught up too;
3. live: the workers keep running while `--messages` more deliveries are posted; the accept
   rate under that load, and the lag from the first accepted to the last processed message
   (and per message p50/p95).

The database is created for the run and removed afterwards (unless --keep).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from run import prepare_database, rate, setup_django  # noqa: E402

SECRET = "bench-app-secret"
PHONE_NUMBER_ID = "106540352242922"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=200)
    parser.add_argument("--workers", type=int, default=0, help="default: SQLite 1, PostgreSQL 2")
    parser.add_argument(
        "--concurrency", type=int, default=1, help="threads posting (one connection each)"
    )
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    args.existing = False
    return args


def payload(n: int, senders: int) -> bytes:
    sender = str(5511900000000 + n % senders)
    body = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550783881",
                                "phone_number_id": PHONE_NUMBER_ID,
                            },
                            "contacts": [
                                {"profile": {"name": f"Sender {sender}"}, "wa_id": sender}
                            ],
                            "messages": [
                                {
                                    "from": sender,
                                    "id": f"wamid.bench{n}",
                                    "timestamp": str(int(time.time())),
                                    "type": "text",
                                    "text": {"body": f"Message {n}: the order has not arrived"},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(body).encode()


def post_all(url: str, bodies: list[bytes], concurrency: int = 1) -> tuple[float, float]:
    """POST every body (signed) through Django's request stack, from `concurrency` threads
    (each with its own client and database connection, as a threaded web server has)."""
    from django.db import connection
    from django.test import Client

    def post_slice(part: list[bytes]) -> None:
        client = Client(SERVER_NAME="localhost")
        try:
            for body in part:
                digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                response = client.post(
                    url,
                    data=body,
                    content_type="application/json",
                    headers={"X-Hub-Signature-256": "sha256=" + digest},
                )
                assert response.status_code == 200, response.content
        finally:
            if concurrency > 1:
                connection.close()

    cpu_before = _cpu()
    started = time.perf_counter()
    if concurrency <= 1:
        post_slice(bodies)
    else:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for done in [
                pool.submit(post_slice, bodies[i::concurrency]) for i in range(concurrency)
            ]:
                done.result()
    return time.perf_counter() - started, _cpu() - cpu_before


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def start_workers(count: int) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "PYTHONPATH": str(BENCH.parent / "src"),
        "DJANGO_SETTINGS_MODULE": "ticketdesk.settings",
    }
    return [
        subprocess.Popen(
            [sys.executable, "-m", "django", "outbox", "work"],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def workers_cpu(workers: list[subprocess.Popen[bytes]]) -> float:
    """CPU seconds the worker processes have used so far (Linux /proc)."""
    total = 0
    for worker in workers:
        fields = Path(f"/proc/{worker.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def wait_until(done: Any, timeout: float) -> float:
    """Poll `done()` every 50 ms; the moment (perf_counter) it became true."""
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        if done():
            return time.perf_counter()
        time.sleep(0.05)
    raise SystemExit("timed out waiting for the workers")


def pending_inbound() -> int:
    from ticketdesk.channels.messaging.models import InboundMessage

    return InboundMessage.objects.filter(status="pending").count()


def outbox_idle() -> bool:
    from ticketdesk.core.models import OutboxDelivery

    return pending_inbound() == 0 and not OutboxDelivery.objects.filter(dead_at=None).exists()


def processed_span(first_id: int) -> tuple[int, float, list[float], float]:
    """(messages processed, seconds from first to last processed, per-message lags,
    seconds from first received to last processed) of rows with id >= first_id."""
    from ticketdesk.channels.messaging.models import InboundMessage

    rows = list(
        InboundMessage.objects.filter(id__gte=first_id, status="processed").values_list(
            "received_at", "processed_at"
        )
    )
    done = [p for _r, p in rows]
    span = (max(done) - min(done)).total_seconds()
    lags = sorted((p - r).total_seconds() for r, p in rows)
    end_to_end = (max(done) - min(r for r, _p in rows)).total_seconds()
    return len(rows), span, lags, end_to_end


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(len(values) * share))] if values else 0.0


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as workdir:
        label, cleanup = prepare_database(args, Path(workdir))
        workers: list[subprocess.Popen[bytes]] = []
        try:
            setup_django()
            from django.db import connection

            from ticketdesk.channels.messaging.models import ChannelAccount, InboundMessage
            from ticketdesk.tickets.models import Message, Ticket

            count = args.workers or (1 if connection.vendor == "sqlite" else 2)
            account = ChannelAccount.objects.create(
                provider="whatsapp",
                name="Bench",
                external_id=PHONE_NUMBER_ID,
                app_secret=SECRET,
                access_token="x",
            )
            url = f"/channels/messaging/{account.webhook_key}/"
            # warm-up (imports, URL resolver, first statements) on an account of its own,
            # whose rows are removed before anything is measured
            warm = ChannelAccount.objects.create(
                provider="whatsapp", name="Warm-up", app_secret=SECRET, access_token="x"
            )
            post_all(
                f"/channels/messaging/{warm.webhook_key}/",
                [payload(-1 - i, args.senders) for i in range(30)],
                args.concurrency,
            )
            warm.delete()
            n = args.messages
            bodies = [payload(i, args.senders) for i in range(n)]
            # 1. accept, no worker running
            first_wall, first_cpu = post_all(url, bodies, args.concurrency)
            again_wall, again_cpu = post_all(url, bodies, args.concurrency)
            assert InboundMessage.objects.count() == n and pending_inbound() == n
            assert not Ticket.objects.exists()
            # 2. drain by the workers
            started = time.perf_counter()
            workers = start_workers(count)
            drained = wait_until(lambda: pending_inbound() == 0, timeout=1200)
            drain_cpu = workers_cpu(workers)
            caught_up = wait_until(outbox_idle, timeout=1200)
            consumers_cpu = workers_cpu(workers)
            processed, span, _lags, _e2e = processed_span(0)
            assert processed == n, processed
            assert Ticket.objects.count() == min(args.senders, n)
            assert Message.objects.count() == n
            # 3. live: the workers running while more deliveries come in
            first_live = (
                (InboundMessage.objects.order_by("-id").values_list("id", flat=True)[0]) + 1
            )
            more = [payload(i, args.senders) for i in range(n, 2 * n)]
            live_wall, live_cpu = post_all(url, more, args.concurrency)
            wait_until(lambda: pending_inbound() == 0, timeout=1200)
            live_done, _span, lags, end_to_end = processed_span(first_live)
            assert live_done == n and Message.objects.count() == 2 * n
            stop_workers(workers)
            workers = []
            load_after = os.getloadavg()
            print(
                f"## Messaging inbound webhooks — {label}, {count} worker(s), "
                f"{args.concurrency} posting thread(s)\n"
            )
            print(
                f"load average before {load_before[0]:.2f} {load_before[1]:.2f}, "
                f"after {load_after[0]:.2f} {load_after[1]:.2f} (1 and 5 min)\n"
            )
            print("| pass | messages | wall s | msg/s | CPU s (this process) | msg/CPU s |")
            print("|---|---|---|---|---|---|")
            for name, wall, cpu in (
                ("accept (no worker)", first_wall, first_cpu),
                ("redelivery (no worker)", again_wall, again_cpu),
                ("accept (workers running)", live_wall, live_cpu),
            ):
                print(
                    f"| {name} | {n} | {wall:.2f} | {rate(n, wall):.0f} "
                    f"| {cpu:.2f} | {rate(n, cpu):.0f} |"
                )
            print()
            print(
                f"drain: {n} messages, first to last processed {span:.2f} s = "
                f"{rate(n - 1, span):.0f} msg/s; from the workers' start: all processed "
                f"{drained - started:.2f} s ({rate(n, drained - started):.0f} msg/s), every "
                f"outbox consumer caught up {caught_up - started:.2f} s"
            )
            print(
                f"workers' CPU: {drain_cpu:.2f} s until all processed (start-up included) = "
                f"{rate(n, drain_cpu):.0f} msg per worker CPU second; "
                f"{consumers_cpu:.2f} s until every consumer caught up"
            )
            print(
                f"live: first accepted to last processed {end_to_end:.2f} s "
                f"({rate(n, end_to_end):.0f} msg/s end to end); per message lag "
                f"p50 {percentile(lags, 0.5):.2f} s, p95 {percentile(lags, 0.95):.2f} s, "
                f"max {lags[-1]:.2f} s"
            )
        finally:
            stop_workers(workers)
            if not args.keep:
                cleanup()


if __name__ == "__main__":
    main(sys.argv[1:])
