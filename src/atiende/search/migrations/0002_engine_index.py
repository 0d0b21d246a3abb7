"""The engine's full-text index over SearchDocument.text: an FTS5 table with its triggers on
SQLite, a stored tsvector column with a GIN index on PostgreSQL. Each operation does nothing on the other engine."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from atiende.search.backends import postgres, sqlite


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    statements: list[str] = []
    if vendor == "sqlite":
        statements = [sqlite.CREATE_TABLE, sqlite.REBUILD, *sqlite.CREATE_TRIGGERS]
    elif vendor == "postgresql":
        statements = [postgres.DROP_EXPRESSION_INDEX, postgres.ADD_VECTOR, postgres.CREATE_INDEX]
    for statement in statements:
        schema_editor.execute(statement)


def uninstall(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    statements: list[str] = []
    if vendor == "sqlite":
        statements = [*sqlite.DROP_TRIGGERS, sqlite.DROP_TABLE]
    elif vendor == "postgresql":
        statements = [postgres.DROP_INDEX, postgres.DROP_VECTOR]
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
