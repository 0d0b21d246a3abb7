"""Two database expressions the reports need on both engines.

- `SecondsBetween(end, start)`: the seconds from one timestamp to another (PostgreSQL's
  `EXTRACT(EPOCH FROM ...)`, SQLite's `julianday` difference).
- `DayOf(timestamp)`: the local calendar day; on SQLite `date()` shifted by the current UTC
  offset (Django's `TruncDate` calls a Python function per row there, a fifth of the report's
  time at 8,000 conversations), elsewhere `TruncDate`.
- `Median(expression)`: PostgreSQL's `percentile_cont(0.5) WITHIN GROUP (ORDER BY ...)`; SQLite
  has no median, so each SQLite connection gets an aggregate function, `atiende_median`, that
  the engine calls row by row (registered by `register_sqlite_median` on `connection_created`):
  the rows never become model instances and per-group medians stay one query.
"""

from __future__ import annotations

import statistics
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, DateField, FloatField, Func
from django.db.models.functions import TruncDate
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

SQLITE_MEDIAN = "atiende_median"


# What Django's stubs say `as_sql` returns: the SQL and its parameters.
Compiled = tuple[str, tuple[str | int, ...]]


class SecondsBetween(Func):
    output_field = FloatField()
    arity = 2
    template = "EXTRACT(EPOCH FROM (%(expressions)s))"
    arg_joiner = " - "

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> Compiled:
        return super().as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


class DayOf(TruncDate):
    output_field = DateField()

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> Compiled:
        sql, params = compiler.compile(self.lhs)
        offset = timezone.localtime().utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset else 0
        return f"date({sql}, '{minutes:+d} minutes')", params


class Median(Aggregate):
    function = "PERCENTILE_CONT"
    name = "Median"
    output_field = FloatField()
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> Compiled:
        return super().as_sql(
            compiler,
            connection,
            function=SQLITE_MEDIAN,
            template="%(function)s(%(expressions)s)",
            **extra_context,
        )


class _MedianAggregate:
    """SQLite's side of `Median`: NULLs are skipped, as SQL aggregates do."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: float | None) -> None:
        if value is not None:
            self.values.append(float(value))

    def finalize(self) -> float | None:
        return statistics.median(self.values) if self.values else None


def register_sqlite_median(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate(SQLITE_MEDIAN, 1, _MedianAggregate)
