"""`ticketdesk restore <archive>`: a backup into this installation (core/backup.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from ticketdesk.core import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `ticketdesk backup` into this installation (stop the web "
        "and worker processes first). Refuses an installation that has tickets unless --force."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force", action="store_true", help="Replace the data of a non-empty installation."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["archive"]
        if not path.is_file():
            raise CommandError(f"No such backup: {path}")
        try:
            report = backup.restore_backup(path, force=options["force"], out=self.stdout)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        # a backup of an older version is brought up to this one
        call_command("migrate", verbosity=0)
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {path}: database, {report.files} files written, "
                f"{report.skipped} already present."
            )
        )
