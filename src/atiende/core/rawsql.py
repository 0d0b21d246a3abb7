"""Hot-path statements without the ORM's SQL compiler (the chat round trip, the task queue).

Building a statement from a queryset costs more CPU than SQLite or PostgreSQL take to run it
(docs/chat-scaling.md: half of a chat round trip was `SQLCompiler.as_sql`). The few statements
that run for every message are written once here, per model and database vendor, and reuse
Django's own value adaptation (`get_db_prep_save`) and result converters, so what is stored and
read back is what the ORM would store and read. SQLite >= 3.35 and PostgreSQL (RETURNING).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)

_inserts: dict[tuple[str, type[Model], bool], tuple[str, list[Field[Any, Any]]]] = {}
_converters: dict[tuple[str, type[Model]], list[tuple[Any, list[Callable[..., Any]]]]] = {}


def quote(connection: BaseDatabaseWrapper, name: str | None) -> str:
    return str(connection.ops.quote_name(name or ""))


def _insert_sql(
    connection: BaseDatabaseWrapper, model: type[Model], ignore_conflicts: bool
) -> tuple[str, list[Field[Any, Any]]]:
    key = (connection.vendor, model, ignore_conflicts)
    found = _inserts.get(key)
    if found is None:
        meta = model._meta
        fields: list[Field[Any, Any]] = [f for f in meta.concrete_fields if not f.primary_key]
        columns = ", ".join(quote(connection, f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
        pk = quote(connection, meta.pk.column) if meta.pk is not None else "id"
        sql = (
            f"INSERT INTO {quote(connection, meta.db_table)} ({columns}) "  # noqa: S608 - model's own
            f"VALUES ({marks}){conflict} RETURNING {pk}"
        )
        found = _inserts[key] = (sql, fields)
    return found


def insert[M: Model](
    instance: M, *, using: str = "default", ignore_conflicts: bool = False
) -> M | None:
    """`INSERT ... RETURNING id` of a new instance (no signals: the hot models have none).

    With `ignore_conflicts`, a row that violates a unique constraint is not inserted and None
    is returned (`ON CONFLICT DO NOTHING`: no savepoint, no aborted PostgreSQL transaction).
    """
    connection = connections[using]
    sql, fields = _insert_sql(connection, type(instance), ignore_conflicts)
    params = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = using
    return instance


def columns(connection: BaseDatabaseWrapper, model: type[Model]) -> str:
    """All the model's columns, in `concrete_fields` order (for RETURNING or SELECT)."""
    return ", ".join(quote(connection, f.column) for f in model._meta.concrete_fields)


def instances[M: Model](
    connection: BaseDatabaseWrapper, model: type[M], rows: Iterable[Sequence[Any]], using: str
) -> list[M]:
    """Model instances from rows of `columns(model)`, converted as the ORM converts them."""
    meta = model._meta
    key = (connection.vendor, model)
    converters = _converters.get(key)
    if converters is None:
        converters = []
        for field in meta.concrete_fields:
            expression = field.get_col(meta.db_table)
            chain = [
                *connection.ops.get_db_converters(expression),
                *expression.get_db_converters(connection),
            ]
            converters.append((expression, chain))
        _converters[key] = converters
    names = [f.attname for f in meta.concrete_fields]
    result = []
    for row in rows:
        values = []
        for value, (expression, chain) in zip(row, converters, strict=True):
            for convert in chain:
                value = convert(value, expression, connection)
            values.append(value)
        result.append(model.from_db(using, names, values))
    return result
