"""`ticketdesk backup`: the database and every stored file in one archive (core/backup.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from ticketdesk.core import backup


class Command(BaseCommand):
    help = "Write a backup of the database and the attachments to one archive."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--output",
            "-o",
            type=Path,
            help="Archive to write (default: var/backups/ticketdesk-<time>.tar).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["output"] or backup.default_backup_path()
        try:
            report = backup.create_backup(path, out=self.stdout)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        for name in report.missing:
            self.stderr.write(f"warning: {name} was deleted while the backup ran")
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {report.path} ({report.files} files, "
                f"{filesizeformat(report.bytes)} of attachments, "
                f"{filesizeformat(report.path.stat().st_size)} in all)."
            )
        )
