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

    def create_read_tables(self, tables: Sequence[Table], prefix: str) -> list[Table]:
        """Create the tables that do not exist yet; returns those, to be filled from the log."""
        self.tables, self.prefix = tuple(tables), prefix
        with self.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
            created = []
            for table in tables:
                cursor.execute(self.dialect.table_exists, [table.qualified(prefix)])
                if cursor.fetchone() is None:
                    created.append(table)
                for statement in table.create_statements(prefix):
                    cursor.execute(statement)
        return created


class SQLiteProjectingRecorder(Projecting, SQLiteProcessRecorder):
    dialect = Dialect("?", "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        returning = super()._insert_events(c, stored_events, **kwargs)
        self.write_rows(c, kwargs.get(ROW_CHANGES, ()))
        return returning


class PostgresProjectingRecorder(Projecting, PostgresProcessRecorder):
    dialect = Dialect("%s", "SELECT 1 FROM information_schema.tables "
                            "WHERE table_schema = current_schema() AND table_name = %s")

    def _insert_events(self, curs: Any, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        self.write_rows(curs, kwargs.get(ROW_CHANGES, ()))
