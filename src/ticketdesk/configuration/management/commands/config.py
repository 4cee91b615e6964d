"""`ticketdesk config export > desk.yaml` writes the whole configuration as one YAML file;
`ticketdesk config import desk.yaml [--dry-run]` shows what it changes (added, changed,
removed per kind) and applies it in one transaction unless --dry-run."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ticketdesk.configuration.actions import import_configuration
from ticketdesk.configuration.document import export_text
from ticketdesk.core.errors import ValidationFailed


class Command(BaseCommand):
    help = "Export the configuration as YAML, or import a configuration file (see --dry-run)."

    def add_arguments(self, parser: Any) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True)
        commands.add_parser("export", help="Write the configuration to standard output.")
        importing = commands.add_parser("import", help="Apply a configuration file.")
        importing.add_argument("path", help="The YAML file ('-': standard input).")
        importing.add_argument(
            "--dry-run", action="store_true", help="Show the changes without applying them."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "export":
            try:
                self.stdout.write(export_text(), ending="")
            except ValidationFailed as error:
                raise CommandError(error.message) from error
            return
        path = options["path"]
        try:
            if path == "-":
                text = sys.stdin.read()
            else:
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from error
        try:
            plan = import_configuration(text, actor=None, dry_run=options["dry_run"])
        except ValidationFailed as error:  # a bad file, or duplicate keys in this desk
            raise CommandError(f"{path}: {error.message}") from error
        self.stdout.write(plan.text())
        if not plan.has_changes:
            return
        if options["dry_run"]:
            self.stdout.write(self.style.WARNING("Dry run: nothing was applied."))
        else:
            self.stdout.write(self.style.SUCCESS("Configuration applied."))
