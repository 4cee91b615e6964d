"""Full-text search: one interface over PostgreSQL (tsvector + GIN, 'simple' configuration with
accents folded) and SQLite (FTS5, unicode61 with diacritics removed).

Tickets:   `search_tickets(queryset, text)` narrows a queryset the caller already filtered by
           `accounts.policy` — search never widens what a user may see. The index follows
           tickets through the search consumer (search/consumers.py) and `ticketdesk reindex`.
Documents: `index_document` / `remove_document` / `search_documents` for other apps (KB
           articles), with highlighted, HTML-escaped title and snippet.

Query text: plain words and "quoted phrases"; all must match; the last word typed is also
matched as a prefix. Anything else (AND, OR, NEAR, -, *, quotes, colons) is just text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import (
    BigIntegerField,
    BooleanField,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import RawSQL

from ticketdesk.tickets.models import Ticket

from . import engines
from .models import SearchDocument, TicketIndex
from .text import Term, highlight, parse_query

SNIPPET_WORDS = 30
# Up to this many matches, the matching ids are fetched first and the caller's query filters
# on that list (fast for rare words); beyond, the database walks the caller's order and probes
# the index per ticket, stopping at the page size (fast for common words).
FEW_MATCHES = 2000


@dataclass(frozen=True)
class SearchHit:
    object_id: int
    rank: float
    title_html: str  # escaped, matched words in <mark>: safe to render
    snippet_html: str  # escaped, matched words in <mark>, '…' where cut: safe to render


def search_tickets(
    queryset: QuerySet[Ticket],
    text: str,
    *,
    include_internal: bool = True,
    with_rank: bool = False,
) -> QuerySet[Ticket]:
    """Tickets of `queryset` whose subject, number, requester name/email or message bodies
    contain every word/phrase of `text`. The caller's ordering is kept; blank text (or text
    without any word) returns `queryset` unchanged.

    `include_internal=False` ignores internal notes: pass it for customers (portal), so a match
    in a note they cannot read never reveals it. `with_rank=True` annotates `search_rank`
    (higher is better) for ordering by relevance.
    """
    terms = parse_query(text)
    if not terms:
        return queryset
    engine = engines.current()
    few = engines.matching_ids(
        engine, terms, include_internal=include_internal, limit=FEW_MATCHES + 1
    )
    if len(few) <= FEW_MATCHES:
        queryset = queryset.filter(pk__in=few)
    elif isinstance(engine, engines.PostgreSQLEngine):
        # A correlated scalar subquery: PostgreSQL cannot turn it into a join, so it walks
        # the caller's order and stops at the page size (its estimates for several words
        # are far too low and would otherwise make it fetch every match first).
        match_sql, match_params = engine.ticket_filter_sql(terms, include_internal=include_internal)
        match = (
            TicketIndex.objects.filter(ticket_id=OuterRef("pk"))
            .annotate(matches=RawSQL(match_sql, match_params, output_field=BooleanField()))  # noqa: S611
            .values("matches")[:1]
        )
        queryset = queryset.alias(search_match=Subquery(match)).filter(search_match=True)
    else:
        # SQLite: "id + 0" stops the matches from driving primary-key lookups (then a sort of
        # all of them); the caller's order is walked and each id checked against the list.
        sql, params = engine.ticket_match_sql(terms, include_internal=include_internal)
        ticket_id = ExpressionWrapper(F("pk") + 0, output_field=BigIntegerField())
        queryset = queryset.alias(search_ticket_id=ticket_id).filter(
            search_ticket_id__in=RawSQL(sql, params)  # noqa: S611 - params only
        )
    if with_rank:
        rank_sql, rank_params = engine.ticket_rank_sql(terms, include_internal=include_internal)
        rank = (
            TicketIndex.objects.filter(ticket_id=OuterRef("pk"))
            .annotate(rank=RawSQL(rank_sql, rank_params, output_field=FloatField()))  # noqa: S611
            .values("rank")[:1]
        )
        queryset = queryset.annotate(search_rank=Subquery(rank, output_field=FloatField()))
    return queryset


def index_ticket(ticket_id: int) -> None:
    """(Re)build the index entry of one ticket from its current rows; removes the entry when
    the ticket no longer exists. Idempotent."""
    with transaction.atomic():
        engine = engines.current()
        engine.remove_tickets("ticket_id = %s", [ticket_id])
        engine.index_tickets("t.id = %s", [ticket_id])


def index_tickets(ticket_ids: list[int]) -> None:
    """(Re)build the index entries of several tickets in one statement pair (the search
    consumer's batches); tickets that no longer exist lose their entry. Idempotent."""
    ids = sorted({int(i) for i in ticket_ids})
    if not ids:
        return
    with transaction.atomic():
        engine = engines.current()
        ids_sql, params = engine.ids_sql(ids)
        engine.remove_tickets(f"ticket_id IN ({ids_sql})", params)
        engine.index_tickets(f"t.id IN ({ids_sql})", params)


def index_ticket_range(after_id: int, up_to_id: int) -> None:
    """(Re)index every ticket with after_id < id <= up_to_id (reindex and bulk loading)."""
    with transaction.atomic():
        engine = engines.current()
        engine.remove_tickets("ticket_id > %s AND ticket_id <= %s", [after_id, up_to_id])
        engine.index_tickets("t.id > %s AND t.id <= %s", [after_id, up_to_id])


def remove_ticket(ticket_id: int) -> None:
    engines.current().remove_tickets("ticket_id = %s", [ticket_id])


def index_document(kind: str, object_id: int, *, title: str, body: str, language: str = "") -> None:
    """Add or replace the document (kind, object_id), e.g. ("kb.article", 12)."""
    SearchDocument.objects.update_or_create(
        kind=kind,
        object_id=object_id,
        defaults={"title": title, "body": body, "language": language},
    )


def remove_document(kind: str, object_id: int) -> None:
    SearchDocument.objects.filter(kind=kind, object_id=object_id).delete()


def search_documents(
    kind: str,
    text: str,
    *,
    limit: int = 20,
    object_ids: Iterable[int] | QuerySet[Any] | None = None,
) -> list[SearchHit]:
    """Best `limit` documents of `kind` matching every word/phrase of `text`, best first.
    `object_ids` restricts the candidates: a list of ids, a queryset of the objects (their
    pk is used) or a one-column `values_list(...)` queryset, e.g. the articles a user may see."""
    terms = parse_query(text)
    if not terms or limit <= 0:
        return []
    engine = engines.current()
    ids_sql, ids_params = "", []
    if isinstance(object_ids, QuerySet):
        if not object_ids.query.values_select:
            object_ids = object_ids.values("pk")
        compiled = object_ids.query.sql_with_params()
        ids_sql, ids_params = compiled[0], list(compiled[1])
    elif object_ids is not None:
        ids = [int(value) for value in object_ids]
        if not ids:
            return []
        ids_sql, ids_params = engine.ids_sql(ids)
    rows = engine.document_rows(
        kind, terms, limit=min(limit, 500), ids_sql=ids_sql, ids_params=ids_params
    )
    return [_hit(row, terms) for row in rows]


def _hit(row: tuple, terms: list[Term]) -> SearchHit:
    object_id, rank, title, body = row
    return SearchHit(
        object_id=int(object_id),
        rank=float(rank or 0.0),
        title_html=highlight(title, terms),
        snippet_html=highlight(body, terms, max_words=SNIPPET_WORDS),
    )


__all__ = [
    "SearchHit",
    "index_document",
    "index_ticket",
    "index_ticket_range",
    "index_tickets",
    "remove_document",
    "remove_ticket",
    "search_documents",
    "search_tickets",
]
