"""`ticketdesk import_directory people.csv`: employees' departments and managers from a CSV
file (columns: email, name, department, manager_email)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ticketdesk.catalog import actions
from ticketdesk.catalog.actions.directory import read_rows
from ticketdesk.core.errors import ValidationFailed


class Command(BaseCommand):
    help = "Import employees' departments and managers from a CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="CSV file: email, name, department, manager_email")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with open(options["path"], encoding="utf-8-sig", newline="") as handle:
                report = actions.import_directory(read_rows(handle))
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        except ValidationFailed as exc:
            raise CommandError(str(exc.message)) from exc
        for error in report.errors:
            self.stderr.write(error)
        self.stdout.write(
            f"created {report.created}, updated {report.updated}, "
            f"with a manager {report.managers}, errors {len(report.errors)}"
        )
