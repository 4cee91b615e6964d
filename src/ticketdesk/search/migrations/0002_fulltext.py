"""The full-text index: a tsvector column with a GIN index on PostgreSQL, FTS5 virtual tables
kept in step by triggers on SQLite. Other databases get no index (search falls back to LIKE)."""

import unicodedata

from django.db import migrations


def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _translate_pairs() -> tuple[str, str]:
    """Accented Latin letters → their plain lower-case letter (as search.text.fold does);
    punctuation that joins words (emails, versions, paths) or that the PostgreSQL parser would
    read as an XML tag (eating the words inside) → space."""
    source, target = [], []
    for code in range(0xC0, 0x180):
        char = chr(code)
        folded = _fold_char(char)
        if len(folded) == 1 and folded.isascii() and folded.isalpha() and folded != char:
            source.append(char)
            target.append(folded)
    for char in "@.,-_/:+#|;=~<>&":
        source.append(char)
        target.append(" ")
    return "".join(source), "".join(target)


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _postgresql_statements() -> list[str]:
    source, target = _translate_pairs()
    return [
        "CREATE OR REPLACE FUNCTION ticketdesk_search_fold(value text) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS "
        f"$$ SELECT lower(translate(value, {_sql_literal(source)}, {_sql_literal(target)})) $$",
        "ALTER TABLE search_ticketindex ADD COLUMN vector tsvector NOT NULL DEFAULT ''",
        "CREATE INDEX search_ticketindex_vector ON search_ticketindex USING gin (vector)",
        "ALTER TABLE search_searchdocument ADD COLUMN vector tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('simple'::regconfig, ticketdesk_search_fold(left(title, 2000))),"
        " 'A') || setweight(to_tsvector('simple'::regconfig,"
        " ticketdesk_search_fold(left(body, 200000))), 'B')) STORED",
        "CREATE INDEX search_searchdocument_vector ON search_searchdocument USING gin (vector)",
    ]


TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2'"

SQLITE_STATEMENTS = [
    "CREATE VIRTUAL TABLE search_ticket_fts USING fts5("
    f"subject, requester, public_text, internal_text, {TOKENIZE}, prefix = '2 3')",
    "CREATE TRIGGER search_ticketindex_ad AFTER DELETE ON search_ticketindex BEGIN "
    "DELETE FROM search_ticket_fts WHERE rowid = old.ticket_id; END",
    "CREATE VIRTUAL TABLE search_document_fts USING fts5(title, body, "
    f"content = 'search_searchdocument', content_rowid = 'id', {TOKENIZE}, prefix = '2 3')",
    "CREATE TRIGGER search_searchdocument_ai AFTER INSERT ON search_searchdocument BEGIN "
    "INSERT INTO search_document_fts(rowid, title, body) VALUES (new.id, new.title, new.body); "
    "END",
    "CREATE TRIGGER search_searchdocument_ad AFTER DELETE ON search_searchdocument BEGIN "
    "INSERT INTO search_document_fts(search_document_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER search_searchdocument_au AFTER UPDATE ON search_searchdocument BEGIN "
    "INSERT INTO search_document_fts(search_document_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO search_document_fts(rowid, title, body) VALUES (new.id, new.title, new.body); "
    "END",
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS search_searchdocument_au",
    "DROP TRIGGER IF EXISTS search_searchdocument_ad",
    "DROP TRIGGER IF EXISTS search_searchdocument_ai",
    "DROP TABLE IF EXISTS search_document_fts",
    "DROP TRIGGER IF EXISTS search_ticketindex_ad",
    "DROP TABLE IF EXISTS search_ticket_fts",
]

POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS search_searchdocument_vector",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS vector",
    "DROP INDEX IF EXISTS search_ticketindex_vector",
    "ALTER TABLE search_ticketindex DROP COLUMN IF EXISTS vector",
    "DROP FUNCTION IF EXISTS ticketdesk_search_fold(text)",
]


def _run(schema_editor, statements):  # type: ignore[no-untyped-def]
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, _postgresql_statements())
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_STATEMENTS)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRESQL_REVERSE)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
