"""`ticketdesk privacy export <email> [-o file.zip]` and `ticketdesk privacy erase <email>
--yes`: the privacy page's two actions from the command line (audited, with no actor)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ticketdesk.accounts.models import Contact
from ticketdesk.privacy import erase, export


class Command(BaseCommand):
    help = "Export everything about a contact as a ZIP, or erase (anonymise) them."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        exporting = sub.add_parser("export", help="Write the contact's data to a ZIP file.")
        exporting.add_argument("email")
        exporting.add_argument("-o", "--output", help="File to write (default: contact-<id>.zip)")
        erasing = sub.add_parser("erase", help="Anonymise the contact (cannot be undone).")
        erasing.add_argument("email")
        erasing.add_argument("--yes", action="store_true", help="Confirm the erasure.")

    def handle(self, *args: Any, **options: Any) -> None:
        contact = Contact.objects.filter(email__iexact=options["email"].strip()).first()
        if contact is None:
            raise CommandError(f"No contact has the address {options['email']!r}.")
        if options["verb"] == "export":
            path = Path(options.get("output") or f"contact-{contact.pk}.zip")
            with export.export_contact(contact, actor=None) as archive, path.open("wb") as out:
                while chunk := archive.read(1024 * 1024):
                    out.write(chunk)
            self.stdout.write(f"{path}")
            return
        if not options["yes"]:
            raise CommandError("Erasing cannot be undone: add --yes to confirm.")
        result = erase.erase_contact(contact, actor=None)
        self.stdout.write(
            f"Erased contact {result.contact_id}: {result.tickets} tickets, "
            f"{result.messages} messages, {result.attachments} attachments."
        )
