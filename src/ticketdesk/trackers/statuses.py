"""The "Fix released — verify" status (pending category: the customer is asked to check the
fix, SLA clocks wait), created with its transitions where missing."""

from __future__ import annotations

from typing import Any

from ticketdesk.catalog.statuses import ensure_status
from ticketdesk.tickets import config
from ticketdesk.tickets.models import Status

FIX_RELEASED = "fix-released"


def ensure_fix_released(apps: Any) -> Any:
    return ensure_status(
        apps,
        key=FIX_RELEASED,
        name="Fix released — verify",
        translations={
            "pt-br": {"name": "Correção liberada — verificar"},
            "it": {"name": "Correzione rilasciata — da verificare"},
        },
        order=32,
        sources=("new", "open", "in-progress", "pending", "on-hold"),
        targets=("open", "in-progress", "resolved", "closed"),
    )


def fix_released() -> Status:
    status = Status.objects.filter(key=FIX_RELEASED).first()
    if status is None:
        from django.apps import apps

        status = ensure_fix_released(apps)
        config.invalidate()
    return status  # type: ignore[no-any-return]
