"""eventsourcing's process recorders, writing the read tables' row changes in the transaction
that stores the events and the tracking record (see `projections`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresProcessRecorder
from eventsourcing.sqlite import SQLiteProcessRecorder

from services.runtime.projections import Dialect, RowChange, Table

ROW_CHANGES = "row_changes"  # the keyword that carries them from `CaseStore.record`


class Projecting:
    """Mixed into a recorder: its read tables, their prefix and its SQL dialect."""

    dialect: Dialect
    prefix = "read"
    tables: tuple[Table, ...] = ()

    def write_rows(self, cursor: Any, changes: Sequence[RowChange]) -> None:
        for change in changes:
            cursor.execute(*self.dialect.write(change, self.prefix))

    def create_read_tables(self, tables: dict[Table, str], prefix: str) -> list[Table]:
        """Create each table whose fingerprint (columns, indexes, what its rows depend on) is
        not the one it was made with, dropping the old one; returns those, to be filled from
        the log. A new release's columns or a site's new calendar thus rebuild the table."""
        self.tables, self.prefix = tuple(tables), prefix
        made = f"{prefix}_read_tables"
        created = []
        with self.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {made} "
                           "(name TEXT NOT NULL PRIMARY KEY, fingerprint TEXT NOT NULL)")
            for table, fingerprint in tables.items():
                cursor.execute(f"SELECT fingerprint FROM {made} WHERE name = {self.dialect.mark}",
                               [table.name])
                row = cursor.fetchone()
                if row is not None and row["fingerprint"] == fingerprint:
                    continue
                cursor.execute(f"DROP TABLE IF EXISTS {table.qualified(prefix)}")
                for statement in table.create_statements(prefix):
                    cursor.execute(statement)
                mark = self.dialect.mark
                cursor.execute(f"INSERT INTO {made} (name, fingerprint) VALUES ({mark}, {mark}) "
                               "ON CONFLICT (name) DO UPDATE SET fingerprint = excluded.fingerprint",
                               [table.name, fingerprint])
                created.append(table)
        return created


class SQLiteProjectingRecorder(Projecting, SQLiteProcessRecorder):
    dialect = Dialect("?")

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        returning = super()._insert_events(c, stored_events, **kwargs)
        self.write_rows(c, kwargs.get(ROW_CHANGES, ()))
        return returning


class PostgresProjectingRecorder(Projecting, PostgresProcessRecorder):
    dialect = Dialect("%s")

    def _insert_events(self, curs: Any, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        self.write_rows(curs, kwargs.get(ROW_CHANGES, ()))
