"""A probe for the outbox process tests, run as a separate process against a scratch
database (DATABASE_URL in the environment):

    python -m tests.outbox_probe setup            # the probe's own table
    python -m tests.outbox_probe publish N        # N probe events (and N queued mails)
    python -m tests.outbox_probe work [SECONDS]   # an outbox worker with the probe consumer

The probe consumer records each event it handles in `probe_seen` in the same transaction as
its delivery, and queues one mail per event; PROBE_SLEEP seconds per event make a batch last
long enough to be killed in the middle.
"""

from __future__ import annotations

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketdesk.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402

from ticketdesk.core import mail, outbox  # noqa: E402
from ticketdesk.core.outbox.daemon import Worker  # noqa: E402

TOPIC = "probe.event"


@outbox.consumer("probe", topics={TOPIC}, chunk_size=20)
def probe(events):
    pause = float(os.environ.get("PROBE_SLEEP", "0"))
    with connection.cursor() as cursor:
        for event in events:
            cursor.execute(
                "INSERT INTO probe_seen (event_id, worker) VALUES (%s, %s)",
                [event.pk, os.getpid()],
            )
            mail.queue_mail(
                dedupe_key=f"probe:{event.pk}",
                to=["probe@example.org"],
                subject=f"probe {event.payload['n']}",
                body="probe",
                purpose="probe",
            )
            if pause:
                time.sleep(pause)


def main(argv: list[str]) -> None:
    action = argv[0]
    if action == "setup":
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE probe_seen (event_id bigint NOT NULL, worker int)")
    elif action == "publish":
        count = int(argv[1])
        for start in range(0, count, 50):
            with transaction.atomic():
                for n in range(start, min(count, start + 50)):
                    outbox.publish(TOPIC, {"n": n})
    elif action == "work":
        seconds = float(argv[1]) if len(argv) > 1 else None
        Worker(only={"probe"}).run(max_seconds=seconds)


if __name__ == "__main__":
    main(sys.argv[1:])
