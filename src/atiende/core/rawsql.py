"""Hot-path statements without the ORM's SQL compiler (the chat round trip, the task queue).

Building a statement from a queryset costs more CPU than SQLite or PostgreSQL take to run it
(docs/chat-scaling.md: half of a chat round trip was `SQLCompiler.as_sql`). The few statements
that run for every message are written once here, per model and database vendor, and reuse
Django's own value adaptation (`get_db_prep_save`) and result converters, so what is stored and
read back is what the ORM would store and read. SQLite >= 3.35 and PostgreSQL (RETURNING).

Reads (`Select`) keep the ORM as the author of their SQL: the queryset is compiled once per
database with stand-in values, and later runs put the new values in their place; rows become
instances through the ORM's own converters and `select_related` populators.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar, cast

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=Model)

_inserts: dict[tuple[str, type[Model], bool], tuple[str, list[Field[Any, Any]]]] = {}
_converters: dict[tuple[str, type[Model]], list[tuple[Any, list[Callable[..., Any]]]]] = {}
# Django's SQLite backend's own rewrite of `%s` (not `%%s`) to `?`.
_QMARK = re.compile(r"(?<!%)%s")


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
    row = fetch_one(connection, sql, params)
    if row is None:
        return None
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = using
    return instance


_qmark: dict[str, str] = {}


def _sqlite_cursor(connection: BaseDatabaseWrapper, sql: str, params: Sequence[Any]) -> Any:
    """Run `sql` on SQLite's own cursor, or return None where Django's cursor must run it.

    Django's cursor wraps each statement in layers (wrapper object, execute wrappers, the
    `%s` to `?` rewrite by regular expression each time) that cost about as much CPU as SQLite
    takes to run a one-row INSERT. What they check still happens here: the health check, the
    thread, a broken transaction, database errors turned into Django's; with queries being
    logged (DEBUG, tests counting queries) or execute wrappers installed, Django's cursor runs
    the statement."""
    if connection.vendor != "sqlite" or connection.queries_logged or connection.execute_wrappers:
        return None
    statement = _qmark.get(sql)
    if statement is None:
        statement = _qmark[sql] = _QMARK.sub("?", sql).replace("%%", "%")
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    connection.validate_no_broken_transaction()
    with connection.wrap_database_errors:
        return connection.connection.execute(statement, params)


def fetch_one(connection: BaseDatabaseWrapper, sql: str, params: Sequence[Any]) -> Any:
    """The first row of a statement (None without one); see `_sqlite_cursor`."""
    cursor = _sqlite_cursor(connection, sql, params)
    if cursor is None:
        with connection.cursor() as django_cursor:
            django_cursor.execute(sql, params)
            return django_cursor.fetchone()
    with connection.wrap_database_errors:
        try:
            return cursor.fetchone()
        finally:
            cursor.close()


def fetch_all(connection: BaseDatabaseWrapper, sql: str, params: Sequence[Any]) -> list[Any]:
    """Every row of a statement; see `_sqlite_cursor`."""
    cursor = _sqlite_cursor(connection, sql, params)
    if cursor is None:
        with connection.cursor() as django_cursor:
            django_cursor.execute(sql, params)
            return list(django_cursor.fetchall())
    with connection.wrap_database_errors:
        try:
            return list(cursor.fetchall())
        finally:
            cursor.close()


_upserts: dict[tuple[str, type[Model], tuple[str, ...], tuple[str, ...]], tuple[str, str]] = {}
# Rows per statement: far under SQLite's and PostgreSQL's limits on bound parameters.
UPSERT_BATCH = 500


def upsert(
    instances: Sequence[Model],
    *,
    unique_fields: Sequence[str],
    update_fields: Sequence[str],
    using: str = "default",
) -> None:
    """`INSERT ... ON CONFLICT (unique_fields) DO UPDATE SET update_fields = EXCLUDED...` of
    new instances of one model, the statement `bulk_create(update_conflicts=True)` runs, built
    without the compiler (no signals, primary keys not read back). Each row is one conflict
    target at most: the caller removes duplicates (PostgreSQL refuses a statement that
    updates a row twice)."""
    if not instances:
        return
    connection = connections[using]
    model = type(instances[0])
    meta = model._meta
    key = (connection.vendor, model, tuple(unique_fields), tuple(update_fields))
    found = _upserts.get(key)
    fields: list[Field[Any, Any]] = [f for f in meta.concrete_fields if not f.primary_key]
    if found is None:
        names = ", ".join(quote(connection, f.column) for f in fields)
        by_name = {f.name: quote(connection, f.column) for f in fields}
        by_name.update({f.attname: quote(connection, f.column) for f in fields})
        target = ", ".join(by_name[name] for name in unique_fields)
        updates = ", ".join(f"{by_name[name]} = EXCLUDED.{by_name[name]}" for name in update_fields)
        head = f"INSERT INTO {quote(connection, meta.db_table)} ({names}) VALUES "  # noqa: S608
        tail = f" ON CONFLICT ({target}) DO UPDATE SET {updates}"
        found = _upserts[key] = (head, tail)
    head, tail = found
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(instances), UPSERT_BATCH):
            chunk = instances[start : start + UPSERT_BATCH]
            params = [
                field.get_db_prep_save(field.pre_save(instance, True), connection)
                for instance in chunk
                for field in fields
            ]
            cursor.execute(head + ", ".join([row] * len(chunk)) + tail, params)


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


# Reads: a queryset's SQL compiled once per database, run again with new values.

# Stand-ins for the values while a statement is compiled, one kind per argument type; each is
# then found among the compiled parameters. Integers stay within every integer column's range
# (Django drops a lookup whose value overflows the field, which would leave nothing to find).
_INT_STAND_IN = 31_000
_TEXT_STAND_IN = "\x1fatiende-argument-{}-{}\x1f"
_MOMENT_STAND_IN = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)
_INT8 = 2**63


def _stand_in(kind: type, index: int, round_: int) -> object:
    if kind is int:
        return _INT_STAND_IN + round_ * 500 + index
    if kind is str:
        return _TEXT_STAND_IN.format(index, round_)
    if kind is datetime:
        return _MOMENT_STAND_IN + timedelta(microseconds=round_ * 500 + index)
    raise TypeError(f"no stand-in for arguments of type {kind.__name__}")


def _adapt(connection: BaseDatabaseWrapper, kind: type, value: object) -> object:
    """The value as the ORM hands it to the database (for the argument types Select takes)."""
    if kind is datetime:
        return connection.ops.adapt_datetimefield_value(cast(datetime, value))
    return value


def _plain(kind: type, value: object, bound: int) -> bool:
    """Whether `value` is what the statement was compiled for; anything else (None, a bool for
    an int, an integer beyond what the column's lookup takes) goes through the ORM, which knows
    what to do with it (Django drops a lookup whose value overflows its field)."""
    if kind is str:
        return isinstance(value, str)  # choices (StrEnum members) included, as the ORM takes them
    if type(value) is not kind:
        return False
    if kind is int:
        return -bound <= value < bound  # type: ignore[operator]  # an int, checked above
    if kind is datetime:
        return value.tzinfo is not None  # type: ignore[attr-defined]  # a datetime, checked above
    return False


# PostgreSQL: Django hands integer lookups' values over typed for their column (psycopg's
# Int2/Int4/Int8, `adapt_integerfield_value`); an argument gets the same type, within its range.
_INT_BOUNDS = {"Int2": 2**15, "Int4": 2**31, "Int8": 2**63}


@dataclass
class _Compiled:
    sql: str
    params: list[Any]
    # (position in params, argument index, the type the ORM gave that value or None): where
    # each argument goes.
    slots: list[tuple[int, int, Callable[[Any], Any] | None]]
    # Per argument: integers at or beyond this (or below its negative) take the ORM's path.
    bounds: list[int]
    columns: int
    converters: list[tuple[int, list[Callable[..., Any]], Any]]
    from_db: Callable[..., Any]
    init_list: list[str]
    model_slice: slice
    related: list[Any]
    annotations: dict[str, int]
    for_update: bool


class Select[M: Model]:
    """A hot read: the queryset `build(*arguments)` compiled once per database, then run with
    new arguments, its rows turned into model instances as the ORM turns them
    (`select_related` objects and annotations included; no `prefetch_related`).

        page = Select(lambda conversation, after: Message.objects.filter(...)[:100], int, int)
        page.fetch(conversation_id, after_seq)

    `arguments` are the types of the values (int, str or an aware datetime), each used in the
    queryset as it is: `build` must not transform them (normalise before calling `fetch`). A
    value of another type (None, a bool) takes the ORM's path. Compiling twice with different
    stand-ins proves the SQL does not depend on the values.
    """

    def __init__(self, build: Callable[..., QuerySet[M]], *arguments: type) -> None:
        self.build = build
        self.arguments = arguments
        self._compiled: dict[tuple[str, str], _Compiled] = {}

    def fetch(self, *values: Any, using: str = DEFAULT_DB_ALIAS) -> list[M]:
        if len(values) != len(self.arguments):
            raise TypeError(f"expected {len(self.arguments)} values, got {len(values)}")
        connection = connections[using]
        compiled = self.compiled(connection)
        for kind, value, bound in zip(self.arguments, values, compiled.bounds, strict=True):
            if not _plain(kind, value, bound):
                return list(self.build(*values).using(using))
        if compiled.for_update and connection.get_autocommit():
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        rows = fetch_all(connection, compiled.sql, self._params(connection, compiled, values))
        return self._instances(connection, compiled, rows, using)

    def first(self, *values: Any, using: str = DEFAULT_DB_ALIAS) -> M | None:
        """The first row's instance (the queryset should be sliced `[:1]`), or None."""
        found = self.fetch(*values, using=using)
        return found[0] if found else None

    def sql(self, *values: Any, using: str = DEFAULT_DB_ALIAS) -> tuple[str, list[Any]]:
        """What `fetch(*values)` runs (tests compare it with the ORM's own)."""
        connection = connections[using]
        compiled = self.compiled(connection)
        return compiled.sql, self._params(connection, compiled, values)

    def orm_sql(self, *values: Any, using: str = DEFAULT_DB_ALIAS) -> tuple[str, list[Any]]:
        """What the ORM compiles for `build(*values)`."""
        sql, params = self.build(*values).query.get_compiler(using=using).as_sql()
        return sql, list(params)

    def _params(
        self, connection: BaseDatabaseWrapper, compiled: _Compiled, values: Sequence[Any]
    ) -> list[Any]:
        params = list(compiled.params)
        for position, index, wrap in compiled.slots:
            value = _adapt(connection, self.arguments[index], values[index])
            params[position] = value if wrap is None else wrap(value)
        return params

    def compiled(self, connection: BaseDatabaseWrapper) -> _Compiled:
        key = (connection.alias, connection.vendor)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = self._compile(connection)
        return found

    def _compile(self, connection: BaseDatabaseWrapper) -> _Compiled:
        queryset, compiler, sql, params, slots = self._compile_with(connection, 0)
        _, _, again_sql, again_params, again_slots = self._compile_with(connection, 1)
        if (sql, slots, _fixed(params, slots)) != (
            again_sql,
            again_slots,
            _fixed(again_params, again_slots),
        ):
            raise ValueError(f"the SQL depends on the values: {sql}")
        fetch_mode = queryset._fetch_mode  # type: ignore[attr-defined]  # the ORM's own choice
        if fetch_mode.track_peers:
            raise TypeError("Select does not track peers (fetch_mode)")
        bounds = [_INT8] * len(self.arguments)
        for _, index, wrap in slots:
            if wrap is not None:
                bounds[index] = min(bounds[index], _INT_BOUNDS.get(wrap.__name__, _INT8))
        select, klass_info = compiler.select, compiler.klass_info
        columns = compiler.col_count
        chains = compiler.get_converters([s[0] for s in select[:columns]])
        selected = klass_info["select_fields"]
        model_slice = slice(selected[0], selected[-1] + 1)
        return _Compiled(
            sql=sql,
            params=params,
            slots=slots,
            bounds=bounds,
            columns=columns,
            converters=[(position, chain, expr) for position, (chain, expr) in chains.items()],
            from_db=partial(klass_info["model"].from_db, fetch_mode=fetch_mode),
            init_list=[f[0].target.attname for f in select[model_slice]],
            model_slice=model_slice,
            related=get_related_populators(klass_info, select, connection.alias, fetch_mode),
            annotations=dict(compiler.annotation_col_map),
            for_update=bool(compiler.query.select_for_update)
            and connection.features.has_select_for_update,
        )

    def _compile_with(
        self, connection: BaseDatabaseWrapper, round_: int
    ) -> tuple[QuerySet[M], Any, str, list[Any], list[tuple[int, int, Any]]]:
        values = [_stand_in(kind, i, round_) for i, kind in enumerate(self.arguments)]
        queryset = self.build(*values).using(connection.alias)
        if queryset._iterable_class is not ModelIterable:
            raise TypeError("Select builds model instances (no values() or values_list())")
        private: Any = queryset  # the ORM keeps these unannotated
        if private._prefetch_related_lookups or private._known_related_objects:
            raise TypeError("Select runs one statement: no prefetch_related")
        compiler = queryset.query.get_compiler(using=connection.alias)
        sql, compiled_params = compiler.as_sql()  # raises EmptyResultSet for none() and the like
        params = list(compiled_params)
        stand_ins = [
            _adapt(connection, kind, value)
            for kind, value in zip(self.arguments, values, strict=True)
        ]
        slots: list[tuple[int, int, Callable[[Any], Any] | None]] = []
        for position, param in enumerate(params):
            for index, stand_in in enumerate(stand_ins):
                if isinstance(param, type(stand_in)) and param == stand_in:
                    wrap = None if type(param) is type(stand_in) else type(param)
                    slots.append((position, index, wrap))
        if {index for _, index, _ in slots} != set(range(len(values))):
            raise ValueError(f"an argument is transformed or unused in {sql}")
        return queryset, compiler, sql, params, slots

    def _instances(
        self,
        connection: BaseDatabaseWrapper,
        compiled: _Compiled,
        rows: Iterable[Sequence[Any]],
        using: str,
    ) -> list[M]:
        found = []
        for raw in rows:
            row = list(raw[: compiled.columns])
            for position, chain, expression in compiled.converters:
                value = row[position]
                for convert in chain:
                    value = convert(value, expression, connection)
                row[position] = value
            instance = compiled.from_db(using, compiled.init_list, row[compiled.model_slice])
            for populator in compiled.related:
                populator.populate(row, instance)
            for name, position in compiled.annotations.items():
                setattr(instance, name, row[position])
            found.append(instance)
        return found


def _fixed(params: list[Any], slots: list[tuple[int, int, Any]]) -> list[Any]:
    """The parameters that are not arguments (constants of the queryset)."""
    taken = {position for position, _, _ in slots}
    return [param for position, param in enumerate(params) if position not in taken]
