"""PostgreSQL: a small title-only tsvector (GIN-indexed) beside each document's full vector.

Ranking every match of a common word costs a detoasted full vector per match (issue 20: 70-80
ms at 10k KB articles); the title vector lets search pick its best title matches without
touching the large vectors (search.backend.search_documents). SQLite needs nothing: FTS5
filters on the title column itself."""

from django.db import migrations

FORWARDS = [
    "ALTER TABLE search_searchdocument ADD COLUMN title_vector tsvector GENERATED ALWAYS AS ("
    "to_tsvector('simple'::regconfig, ticketdesk_search_fold(left(title, 2000)))) STORED",
    "CREATE INDEX search_searchdocument_title_vector ON search_searchdocument "
    "USING gin (title_vector)",
    "ANALYZE search_searchdocument",
]
BACKWARDS = [
    "DROP INDEX IF EXISTS search_searchdocument_title_vector",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS title_vector",
]


def _run(schema_editor, statements):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    _run(schema_editor, FORWARDS)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    _run(schema_editor, BACKWARDS)


class Migration(migrations.Migration):
    dependencies = [("search", "0003_faster_fold")]

    operations = [migrations.RunPython(forwards, backwards)]
