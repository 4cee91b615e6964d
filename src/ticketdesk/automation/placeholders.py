"""Whitelisted placeholders for texts written by admins (notes, email subjects and bodies).

`{{ ticket.number }}` and friends are replaced by plain values; anything else is left as
typed. No template language runs, so an admin's text cannot reach other data or code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from ticketdesk.tickets.models import Ticket

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)?)\s*\}\}")


def ticket_path(number: int) -> str:
    """The workspace page of a ticket (the workspace app names its URL; fall back to the
    conventional path while it does not exist)."""
    for name in ("workspace:ticket", "workspace:ticket_detail"):
        try:
            return reverse(name, args=[number])
        except NoReverseMatch:
            continue
    return f"/t/{number}/"


def _name(obj: Any) -> str:
    if obj is None:
        return ""
    return str(getattr(obj, "display_name", None) or obj)


PLACEHOLDERS: dict[str, tuple[Any, Callable[[Ticket], Any]]] = {
    "ticket.number": (_("Ticket number, e.g. #1042"), lambda t: t.display_number),
    "ticket.subject": (_("Subject"), lambda t: t.subject),
    "ticket.status": (_("Status"), lambda t: str(t.status)),
    "ticket.priority": (_("Priority"), lambda t: t.get_priority_display()),
    "ticket.type": (_("Type"), lambda t: _name(t.ticket_type)),
    "ticket.category": (_("Category"), lambda t: _name(t.category)),
    "ticket.team": (_("Team"), lambda t: _name(t.team)),
    "ticket.url": (_("Link to the ticket"), lambda t: settings.SITE_URL + ticket_path(t.number)),
    "ticket.due_at": (
        _("Due date"),
        lambda t: t.due_at.strftime("%Y-%m-%d %H:%M UTC") if t.due_at else "",
    ),
    "requester.name": (_("Requester name"), lambda t: t.requester.display_name),
    "requester.email": (_("Requester email"), lambda t: t.requester.email),
    "organization.name": (_("Organization"), lambda t: _name(t.organization)),
    "assignee.name": (_("Assignee name"), lambda t: _name(t.assignee)),
    "assignee.email": (_("Assignee email"), lambda t: t.assignee.email if t.assignee else ""),
}


def render(text: str, ticket: Ticket) -> str:
    def replace(match: re.Match[str]) -> str:
        entry = PLACEHOLDERS.get(match.group(1))
        if entry is None:
            return match.group(0)
        return str(entry[1](ticket) or "")

    return PLACEHOLDER.sub(replace, text or "")


def catalogue() -> list[tuple[str, str]]:
    return [("{{ " + key + " }}", str(label)) for key, (label, _read) in PLACEHOLDERS.items()]
