"""Core statements compiled once per dialect and run directly on the driver's cursor.

A task completion runs half a dozen small statements. Through SQLAlchemy's execution
layer each costs 20–60 µs of Python (parameter processing, execution context, result
set-up) on top of the few microseconds SQLite needs for the statement itself. A
`Prepared` statement keeps what that layer would do once per statement — the SQL text of
the dialect and the column types' own bind and result processors — and then hands
values straight to the DBAPI cursor of the session's connection, inside the session's
transaction. The SQL and the stored values are exactly those Core would produce.

Only fixed statements qualify: named `bindparam`s or column keys, no expanding `IN`
lists, and for INSERTs every column with a Python-side default must be supplied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Insert, Select
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement

Processor = Callable[[Any], Any] | None
_MISSING = object()


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positional: bool
    binds: tuple[tuple[str, Any, Processor], ...]  # (bind name, constant value or _MISSING, processor)
    results: tuple[Processor, ...]

    def parameters(self, values: dict[str, Any]) -> tuple | dict:
        bound = []
        for name, constant, process in self.binds:
            value = values[name] if constant is _MISSING else values.get(name, constant)
            bound.append(process(value) if process is not None else value)
        if self.positional:
            return tuple(bound)
        return {name: value for (name, _, _), value in zip(self.binds, bound, strict=True)}

    def row(self, raw: Sequence[Any]) -> tuple:
        return tuple(p(v) if p is not None else v for p, v in zip(self.results, raw, strict=True))


class Prepared:
    """One statement; `keys` fixes the columns of an INSERT/UPDATE that takes its values
    from the parameters (the SET or VALUES list), as Core's `column_keys` does."""

    def __init__(self, statement: ClauseElement, keys: Iterable[str] | None = None) -> None:
        self.statement = statement
        self.keys = tuple(keys) if keys is not None else None
        self._by_dialect: dict[tuple[str, str], _Compiled] = {}
        if isinstance(statement, Insert) and self.keys is not None:
            table = statement.table
            missing = [c.key for c in table.c if c.default is not None and c.key not in self.keys]
            if missing:
                raise ValueError(f"INSERT into {table.name} must supply {missing} (Python-side defaults)")

    def execute(self, session: Session, values: dict[str, Any]) -> int:
        """Run once with `values`; returns the number of rows changed."""
        connection = session.connection()
        compiled = self._compiled(connection.dialect)
        with closing(connection.connection.cursor()) as cursor:
            _run(connection, cursor.execute, compiled.sql, compiled.parameters(values))
            return cursor.rowcount

    def execute_many(self, session: Session, rows: list[dict[str, Any]]) -> None:
        connection = session.connection()
        compiled = self._compiled(connection.dialect)
        with closing(connection.connection.cursor()) as cursor:
            _run(connection, cursor.executemany, compiled.sql, [compiled.parameters(row) for row in rows])

    def first(self, session: Session, values: dict[str, Any]) -> tuple | None:
        """The first result row (with the columns' result processing applied), or None."""
        connection = session.connection()
        compiled = self._compiled(connection.dialect)
        with closing(connection.connection.cursor()) as cursor:
            _run(connection, cursor.execute, compiled.sql, compiled.parameters(values))
            raw = cursor.fetchone()
        return compiled.row(raw) if raw is not None else None

    def all(self, session: Session, values: dict[str, Any]) -> list[tuple]:
        connection = session.connection()
        compiled = self._compiled(connection.dialect)
        with closing(connection.connection.cursor()) as cursor:
            _run(connection, cursor.execute, compiled.sql, compiled.parameters(values))
            return [compiled.row(raw) for raw in cursor.fetchall()]

    def _compiled(self, dialect: Dialect) -> _Compiled:
        key = (dialect.name, dialect.driver)  # the driver decides the parameter style
        found = self._by_dialect.get(key)
        if found is None:
            found = self._by_dialect[key] = self._compile(dialect)
        return found

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect, column_keys=list(self.keys) if self.keys else None)
        names = list(compiled.positiontup) if compiled.positional else list(compiled.binds)
        binds = []
        for name in names:
            bind = compiled.binds[name]
            if bind.expanding:
                raise ValueError(f"expanding parameter {name!r} cannot be prepared")
            constant = _MISSING if (bind.required or name in (self.keys or ())) else bind.effective_value
            binds.append((name, constant, bind.type.dialect_impl(dialect).bind_processor(dialect)))
        results: tuple[Processor, ...] = ()
        if isinstance(self.statement, Select):
            results = tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in self.statement.selected_columns
            )
        return _Compiled(compiled.string, compiled.positional, tuple(binds), results)


def _run(connection: Connection, method: Callable[[str, Any], Any], sql: str, parameters: Any) -> None:
    """Driver errors become SQLAlchemy's (IntegrityError, OperationalError …) as Core raises
    them, and a lost server connection is invalidated so the pool does not hand it out again."""
    try:
        method(sql, parameters)
    except connection.dialect.loaded_dbapi.Error as error:
        dialect = connection.dialect
        lost = dialect.is_disconnect(error, connection.connection.dbapi_connection, None)
        if lost:
            connection.invalidate(error)
        raise DBAPIError.instance(sql, None, error, dialect.loaded_dbapi.Error,
                                  connection_invalidated=lost, dialect=dialect) from error
