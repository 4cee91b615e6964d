"""Inbound messaging webhook throughput (issue 14: >= 200 messages/s).

    python bench/messaging_inbound.py                      # SQLite file database (WAL), temp dir
    python bench/messaging_inbound.py --database-url postgres://postgres@127.0.0.1:5432/postgres

`--messages` signed WhatsApp Cloud API webhooks (one text message each; `--senders` distinct
numbers, so the first message of each opens a ticket and the rest thread onto it) are posted
through Django's full request stack (middleware, signature check, JSON, ingest) in this one
process; then every one is delivered again (redeliveries: nothing changes). Reports
messages/s wall and per CPU second. The database is created for the run and removed
afterwards (unless --keep).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import resource
import sys
import tempfile
import time
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


def post_all(client: Any, url: str, bodies: list[bytes]) -> tuple[float, float]:
    cpu_before = _cpu()
    started = time.perf_counter()
    for body in bodies:
        signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        response = client.post(
            url,
            data=body,
            content_type="application/json",
            headers={"X-Hub-Signature-256": signature},
        )
        assert response.status_code == 200, response.content
    return time.perf_counter() - started, _cpu() - cpu_before


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        label, cleanup = prepare_database(args, Path(workdir))
        try:
            setup_django()
            from django.test import Client

            from ticketdesk.channels.messaging.models import ChannelAccount, InboundMessage
            from ticketdesk.tickets.models import Message, Ticket

            account = ChannelAccount.objects.create(
                provider="whatsapp",
                name="Bench",
                external_id=PHONE_NUMBER_ID,
                app_secret=SECRET,
                access_token="x",
            )
            client = Client(SERVER_NAME="localhost")
            url = f"/channels/messaging/{account.webhook_key}/"
            bodies = [payload(n, args.senders) for n in range(args.messages)]
            first_wall, first_cpu = post_all(client, url, bodies)
            again_wall, again_cpu = post_all(client, url, bodies)
            assert InboundMessage.objects.count() == args.messages
            assert Ticket.objects.count() == min(args.senders, args.messages)
            assert Message.objects.count() == args.messages
            print(f"## Messaging inbound webhooks — {label}\n")
            print("| pass | messages | wall s | msg/s | CPU s | msg/CPU s |")
            print("|---|---|---|---|---|---|")
            for name, wall, cpu in (
                ("first delivery", first_wall, first_cpu),
                ("redelivery", again_wall, again_cpu),
            ):
                print(
                    f"| {name} | {args.messages} | {wall:.2f} | {rate(args.messages, wall):.0f} "
                    f"| {cpu:.2f} | {rate(args.messages, cpu):.0f} |"
                )
        finally:
            if not args.keep:
                cleanup()


if __name__ == "__main__":
    main(sys.argv[1:])
