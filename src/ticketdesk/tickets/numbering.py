"""Ticket numbers: sequential and gap-free, safe under concurrent creation.

The counter row is locked (the UPDATE's row lock on PostgreSQL; SQLite writers are serialised
by BEGIN IMMEDIATE) for the rest of the creating transaction, so two transactions can never
take the same number and a rolled-back creation gives its number back. To keep that lock
short, `open_ticket` inserts the ticket under a provisional (negative, random) number and
takes the real one as its last step: creators wait on each other only for the tail of the
transaction, not while messages, attachments and tags are written.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import IntegrityError, transaction

from ticketdesk.core import ids

from .models import TicketCounter


def provisional_number() -> int:
    """A placeholder that never collides with a real number (those are positive)."""
    return -secrets.randbelow(2**62) - 1


def take_next_number() -> int:
    """Must run inside the transaction that creates the ticket."""
    connection = transaction.get_connection()
    assert connection.in_atomic_block, "take_next_number needs a transaction"
    table = connection.ops.quote_name(TicketCounter._meta.db_table)
    with connection.cursor() as cursor:
        # one statement: bump and read back; the row stays locked until commit
        cursor.execute(
            f"UPDATE {table} SET next_value = next_value + 1 WHERE name = %s "  # noqa: S608
            "RETURNING next_value",
            ["ticket"],
        )
        row = cursor.fetchone()
    if row is not None:
        return int(row[0]) - 1
    try:
        with transaction.atomic():
            TicketCounter.objects.create(
                pk="ticket", next_value=settings.TICKETDESK["FIRST_TICKET_NUMBER"] + 1
            )
        return int(settings.TICKETDESK["FIRST_TICKET_NUMBER"])
    except IntegrityError:
        return take_next_number()


def parse_number(text: str) -> int | None:
    """'#1042', '1042' or 'TD-1042' (with the configured prefix) → 1042."""
    prefix = settings.TICKETDESK["TICKET_PREFIX"]
    value = text.strip()
    if prefix and value.startswith(prefix):
        value = value[len(prefix) :]
    value = value.lstrip("#")
    return ids.parse_id(value)
