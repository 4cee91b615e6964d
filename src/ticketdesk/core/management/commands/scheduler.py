"""Enqueue the registered periodic jobs on their intervals (one scheduler per installation)."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand

from ticketdesk.core.scheduler import jobs


class Command(BaseCommand):
    help = "Enqueue periodic background jobs (SLA checks, mail polling, outbox retries)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Enqueue every job once and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        running = True

        def stop(signum: int, frame: Any) -> None:
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        last_run: dict[str, float] = {}
        while running:
            now = time.monotonic()
            for job in jobs():
                if options["once"] or now - last_run.get(job.name, -1e9) >= job.every_seconds:
                    try:
                        job.task.enqueue()
                    except Exception as exc:  # keep scheduling the others
                        self.stderr.write(f"could not enqueue {job.name}: {exc}")
                    last_run[job.name] = now
            if options["once"]:
                return
            time.sleep(1)
