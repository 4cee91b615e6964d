"""`ticketdesk import_items FILE.csv`: import items (assets, products, services) from CSV,
all rows or none, with a progress bar and a per-row error report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ticketdesk.assets import importing
from ticketdesk.core.progress import Progress


class Command(BaseCommand):
    help = "Import items from a CSV file (all rows or none; each problem is listed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(str(error)) from error
        bar: Progress | None = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = Progress(self.stdout if options["verbosity"] else None, total, "items")
            bar.advance(done - bar.done)

        result = importing.import_items(data, actor=None, progress=progress)
        if bar is not None:
            bar.finish()
        if not result.ok:
            for problem in result.errors:
                column = f" [{problem.field}]" if problem.field else ""
                self.stderr.write(f"line {problem.row}{column}: {problem.message}")
            raise CommandError(f"{len(result.errors)} problem(s): nothing was imported.")
        self.stdout.write(
            f"{result.created} created, {result.updated} updated, {result.relations} relationships."
        )
