"""Print a new key for TICKETDESK_ENCRYPTION_KEY (docs/configuration.md, "Secrets at rest")."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print a new Fernet key for TICKETDESK_ENCRYPTION_KEY."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(Fernet.generate_key().decode())
