"""Models of the Search app.

The full-text index itself lives next to these rows: on PostgreSQL a `tsvector` column (with a
GIN index) added by the migration; on SQLite an FTS5 virtual table kept in step by triggers.
Keeping a plain Django table per indexed thing means `flush` and cascading deletes clean the
index too.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ticketdesk.tickets.models import Ticket


class TicketIndex(models.Model):
    """One row per indexed ticket (PostgreSQL: carries the `vector` column)."""

    ticket = models.OneToOneField(
        Ticket, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("ticket search entry")
        verbose_name_plural = _("ticket search entries")

    def __str__(self) -> str:
        return str(self.ticket_id)


class SearchDocument(models.Model):
    """A generic searchable document of another app (e.g. a KB article translation)."""

    kind = models.CharField(_("kind"), max_length=40)
    object_id = models.BigIntegerField(_("object id"))
    title = models.TextField(_("title"), blank=True, default="")
    body = models.TextField(_("body"), blank=True, default="")
    language = models.CharField(_("language"), max_length=12, blank=True, default="")

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"
