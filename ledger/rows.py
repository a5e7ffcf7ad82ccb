"""Set-wise writes with the raw driver: many rows into a table, many deltas onto rows.

SQLAlchemy's `execute(table.insert(), rows)` builds one parameter dict per row through
every column's bind processor, and that costs more than the database takes to store the
rows (it was a third of a rebuild). Here a table's column list and bind processors are
resolved once per dialect and each row becomes a tuple: SQLite gets one `executemany`,
PostgreSQL one `COPY … FROM STDIN` (or one pipelined `executemany` for a few rows).
The statements run in the caller's transaction, through its connection.

Rows are dicts keyed by column name, as for `execute(table.insert(), rows)`: the first
row names the columns written; a column left out takes its scalar Python default (the
amounts' 0) or NULL. A column whose default is computed (parties' `name_key`) is refused
here: write such tables with SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

import sqlalchemy as sa

from ledger.db import is_sqlite

# Below this many rows a COPY's set-up costs more than the pipelined INSERTs it replaces.
COPY_FROM = 50

Processor = Callable[[Any], Any] | None
_plans: dict[tuple[str, sa.Table, tuple[str, ...]], _InsertPlan] = {}


class _InsertPlan:
    """One table's INSERT for one dialect and one set of columns, resolved once."""

    def __init__(self, table: sa.Table, dialect: sa.Dialect, names: tuple[str, ...]) -> None:
        columns = [c for c in table.columns if c.name in names or c.default is not None]
        for column in columns:
            if column.name not in names and not _scalar(column.default):
                raise ValueError(f"{table.name}.{column.name} has a computed default")
        self.names = [c.name for c in columns]
        first = self.names[0]
        self.getter = itemgetter(*self.names) if len(self.names) > 1 else lambda row: (row[first],)
        self.defaults = [getattr(c.default, "arg", None) for c in columns]
        self.json = [isinstance(c.type, sa.JSON) for c in columns]
        self.processors: list[Processor] = [
            c.type._cached_bind_processor(dialect)  # noqa: SLF001 (SQLAlchemy's own)
            for c in columns
        ]
        quote = dialect.identifier_preparer.quote
        column_list = ", ".join(quote(name) for name in self.names)
        target = f"{quote(table.name)} ({column_list})"
        mark = "?" if dialect.name == "sqlite" else "%s"
        self.insert = f"INSERT INTO {target} VALUES ({', '.join([mark] * len(self.names))})"
        self.copy = f"COPY {target} FROM STDIN"

    def tuples(self, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        get = self.getter
        try:
            out = [list(get(row)) for row in rows]
        except KeyError:  # some rows leave a defaulted column out
            defaults = dict(zip(self.names, self.defaults, strict=True))
            out = [list(get({**defaults, **row})) for row in rows]
        for index, processor in enumerate(self.processors):
            if processor is not None:
                convert = processor if self.json[index] else memoized(processor)
                for values in out:
                    if values[index] is not None:
                        values[index] = convert(values[index])
        return [tuple(values) for values in out]


def memoized(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`convert` remembering its answers: a page of rows repeats the same few dates and
    instants, and converting them is most of the cost of writing them."""
    seen: dict[Any, Any] = {}

    def lookup(value: Any) -> Any:
        found = seen.get(value, seen)
        if found is seen:
            found = seen[value] = convert(value)
        return found

    return lookup


def _scalar(default: Any) -> bool:
    return isinstance(default, sa.ColumnDefault) and default.is_scalar


def _plan(conn: sa.Connection, table: sa.Table, names: tuple[str, ...]) -> _InsertPlan:
    key = (conn.dialect.name, table, names)
    plan = _plans.get(key)
    if plan is None:
        plan = _plans[key] = _InsertPlan(table, conn.dialect, names)
    return plan


def insert_rows(conn: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` into `table` in the caller's transaction."""
    if not rows:
        return
    plan = _plan(conn, table, tuple(rows[0]))
    values = plan.tuples(rows)
    if is_sqlite(conn) or len(values) < COPY_FROM:
        conn.exec_driver_sql(plan.insert, values)  # type: ignore[arg-type]
        return
    import psycopg

    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(plan.copy) as copy:
            for value in values:
                copy.write_row(value)
    except psycopg.Error as exc:
        # As SQLAlchemy raises it for its own statements (an IntegrityError for a NOT
        # NULL or unique violation), so callers handle a refused COPY like a refused INSERT.
        raise sa.exc.DBAPIError.instance(plan.copy, None, exc, psycopg.Error) from exc
    finally:
        cursor.close()


def add_to_rows(
    conn: sa.Connection,
    table: sa.Table,
    key: str | Sequence[str],
    deltas: Mapping[Any, Sequence[int]],
    columns: Sequence[str],
) -> None:
    """`column += delta` for every row of `table` named in `deltas` (key value(s) → one
    integer per column of `columns`): SQLite one `executemany`, PostgreSQL one UPDATE
    joined to the deltas as arrays (one statement whatever their number)."""
    if not deltas:
        return
    keys = [key] if isinstance(key, str) else list(key)
    quote = conn.dialect.identifier_preparer.quote
    name = quote(table.name)
    items = [((k,) if isinstance(key, str) else tuple(k), v) for k, v in deltas.items()]
    if is_sqlite(conn):
        sets = ", ".join(f"{quote(c)} = {quote(c)} + ?" for c in columns)
        where = " AND ".join(f"{quote(k)} = ?" for k in keys)
        conn.exec_driver_sql(
            f"UPDATE {name} SET {sets} WHERE {where}",
            [(*v, *k) for k, v in items],  # type: ignore[arg-type]
        )
        return
    sets = ", ".join(f"{quote(c)} = t.{quote(c)} + d.{quote(c)}" for c in columns)
    where = " AND ".join(f"t.{quote(k)} = d.{quote(k)}" for k in keys)
    arrays = [f"%s::{_pg_array(table.c[k])}" for k in keys] + ["%s::bigint[]"] * len(columns)
    aliases = ", ".join(quote(c) for c in (*keys, *columns))
    params = [[k[i] for k, _ in items] for i in range(len(keys))]
    params += [[v[i] for _, v in items] for i in range(len(columns))]
    conn.exec_driver_sql(
        f"UPDATE {name} AS t SET {sets} FROM unnest({', '.join(arrays)}) AS d({aliases})"
        f" WHERE {where}",
        tuple(params),
    )


def _pg_array(column: sa.Column[Any]) -> str:
    return "text[]" if isinstance(column.type, sa.String) else "bigint[]"
