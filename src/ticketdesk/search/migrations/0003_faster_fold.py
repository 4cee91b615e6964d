"""A faster accent fold for PostgreSQL: NFKD, drop combining diacritical marks (U+0300–U+036F),
punctuation that joins words → space, lower case. The same steps as `search.text.fold`
(the first version's translate() over ~200 letters cost ~0.5 ms per message)."""

from django.db import migrations

PUNCTUATION = "@.,-_/:+#|;=~<>&"

FOLD = (
    "CREATE OR REPLACE FUNCTION ticketdesk_search_fold(value text) RETURNS text "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS "
    "$$ SELECT lower(translate(regexp_replace(normalize(value, NFKD), "
    "'[\\u0300-\\u036f]+', '', 'g'), "
    f"'{PUNCTUATION}', '{' ' * len(PUNCTUATION)}')) $$"
)


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FOLD)
        # recompute the stored (generated) document vectors with the new function
        cursor.execute("UPDATE search_searchdocument SET title = title")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
