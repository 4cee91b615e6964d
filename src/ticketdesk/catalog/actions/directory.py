"""The employee directory from a CSV file: department and manager of each contact (approvals
go to the requester's manager). Columns: email, name, department, manager_email (a header
row names them; name, department and manager_email may be empty). LDAP: `ldap_sync`."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TextIO

from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from ticketdesk.accounts import actions as account_actions
from ticketdesk.accounts.models import Contact
from ticketdesk.core.errors import ValidationFailed

COLUMNS = ("email", "name", "department", "manager_email")
CHUNK = 500


@dataclass
class DirectoryReport:
    created: int = 0
    updated: int = 0
    managers: int = 0
    errors: list[str] = field(default_factory=list)


def read_rows(handle: TextIO) -> Iterator[dict[str, str]]:
    reader = csv.DictReader(handle)
    if reader.fieldnames is None or "email" not in [n.strip().lower() for n in reader.fieldnames]:
        raise ValidationFailed(
            _("The CSV file needs a header row with an “email” column."),
            fields={"file": [_("Missing “email” column.")]},
        )
    for row in reader:
        yield {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}


def _chunks(rows: Iterable[dict[str, str]]) -> Iterator[list[dict[str, str]]]:
    chunk: list[dict[str, str]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _by_email(emails: Iterable[str]) -> dict[str, Contact]:
    wanted = list({e.lower() for e in emails if e})
    found = Contact.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=wanted)
    return {c.email.lower(): c for c in found}


def _upsert(row: dict[str, str], existing: dict[str, Contact], report: DirectoryReport) -> None:
    email = account_actions.normalise_email(row.get("email", ""))
    contact = existing.get(email.lower())
    if contact is None:
        contact = account_actions.get_or_create_contact(email, row.get("name", ""))
        existing[email.lower()] = contact
        report.created += 1
    changes = {}
    if row.get("name") and row["name"][:200] != contact.name:
        changes["name"] = row["name"][:200]
    if row.get("department", "")[:200] != contact.department:
        changes["department"] = row.get("department", "")[:200]
    if changes:
        Contact.objects.filter(pk=contact.pk).update(**changes)
        report.updated += 1


def import_directory(rows: Iterable[dict[str, str]]) -> DirectoryReport:
    """Create or update each row's contact (name, department), then link managers. A row
    with a bad email or an unknown manager is reported and skipped; the rest is kept."""
    report = DirectoryReport()
    links: list[tuple[str, str]] = []
    line = 1
    for chunk in _chunks(rows):
        with transaction.atomic():
            existing = _by_email(r.get("email", "") for r in chunk)
            for row in chunk:
                line += 1
                email = row.get("email", "")
                try:
                    _upsert(row, existing, report)
                except ValidationFailed:
                    report.errors.append(_("Line %(n)s: no valid email.") % {"n": line})
                    continue
                links.append((email.lower(), row.get("manager_email", "").lower()))
    for start in range(0, len(links), CHUNK):
        part = links[start : start + CHUNK]
        with transaction.atomic():
            contacts = _by_email([e for pair in part for e in pair])
            for email, manager_email in part:
                employee = contacts[email]
                manager = contacts.get(manager_email) if manager_email else None
                if manager_email and manager is None:
                    report.errors.append(
                        _("%(email)s: the manager %(manager)s is not in the directory.")
                        % {"email": email, "manager": manager_email}
                    )
                    continue
                if manager is not None and manager.pk == employee.pk:
                    continue
                if employee.manager_id != (manager.pk if manager else None):
                    Contact.objects.filter(pk=employee.pk).update(manager=manager)
                if manager is not None:
                    report.managers += 1
    return report
