"""Reads of the messaging channel: the people who wrote on a messaging app (for merging
their contact into the customer's email contact), and the WhatsApp window of a ticket."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Contact
from ticketdesk.core.errors import NotFound
from ticketdesk.core.pagination import Page, keyset_page

from .models import Identity

PAGE_SIZE = 50


def _identities(user: Any) -> QuerySet[Identity]:
    policy.require(user, policy.MERGE_CONTACTS)
    return Identity.objects.select_related("account", "contact")


def identities_page(user: Any, *, cursor: str | None = None) -> Page[Identity]:
    """Every identity, newest first (agents: they merge contacts), one page."""
    return keyset_page(_identities(user), ["-id"], cursor=cursor, limit=PAGE_SIZE)


def identity(user: Any, pk: int) -> Identity:
    found = _identities(user).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("This person does not exist."))
    return found


def contact_by_email(email: str) -> Contact | None:
    return Contact.objects.filter(email__iexact=email.strip()).first()
