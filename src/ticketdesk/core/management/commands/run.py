"""`ticketdesk run`: the web server, a task worker, an outbox worker and the scheduler.

With --setup it first migrates, and loads the demo data when the database is empty.
Ctrl-C stops them all.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DatabaseError
from django.db import connection as db_connection


class Command(BaseCommand):
    help = "Serve Ticketdesk with a background worker and the scheduler."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default=os.environ.get("TICKETDESK_BIND", "127.0.0.1:8000"))
        parser.add_argument("--setup", action="store_true", help="Migrate and load demo data.")
        parser.add_argument("--workers", type=int, default=2, help="Web worker processes.")
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("TICKETDESK_WEB_THREADS", "25")),
            help="Threads per web process. Each open live chat stream (a visitor's widget, "
            "an agent's console) holds one while it is open.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["setup"]:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("collectstatic", interactive=False, verbosity=0)
            self.stdout.write(self.style.SUCCESS("Database is up to date."))
            from ticketdesk.tickets.models import Ticket

            if not Ticket.objects.exists():
                self.stdout.write("The database is empty: loading demo data…")
                call_command("demo")
        executable = [sys.executable, "-m", "ticketdesk.cli"]
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "ticketdesk.wsgi:application",
            "--bind",
            options["bind"],
            "--workers",
            str(options["workers"]),
            "--threads",
            str(options["threads"]),
            "--worker-class",
            "gthread",
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "5",
            # idle keep-alive connections (the widget's posts) wait in gunicorn's poller, not
            # in a thread; 2 s (gunicorn's default) closed them under clients that reuse them
            "--keep-alive",
            "75",
        ]
        commands = {
            "web": web,
            "worker": [*executable, "db_worker", "--queue-name", "*", "--skip-checks"],
            "outbox": [*executable, "outbox", "--skip-checks", "work"],
            "scheduler": [*executable, "scheduler", "--skip-checks"],
        }
        # the web and worker processes count their metrics in one folder, so any web process
        # answers /metrics for all of them (core/metrics.py)
        env = dict(os.environ)
        if not env.get("PROMETHEUS_MULTIPROC_DIR"):
            metrics_dir = Path(settings.VAR_DIR) / "prometheus"
            shutil.rmtree(metrics_dir, ignore_errors=True)
            metrics_dir.mkdir(parents=True, mode=0o700)
            env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        if not (
            env.get("REDIS_URL") or env.get("TICKETDESK_CACHE") or env.get("TICKETDESK_DB_CACHE")
        ):
            # rate limits and loop protection counted once for all the processes
            env["TICKETDESK_CACHE"] = "file"
        processes = {name: subprocess.Popen(cmd, env=env) for name, cmd in commands.items()}
        url = f"http://{options['bind']}/"
        self.stdout.write(self.style.SUCCESS(f"\nTicketdesk is running at {url}"))
        self.stdout.write(f"  Agent workspace: {url}   Portal: {url}portal/   Admin: {url}admin/")
        if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            self.stdout.write(f"  Database: {settings.DATABASES['default']['NAME']}")
        else:
            self.stdout.write(connection_budget(options["workers"], options["threads"], env))
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            self.stdout.write(
                f"  Outgoing mail (no EMAIL_HOST set) is written to {settings.EMAIL_FILE_PATH}/"
            )
        for line in demo_logins():
            self.stdout.write(line)
        db_connection.close()  # from here on this command only watches its children
        self.stdout.write("Press Ctrl-C to stop.\n")
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(f"{name} exited with {process.returncode}; stopping.")
                        stopping = True
                time.sleep(0.5)
        finally:
            # Ctrl-C already reached the children (same process group): give them a moment
            # to stop by themselves before asking again, so no task is cut off twice.
            grace = time.monotonic() + 5
            while time.monotonic() < grace and any(p.poll() is None for p in processes.values()):
                time.sleep(0.2)
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()
            deadline = time.monotonic() + 10
            for process in processes.values():
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
            self.stdout.write("Stopped.")


OTHER_CONNECTIONS = 6  # task worker, outbox worker, scheduler, a chat LISTEN per web process


def connection_budget(workers: int, threads: int, env: dict[str, str]) -> str:
    """What the web processes may take from PostgreSQL (docs/production.md), and a warning
    when it does not fit in max_connections."""
    pool = int(env.get("TICKETDESK_DB_POOL") or "10")  # wsgi.py's default
    per_process = min(pool, threads) if pool > 0 else threads
    wanted = workers * per_process + OTHER_CONNECTIONS
    line = (
        f"  PostgreSQL: {workers} web processes × {per_process} connections"
        f" ({'pool' if pool > 0 else 'one per thread'}) + {OTHER_CONNECTIONS} others"
        f" = {wanted}"
    )
    try:
        with db_connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('max_connections')::int"
                " - current_setting('superuser_reserved_connections')::int"
            )
            row = cursor.fetchone()
    except DatabaseError:
        return line
    finally:
        db_connection.close()  # from here on this command only watches its children
    available = int(row[0]) if row else 0
    if wanted > available:
        return (
            f"{line} > {available} that max_connections allows: lower TICKETDESK_DB_POOL or"
            " --workers, or raise max_connections"
        )
    return f"{line} of {available}"


def demo_logins() -> list[str]:
    """The demo logins, only while the demo's accounts are there with their password."""
    from ticketdesk.accounts.models import User
    from ticketdesk.tickets.management.commands.demo import DEMO_LOGINS, DEMO_PASSWORD

    names = [username for username, _password, _role in DEMO_LOGINS]
    admin = User.objects.filter(username=names[0], is_active=True).first()
    demo = (
        admin is not None
        and User.objects.filter(username__in=names).count() == len(names)
        and admin.check_password(DEMO_PASSWORD)
    )
    if not demo:
        return ["  Sign in with your accounts (a first administrator: ticketdesk createsuperuser)."]
    return ["  Demo logins (user / password):"] + [
        f"    {username:<10} {password:<14} {role}" for username, password, role in DEMO_LOGINS
    ]
