# ruff: noqa: S608 - SQL is assembled from constants only; user text is always a parameter
"""The two full-text engines behind `search.backend`: PostgreSQL (tsvector + GIN) and SQLite
(FTS5). Each turns parsed terms into its own quoted query syntax; user text never reaches the
database's query language unquoted."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection

from ticketdesk.accounts.models import Contact
from ticketdesk.tickets.models import Message, MessageKind, Ticket

from .text import Term

MAX_TEXT_CHARS = 200_000

TICKET = Ticket._meta.db_table
MESSAGE = Message._meta.db_table
CONTACT = Contact._meta.db_table


class PostgreSQLEngine:
    vendor = "postgresql"

    def query(self, terms: Sequence[Term], *, include_internal: bool) -> str:
        weights = "" if include_internal else "ABC"  # D holds internal notes
        parts = []
        for term in terms:
            suffix = ("*" if term.prefix else "") + weights
            lexemes = [f"'{word}'" + (f":{suffix}" if suffix else "") for word in term.words]
            parts.append("(" + " <-> ".join(lexemes) + ")" if len(lexemes) > 1 else lexemes[0])
        return " & ".join(parts)

    def ticket_match_sql(self, terms: Sequence[Term], *, include_internal: bool) -> tuple:
        query = self.query(terms, include_internal=include_internal)
        sql = (
            "SELECT ticket_id FROM search_ticketindex "
            "WHERE vector @@ to_tsquery('simple'::regconfig, %s)"
        )
        return sql, [query]

    def ticket_rank_sql(self, terms: Sequence[Term], *, include_internal: bool) -> tuple:
        query = self.query(terms, include_internal=include_internal)
        return "ts_rank(vector, to_tsquery('simple'::regconfig, %s))", [query]

    def ticket_filter_sql(self, terms: Sequence[Term], *, include_internal: bool) -> tuple:
        query = self.query(terms, include_internal=include_internal)
        return "vector @@ to_tsquery('simple'::regconfig, %s)", [query]

    def index_tickets_sql(self, where: str) -> str:
        def vector(expression: str, weight: str) -> str:
            return (
                "setweight(to_tsvector('simple'::regconfig, ticketdesk_search_fold("
                f"left(coalesce({expression}, ''), {MAX_TEXT_CHARS}))), '{weight}')"
            )

        subject = vector("t.subject || ' ' || t.number", "A")
        requester = vector("c.name || ' ' || c.email", "B")
        public, internal = vector("m.public_text", "C"), vector("m.internal_text", "D")
        return (
            "INSERT INTO search_ticketindex (ticket_id, vector) "
            f"SELECT t.id, {subject} || {requester} || {public} || {internal} "
            f"FROM {TICKET} t JOIN {CONTACT} c ON c.id = t.requester_id "
            "LEFT JOIN LATERAL (SELECT "
            f"string_agg(body_text, ' ' ORDER BY id) FILTER (WHERE kind = '{MessageKind.PUBLIC}')"
            " AS public_text, "
            f"string_agg(body_text, ' ' ORDER BY id) FILTER (WHERE kind <> '{MessageKind.PUBLIC}')"
            f" AS internal_text FROM {MESSAGE} WHERE ticket_id = t.id) m ON true "
            f"WHERE {where} "
            "ON CONFLICT (ticket_id) DO UPDATE SET vector = EXCLUDED.vector"
        )

    def index_tickets(self, where: str, params: Sequence[Any]) -> None:
        with connection.cursor() as cursor:
            if connection.in_atomic_block:
                # JIT compiling this statement costs more than running it (~1.7 s per batch)
                cursor.execute("SET LOCAL jit = off")
            cursor.execute(self.index_tickets_sql(where), params)

    def remove_tickets(self, where: str, params: Sequence[Any]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM search_ticketindex WHERE {where}", params)

    # Documents (search.backend.search_documents): candidates first, ranked text for one page.
    # Ranking a match reads its whole vector (detoasted): never done for every match.

    def document_candidates(
        self, kind: str, terms: Sequence[Term], *, language: str, limit: int
    ) -> list[tuple[int, int]]:
        """(id, object_id) of up to `limit` matches, newest first."""
        sql = (
            "SELECT id, object_id FROM search_searchdocument "
            f"WHERE kind = %s {_language(language)}"
            "AND vector @@ to_tsquery('simple'::regconfig, %s) ORDER BY id DESC LIMIT %s"
        )
        query = self.query(terms, include_internal=True)
        params = [kind, *([language] if language else []), query, limit]
        return _fetch(sql, params)

    def document_title_candidates(
        self, kind: str, terms: Sequence[Term], *, language: str, limit: int
    ) -> list[tuple[int, int]]:
        """(id, object_id) of the `limit` best matches in the title (small, GIN-indexed)."""
        sql = (
            "SELECT id, object_id FROM search_searchdocument, "
            "to_tsquery('simple'::regconfig, %s) AS query "
            f"WHERE kind = %s {_language(language)}AND title_vector @@ query "
            "ORDER BY ts_rank(title_vector, query) DESC, id DESC LIMIT %s"
        )
        query = self.query(terms, include_internal=True)
        params = [query, kind, *([language] if language else []), limit]
        return _fetch(sql, params)

    def document_page(
        self, terms: Sequence[Term], ids: list[int], *, limit: int, restrict: tuple[str, list]
    ) -> list[tuple]:
        """(object_id, rank, title, body) of the best `limit` of the documents `ids` (whose
        object_id is in the `restrict` subquery, when given)."""
        if not ids:
            return []
        where = f"AND object_id IN ({restrict[0]}) " if restrict[0] else ""
        sql = (
            "SELECT object_id, ts_rank(vector, query) AS rank, title, body "
            "FROM search_searchdocument, to_tsquery('simple'::regconfig, %s) AS query "
            f"WHERE id = ANY(%s) {where}ORDER BY rank DESC, object_id LIMIT %s"
        )
        query = self.query(terms, include_internal=True)
        return _fetch(sql, [query, ids, *restrict[1], limit])

    def ids_sql(self, ids: list[int]) -> tuple[str, list]:
        return "SELECT unnest(%s::bigint[])", [ids]


def matching_ids(
    engine: Engine, terms: Sequence[Term], *, include_internal: bool, limit: int
) -> list[int]:
    """Up to `limit` ids of matching tickets, in no particular order."""
    sql, params = engine.ticket_match_sql(terms, include_internal=include_internal)
    return [int(row[0]) for row in _fetch(f"{sql} LIMIT %s", [*params, limit])]


class SQLiteEngine:
    vendor = "sqlite"
    PUBLIC_COLUMNS = "{subject requester public_text}"

    def query(self, terms: Sequence[Term], *, include_internal: bool) -> str:
        parts = []
        for term in terms:
            # tokens are [^\W_]+ only, so they never contain a double quote
            parts.append('"' + " ".join(term.words) + '"' + ("*" if term.prefix else ""))
        expression = " AND ".join(parts)
        if include_internal:
            return expression
        return f"{self.PUBLIC_COLUMNS} : ({expression})"

    def ticket_match_sql(self, terms: Sequence[Term], *, include_internal: bool) -> tuple:
        query = self.query(terms, include_internal=include_internal)
        return "SELECT rowid FROM search_ticket_fts WHERE search_ticket_fts MATCH %s", [query]

    def ticket_rank_sql(self, terms: Sequence[Term], *, include_internal: bool) -> tuple:
        query = self.query(terms, include_internal=include_internal)
        return (
            "(SELECT -bm25(search_ticket_fts, 8.0, 4.0, 1.0, 0.5) FROM search_ticket_fts "
            "WHERE search_ticket_fts MATCH %s AND search_ticket_fts.rowid = ticket_id)"
        ), [query]

    def index_tickets(self, where: str, params: Sequence[Any]) -> None:
        def messages(condition: str) -> str:
            return (
                f"substr(coalesce((SELECT group_concat(body_text, ' ') FROM {MESSAGE} m "
                f"WHERE m.ticket_id = t.id AND {condition}), ''), 1, {MAX_TEXT_CHARS})"
            )

        public = messages(f"m.kind = '{MessageKind.PUBLIC}'")
        internal = messages(f"m.kind <> '{MessageKind.PUBLIC}'")
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM search_ticketindex WHERE ticket_id IN "
                f"(SELECT t.id FROM {TICKET} t WHERE {where})",
                params,
            )
            cursor.execute(
                "INSERT INTO search_ticketindex (ticket_id) "
                f"SELECT t.id FROM {TICKET} t WHERE {where}",
                params,
            )
            cursor.execute(
                "INSERT INTO search_ticket_fts "
                "(rowid, subject, requester, public_text, internal_text) "
                "SELECT t.id, t.subject || ' ' || t.number, c.name || ' ' || c.email, "
                f"{public}, {internal} "
                f"FROM {TICKET} t JOIN {CONTACT} c ON c.id = t.requester_id WHERE {where}",
                params,
            )

    def remove_tickets(self, where: str, params: Sequence[Any]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM search_ticketindex WHERE {where}", params)

    # bm25 weights: a match in the title counts five times one in the body
    RANK = "-bm25(search_document_fts, 5.0, 1.0)"

    def document_candidates(
        self, kind: str, terms: Sequence[Term], *, language: str, limit: int
    ) -> list[tuple[int, int]]:
        """(id, object_id) of up to `limit` matches, newest first (FTS5 walks rowids down)."""
        sql = (
            "SELECT d.id, d.object_id FROM search_document_fts JOIN search_searchdocument d "
            "ON d.id = search_document_fts.rowid WHERE search_document_fts MATCH %s "
            f"AND d.kind = %s {_language(language, 'd.')}"
            "ORDER BY search_document_fts.rowid DESC LIMIT %s"
        )
        query = self.query(terms, include_internal=True)
        params = [query, kind, *([language] if language else []), limit]
        return _fetch(sql, params)

    def document_title_candidates(
        self, kind: str, terms: Sequence[Term], *, language: str, limit: int
    ) -> list[tuple[int, int]]:
        """(id, object_id) of the `limit` best matches in the title column."""
        sql = (
            "SELECT d.id, d.object_id FROM search_document_fts JOIN search_searchdocument d "
            "ON d.id = search_document_fts.rowid WHERE search_document_fts MATCH %s "
            f"AND d.kind = %s {_language(language, 'd.')}"
            f"ORDER BY {self.RANK} DESC, d.id DESC LIMIT %s"
        )
        query = "{title} : (" + self.query(terms, include_internal=True) + ")"
        return _fetch(sql, [query, kind, *([language] if language else []), limit])

    def document_page(
        self, terms: Sequence[Term], ids: list[int], *, limit: int, restrict: tuple[str, list]
    ) -> list[tuple]:
        """(object_id, rank, title, body) of the best `limit` of the documents `ids` (whose
        object_id is in the `restrict` subquery, when given)."""
        import json

        if not ids:
            return []
        where = f"AND d.object_id IN ({restrict[0]}) " if restrict[0] else ""
        sql = (
            f"SELECT d.object_id, {self.RANK} AS rank, d.title, d.body "
            "FROM search_document_fts JOIN search_searchdocument d "
            "ON d.id = search_document_fts.rowid WHERE search_document_fts MATCH %s "
            # "+rowid": not a constraint FTS5 sees (it would re-run the match per id); the
            # match is walked once and only the candidates are ranked
            "AND +search_document_fts.rowid IN (SELECT value FROM json_each(%s)) "
            f"{where}ORDER BY rank DESC, d.object_id LIMIT %s"
        )
        query = self.query(terms, include_internal=True)
        return _fetch(sql, [query, json.dumps(ids), *restrict[1], limit])

    def ids_sql(self, ids: list[int]) -> tuple[str, list]:
        import json

        return "SELECT value FROM json_each(%s)", [json.dumps(ids)]


Engine = PostgreSQLEngine | SQLiteEngine


def _language(language: str, prefix: str = "") -> str:
    return f"AND {prefix}language = %s " if language else ""


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor, planned_with_values():
        cursor.execute(sql, params)
        return list(cursor.fetchall())


@contextmanager
def planned_with_values() -> Iterator[None]:
    """Full-text queries are never prepared statements (PostgreSQL with server-side binding):
    after a few runs PostgreSQL may switch a prepared statement to a generic plan, which
    cannot know whether the words are common or match nothing, and walks the newest-first
    index through every document for a word that matches nothing (34 ms instead of 1 ms at
    10k articles, measured). Unprepared, each query is planned with its words."""
    raw = connection.connection if connection.vendor == "postgresql" else None
    if raw is None or raw.prepare_threshold is None:
        yield
        return
    threshold = raw.prepare_threshold
    raw.prepare_threshold = None
    try:
        yield
    finally:
        raw.prepare_threshold = threshold


def current() -> Engine:
    if connection.vendor == "postgresql":
        return PostgreSQLEngine()
    if connection.vendor == "sqlite":
        return SQLiteEngine()
    raise NotImplementedError(f"full-text search is not available on {connection.vendor}")
