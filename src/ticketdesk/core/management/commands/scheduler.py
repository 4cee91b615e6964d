"""Enqueue the registered periodic jobs when they are due. Several schedulers may run (on
several machines): one holds the lease and works, the others stand by to take over."""

from __future__ import annotations

import os
import signal
import socket
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from ticketdesk.core import scheduler

RENEW_SECONDS = 10


class Command(BaseCommand):
    help = "Enqueue periodic background jobs (SLA checks, mail polling, digests, purges)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Enqueue every due job once and exit."
        )
        parser.add_argument(
            "--force", action="store_true", help="With --once: enqueue every job, due or not."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        holder = f"{socket.gethostname()}:{os.getpid()}"
        running = True

        def stop(signum: int, frame: Any) -> None:
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        if options["once"]:
            if not scheduler.acquire_lease(holder):
                other, _until = scheduler.current_holder()
                self.stderr.write(f"Another scheduler is running ({other}); nothing done.")
                return
            try:
                for name in scheduler.run_due(holder, force=options["force"]):
                    self.stdout.write(f"enqueued {name}")
            finally:
                scheduler.release_lease(holder)
            return
        leading = False
        last_renew = 0.0
        try:
            while running:
                close_old_connections()
                now = time.monotonic()
                if now - last_renew >= RENEW_SECONDS or not leading:
                    was_leading = leading
                    leading = scheduler.acquire_lease(holder)
                    last_renew = now
                    if leading and not was_leading:
                        self.stdout.write(f"scheduler {holder}: running the periodic jobs")
                    elif not leading and was_leading:
                        self.stdout.write(f"scheduler {holder}: lost the lease, standing by")
                if leading:
                    scheduler.run_due(holder)
                for _ in range(10 if leading else 50):  # 1 s working, 5 s standing by
                    if not running:
                        break
                    time.sleep(0.1)
        finally:
            if leading:
                scheduler.release_lease(holder)
