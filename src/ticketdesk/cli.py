"""The `ticketdesk` console command: any Django management command, plus our own
(`ticketdesk run`, `ticketdesk demo`, `ticketdesk createagent`, ...)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketdesk.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    os.umask(settings.TICKETDESK_UMASK)  # private files (docs/configuration.md)

    execute_from_command_line(["ticketdesk", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
