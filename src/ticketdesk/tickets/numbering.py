"""Ticket numbers: sequential and gap-free, safe under concurrent creation.

The counter row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite writers are serialised
by BEGIN IMMEDIATE) for the rest of the creating transaction, so two transactions can never
take the same number and a rolled-back creation gives its number back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from .models import TicketCounter


def take_next_number() -> int:
    """Must run inside the transaction that creates the ticket."""
    assert transaction.get_connection().in_atomic_block, "take_next_number needs a transaction"
    updated = TicketCounter.objects.filter(pk="ticket").update(next_value=F("next_value") + 1)
    if not updated:
        try:
            with transaction.atomic():
                TicketCounter.objects.create(
                    pk="ticket", next_value=settings.TICKETDESK["FIRST_TICKET_NUMBER"] + 1
                )
            return int(settings.TICKETDESK["FIRST_TICKET_NUMBER"])
        except IntegrityError:
            TicketCounter.objects.filter(pk="ticket").update(next_value=F("next_value") + 1)
    # The UPDATE above holds the row lock until commit; read our value back.
    value = TicketCounter.objects.filter(pk="ticket").values_list("next_value", flat=True).get()
    return int(value) - 1


def parse_number(text: str) -> int | None:
    """'#1042', '1042' or 'TD-1042' (with the configured prefix) → 1042."""
    prefix = settings.TICKETDESK["TICKET_PREFIX"]
    value = text.strip()
    if prefix and value.startswith(prefix):
        value = value[len(prefix) :]
    value = value.lstrip("#")
    return int(value) if value.isdigit() else None
