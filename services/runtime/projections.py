"""The read side: each list, lookup and periodic job reads a table kept from the aggregates'
state, written in the same transaction as the events that changed them, so it is never behind
or ahead of the log, and indexed for the lookups it serves. A request costs the same on the
last day of the year as on the first.

A `Projection` says which table an aggregate type keeps and what its row is (or none: not in
this table). The store computes the rows of every aggregate it records and the recorder writes
them with the events; `rows_digest` of a table rebuilt from the events equals that of the one
kept incrementally.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

Value = str | int | None
Op = Literal["=", "<", "<=", ">", ">=", "!="]
OPS = frozenset({"=", "<", "<=", ">", ">=", "!="})
SHAPE = 3  # how tables are made (3: totals in BIGINT); a change makes them again


Part = dict[str, Any]


@dataclass(frozen=True)
class Totals:
    """Running totals of a table's rows by group: how many rows (`rows`) and the sums of some
    INTEGER columns, kept as each row changes, so a count over all history reads a few rows.

    `parts`, if given, says what a row (with its `id`) adds instead of itself: none, or several
    parts each with the group and sum columns (a case's legs, each to its own unit)."""

    name: str
    group_by: tuple[str, ...]
    sums: tuple[str, ...] = ()
    parts: Callable[[dict[str, Any]], Iterable[Part]] | None = None

    def entries(self, row: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], list[int]]]:
        for part in self.parts(row) if self.parts else (row,):
            yield (tuple("" if part.get(c) is None else str(part[c]) for c in self.group_by),
                   [1, *(int(part.get(c) or 0) for c in self.sums)])


BY_STATUS = Totals("by_status", ("status",))
"""Cases by status over all history, kept as rows change: `/metrics` reads a few rows."""


@dataclass(frozen=True, eq=False)  # one object per table: compared and hashed by identity
class Table:
    """A read table keyed by aggregate id (`id`), with other columns TEXT or INTEGER."""

    name: str
    columns: dict[str, Literal["TEXT", "INTEGER"]]
    indexes: tuple[tuple[str, ...], ...] = ()
    totals: tuple[Totals, ...] = ()

    def create_statements(self, prefix: str) -> list[str]:
        name = self.qualified(prefix)
        columns = ", ".join(["id TEXT NOT NULL PRIMARY KEY",
                             *(f"{c} {t}" for c, t in self.columns.items())])
        return [f"DROP TABLE IF EXISTS {name}", f"CREATE TABLE {name} ({columns})",
                *(f"CREATE INDEX {name}_{'_'.join(cols)} ON {name} ({', '.join(cols)}, id)"
                  for cols in self.indexes),  # with id: a page in (cols, id) order stops early
                *(s for t in self.totals for s in self._create_totals(t, prefix))]

    def _create_totals(self, totals: Totals, prefix: str) -> list[str]:
        name = self.totals_table(totals, prefix)
        columns = [*(f"{c} TEXT NOT NULL" for c in totals.group_by), "rows BIGINT NOT NULL",
                   *(f"{c} BIGINT NOT NULL" for c in totals.sums)]
        key = ", ".join(totals.group_by)
        return [f"DROP TABLE IF EXISTS {name}",
                f"CREATE TABLE {name} ({', '.join(columns)}, PRIMARY KEY ({key}))"]

    def qualified(self, prefix: str) -> str:
        return f"{prefix}_{self.name}"

    def totals_table(self, totals: Totals, prefix: str) -> str:
        return f"{self.qualified(prefix)}_{totals.name}"

    def fingerprint(self, depends_on: Iterable[str] = ()) -> str:
        """Changes when the table's shape or what its rows depend on changes."""
        shape = json.dumps([SHAPE, self.name, self.columns, self.indexes,
                            [[t.name, t.group_by, t.sums, getattr(t.parts, "__qualname__", "")]
                             for t in self.totals],
                            sorted(depends_on)])
        return hashlib.sha256(shape.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Projection:
    """The row that an aggregate of type `of` keeps in `table`, from its current state."""

    table: Table
    of: type
    born_of: type | tuple[type, ...]  # the events that start one, to find them all to rebuild
    row: Callable[[Any], dict[str, Value] | None]
    depends_on: str = ""  # settings the rows are computed with (a calendar): a change rebuilds


@dataclass(frozen=True)
class RowChange:
    """Put this aggregate's row in a table (values) or take it out (None)."""

    table: Table
    id: str
    values: dict[str, Value] | None


def changes_for(projections: Sequence[Projection], aggregates: Iterable[Any]
                ) -> list[RowChange]:
    return [RowChange(p.table, str(a.id), p.row(a))
            for a in aggregates for p in projections if isinstance(a, p.of)]


@dataclass(frozen=True)
class Dialect:
    """What differs between SQLite and PostgreSQL here: the parameter mark."""

    mark: str

    def add_to_totals(self, table: Table, totals: Totals, prefix: str, key: tuple[str, ...],
                      amounts: list[int]) -> tuple[str, list[Value]]:
        columns = [*totals.group_by, "rows", *totals.sums]
        added = ", ".join(f"{c} = {table.totals_table(totals, prefix)}.{c} + excluded.{c}"
                          for c in ["rows", *totals.sums])
        sql = (f"INSERT INTO {table.totals_table(totals, prefix)} ({', '.join(columns)}) "
               f"VALUES ({', '.join([self.mark] * len(columns))}) "
               f"ON CONFLICT ({', '.join(totals.group_by)}) DO UPDATE SET {added}")
        return sql, [*key, *amounts]

    def write(self, change: RowChange, prefix: str) -> tuple[str, list[Value]]:
        name = change.table.qualified(prefix)
        if change.values is None:
            return f"DELETE FROM {name} WHERE id = {self.mark}", [change.id]
        columns = ["id", *change.table.columns]
        values = [change.id, *(change.values.get(c) for c in change.table.columns)]
        updates = ", ".join(f"{c} = excluded.{c}" for c in change.table.columns)
        sql = (f"INSERT INTO {name} ({', '.join(columns)}) "
               f"VALUES ({', '.join([self.mark] * len(columns))}) "
               f"ON CONFLICT (id) DO UPDATE SET {updates}")
        return sql, values


@dataclass(frozen=True)
class Query:
    """`SELECT * FROM table WHERE … ORDER BY … LIMIT … OFFSET …` on one table."""

    table: Table
    where: tuple[tuple[str, Op, Value], ...] = ()
    order_by: tuple[str, ...] = ("id",)
    limit: int | None = None
    offset: int = 0
    descending: bool = False  # every order column DESC: a page of the newest, read backwards

    def filter(self, column: str, op: Op, value: Value) -> Query:
        return replace(self, where=(*self.where, (column, op, value)))

    def page(self, limit: int, offset: int = 0) -> Query:
        return replace(self, limit=limit, offset=offset)

    def ordered(self, *columns: str, descending: bool = False) -> Query:
        return replace(self, order_by=(*columns, "id"), descending=descending)

    def sql(self, dialect: Dialect, prefix: str) -> tuple[str, list[Value]]:
        known = {"id", *self.table.columns}
        clauses, params = [], []
        for column, op, value in self.where:
            if column not in known or op not in OPS:
                raise ValueError(f"{self.table.name}: cannot filter on {column} {op}")
            if value is None:
                clauses.append(f"{column} IS {'NOT ' if op == '!=' else ''}NULL")
            else:
                clauses.append(f"{column} {op} {dialect.mark}")
                params.append(value)
        for column in self.order_by:
            if column not in known:
                raise ValueError(f"{self.table.name}: cannot order by {column}")
        sql = f"SELECT * FROM {self.table.qualified(prefix)}"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        direction = " DESC" if self.descending else ""
        sql += " ORDER BY " + ", ".join(f"{c}{direction}" for c in self.order_by)
        if self.limit is not None:
            sql += f" LIMIT {int(self.limit)} OFFSET {int(self.offset)}"
        return sql, params


def totals_of(totals: Totals, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the running totals should hold for these rows (groups with no rows left out)."""
    kept: dict[tuple[str, ...], list[int]] = {}
    for row in rows:
        for key, entry in totals.entries(row):
            amounts = kept.setdefault(key, [0] * (1 + len(totals.sums)))
            for i, amount in enumerate(entry):
                amounts[i] += amount
    return [{**dict(zip(totals.group_by, key, strict=True)),
             **dict(zip(["rows", *totals.sums], amounts, strict=True))}
            for key, amounts in kept.items() if amounts[0]]


def rows_digest(rows: Iterable[dict[str, Any]]) -> str:
    """One digest of a table's rows, whatever order they are read in."""
    lines = sorted(json.dumps(r, sort_keys=True, default=str, ensure_ascii=False) for r in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
