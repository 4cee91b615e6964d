"""`ticketdesk ldap_sync`: import the company directory's people as contacts, with their
department and manager (run it from cron, e.g. nightly)."""

from __future__ import annotations

from typing import Any

import ldap
from django.core.management.base import BaseCommand, CommandError

from ticketdesk.accounts.directory import sync_directory
from ticketdesk.core.errors import DomainError


class Command(BaseCommand):
    help = "Import employees from LDAP / Active Directory as contacts (department, manager)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = sync_directory()
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        except ldap.LDAPError as exc:
            raise CommandError(f"The directory answered: {exc}") from exc
        self.stdout.write(
            f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
            f"{report.managers} with a manager, {len(report.skipped)} without a valid email address"
        )
        for dn in report.skipped:
            self.stdout.write(f"  skipped (no valid email): {dn}")
