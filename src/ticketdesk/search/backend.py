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
# Documents ranked per search at most (twice this: best title matches and newest matches)
CANDIDATES = 200


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
    language: str = "",
) -> list[SearchHit]:
    """Best `limit` documents of `kind` (and `language`, when given) matching every
    word/phrase of `text`, best first. `object_ids` restricts the candidates: a list of ids, a
    queryset of the objects (their pk is used) or a one-column `values_list(...)` queryset,
    e.g. the articles a user may see.

    Ranking reads each document's whole text, so it is never done for every match: when more
    than `CANDIDATES` documents match, the ranked candidates are the best title matches and
    the newest matches (`CANDIDATES` of each); below that, every match is ranked. Titles and
    snippets are made for the page returned only."""
    terms = parse_query(text)
    if not terms or limit <= 0:
        return []
    limit = min(limit, 500)
    allowed = _restriction(object_ids)
    if allowed is None:
        return []
    engine = engines.current()
    width = max(CANDIDATES, limit * 4)
    rows: list[tuple] = []
    for _round in range(3):
        newest = engine.document_candidates(kind, terms, language=language, limit=width + 1)
        candidates = dict(newest[:width])
        every_match = len(newest) <= width
        if not every_match:
            titled = engine.document_title_candidates(kind, terms, language=language, limit=width)
            candidates.update(titled)
        restrict: tuple[str, list] = ("", [])
        if isinstance(allowed, set):
            candidates = {pk: oid for pk, oid in candidates.items() if oid in allowed}
        elif allowed is not True and candidates:
            # the caller's restriction, narrowed to the candidates, inside the page query
            restrict = allowed(sorted(set(candidates.values())))
        rows = engine.document_page(terms, sorted(candidates), limit=limit, restrict=restrict)
        if every_match or len(rows) >= limit:
            break
        width *= 8  # most candidates were not visible to the caller: look further
    return [_hit(row, terms) for row in rows]


def _restriction(object_ids: Iterable[int] | QuerySet[Any] | None) -> Any:
    """True (no restriction), None (nothing allowed), a set of allowed ids, or a callable:
    candidate ids → (SQL, params) selecting the allowed ones among them."""
    if object_ids is None:
        return True
    if isinstance(object_ids, QuerySet):
        queryset = object_ids
        field = queryset.query.values_select[0] if queryset.query.values_select else "pk"

        def allowed(ids: list[int]) -> tuple[str, list]:
            narrowed = queryset.filter(**{f"{field}__in": ids}).values(field)
            sql, params = narrowed.query.sql_with_params()
            return sql, list(params)

        return allowed
    fixed = {int(value) for value in object_ids}
    return fixed or None


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
