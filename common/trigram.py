"""Trigram indexes for substring search of Chinese names on PostgreSQL.

`name LIKE '%嘉定%'` cannot use a B-tree index; a GIN index over pg_trgm's trigrams can, for
queries of three characters or more (the database needs a UTF-8 locale such as C.UTF-8, so that
Chinese characters make trigrams). SQLite has no such index and searches by scanning.
"""

from django.db import migrations


def trigram_index(table: str, column: str) -> migrations.RunPython:
    name = f"{table}_{column}_trgm"

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ("{column}" gin_trgm_ops)'
            )

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(create, drop, elidable=False)
