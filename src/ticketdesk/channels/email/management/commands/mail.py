"""`ticketdesk mail ingest|serve|poll|reprocess`: the ways mail comes in, from the shell."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connections

EX_OK = 0
EX_TEMPFAIL = 75  # sysexits.h: the MTA keeps the message and retries


class Command(BaseCommand):
    help = "Email channel: ingest mail from files or stdin, serve SMTP/LMTP, poll IMAP."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True)
        ingest = commands.add_parser(
            "ingest", help="Ingest one message per FILE (stdin when none); exit 75 to retry."
        )
        ingest.add_argument("files", nargs="*", metavar="FILE")
        ingest.add_argument("--mailbox", help="address of the mailbox the mail arrived on")
        serve = commands.add_parser("serve", help="Run the SMTP (or LMTP) listener.")
        serve.add_argument("--host", default="127.0.0.1")
        serve.add_argument("--port", type=int, default=8025)
        serve.add_argument("--lmtp", action="store_true", help="speak LMTP instead of SMTP")
        commands.add_parser("poll", help="Poll every active IMAP mailbox once.")
        reprocess = commands.add_parser("reprocess", help="Re-process quarantined mail.")
        reprocess.add_argument("ids", nargs="*", type=int)
        reprocess.add_argument("--all", action="store_true", help="every quarantined message")

    def handle(self, *args: Any, **options: Any) -> None:
        handler = getattr(self, f"_{options['subcommand']}")
        handler(options)

    def _ingest(self, options: dict[str, Any]) -> None:
        from ...ingest import ingest
        from ...models import Mailbox, Source

        try:
            mailbox = None
            if options["mailbox"]:
                mailbox = Mailbox.objects.filter(address__iexact=options["mailbox"]).first()
                if mailbox is None:
                    raise CommandError(f"no mailbox {options['mailbox']}")
            sources = options["files"] or ["-"]
            for name in sources:
                raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
                inbound = ingest(raw, mailbox=mailbox, source=Source.PIPE)
                self.stdout.write(f"{name}: {inbound.state} #{inbound.pk}")
        except DatabaseError as exc:
            self.stderr.write(f"database unavailable, try again later: {exc}")
            sys.exit(EX_TEMPFAIL)
        except OSError as exc:
            self.stderr.write(f"cannot read the message: {exc}")
            sys.exit(EX_TEMPFAIL)
        finally:
            connections.close_all()

    def _serve(self, options: dict[str, Any]) -> None:
        from ...smtp import make_controller

        controller = make_controller(options["host"], options["port"], lmtp=options["lmtp"])
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_args: stop.set())
        controller.start()
        protocol = "LMTP" if options["lmtp"] else "SMTP"
        self.stdout.write(f"{protocol} listening on {options['host']}:{options['port']}")
        try:
            stop.wait()
        finally:
            controller.stop()

    def _poll(self, options: dict[str, Any]) -> None:
        from ...imap import poll_all

        self.stdout.write(f"{poll_all()} messages taken")

    def _reprocess(self, options: dict[str, Any]) -> None:
        from ...ingest import reprocess
        from ...models import InboundEmail, InboundState

        queryset = InboundEmail.objects.filter(state=InboundState.QUARANTINED)
        if not options["all"]:
            queryset = queryset.filter(pk__in=options["ids"])
        for inbound in queryset.order_by("id").iterator():
            result = reprocess(inbound)
            self.stdout.write(f"#{result.pk}: {result.state} {result.reason}")
