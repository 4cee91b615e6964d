# ruff: noqa: S608 - SQL is assembled from constants only; user text is always a parameter
"""The two full-text engines behind `search.backend`: PostgreSQL (tsvector + GIN) and SQLite
(FTS5). Each turns parsed terms into its own quoted query syntax; user text never reaches the
database's query language unquoted."""

from __future__ import annotations

from collections.abc import Sequence
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

    def document_rows(
        self, kind: str, terms: Sequence[Term], *, limit: int, ids_sql: str, ids_params: list
    ) -> list[tuple]:
        query = self.query(terms, include_internal=True)
        restrict = f"AND object_id IN ({ids_sql}) " if ids_sql else ""
        # rank every match but sort only (id, rank): titles and bodies are read, and
        # snippets made, for the page shown, not carried through the sort of every match
        sql = (
            "SELECT d.object_id, r.rank, d.title, d.body FROM ("
            "SELECT id, object_id, ts_rank(vector, query) AS rank "
            "FROM search_searchdocument, to_tsquery('simple'::regconfig, %s) AS query "
            f"WHERE kind = %s AND vector @@ query {restrict}"
            "ORDER BY rank DESC, object_id LIMIT %s"
            ") r JOIN search_searchdocument d ON d.id = r.id ORDER BY r.rank DESC, r.object_id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [query, kind, *ids_params, limit])
            return list(cursor.fetchall())

    def ids_sql(self, ids: list[int]) -> tuple[str, list]:
        return "SELECT unnest(%s::bigint[])", [ids]


def matching_ids(
    engine: Engine, terms: Sequence[Term], *, include_internal: bool, limit: int
) -> list[int]:
    """Up to `limit` ids of matching tickets, in no particular order."""
    sql, params = engine.ticket_match_sql(terms, include_internal=include_internal)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} LIMIT %s", [*params, limit])
        return [int(row[0]) for row in cursor.fetchall()]


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

    def document_rows(
        self, kind: str, terms: Sequence[Term], *, limit: int, ids_sql: str, ids_params: list
    ) -> list[tuple]:
        query = self.query(terms, include_internal=True)
        restrict = f"AND d.object_id IN ({ids_sql}) " if ids_sql else ""
        # as on PostgreSQL: the sort holds (id, rank) only; the page's rows are read after
        sql = (
            "SELECT page.object_id, r.rank, page.title, page.body FROM ("
            "SELECT d.id AS id, d.object_id AS object_id, "
            "-bm25(search_document_fts, 5.0, 1.0) AS rank "
            "FROM search_document_fts JOIN search_searchdocument d "
            "ON d.id = search_document_fts.rowid "
            f"WHERE search_document_fts MATCH %s AND d.kind = %s {restrict}"
            "ORDER BY rank DESC, d.object_id LIMIT %s"
            ") r JOIN search_searchdocument page ON page.id = r.id "
            "ORDER BY r.rank DESC, r.object_id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [query, kind, *ids_params, limit])
            return list(cursor.fetchall())

    def ids_sql(self, ids: list[int]) -> tuple[str, list]:
        import json

        return "SELECT value FROM json_each(%s)", [json.dumps(ids)]


Engine = PostgreSQLEngine | SQLiteEngine


def current() -> Engine:
    if connection.vendor == "postgresql":
        return PostgreSQLEngine()
    if connection.vendor == "sqlite":
        return SQLiteEngine()
    raise NotImplementedError(f"full-text search is not available on {connection.vendor}")
