"""eventsourcing's process recorders, writing the read tables' row changes in the transaction
that stores the events and the tracking record (see `projections`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresProcessRecorder
from eventsourcing.sqlite import SQLiteProcessRecorder

from services.runtime.projections import Dialect, RowChange, Table
from services.runtime.schema_lock import schema_lock

ROW_CHANGES = "row_changes"  # the keyword that carries them from `CaseStore.record`
RECEIVED = "received"  # (consumer, event id) of the messages whose effects are stored
TRACES = "traces"  # (event id, W3C trace context) of new events, kept until the relay sends them
UNFILLED = "unfilled"  # a table's fingerprint until its first fill from the log has finished


class Projecting:
    """Mixed into a recorder: its read tables, their prefix and its SQL dialect."""

    dialect: Dialect
    prefix = "read"
    tables: tuple[Table, ...] = ()

    @property
    def received_table(self) -> str:
        return f"{self.prefix}_received"

    def write_received(self, cursor: Any, received: Sequence[tuple[str, str]]) -> None:
        mark = self.dialect.mark
        for consumer, event_id in received:
            cursor.execute(f"INSERT INTO {self.received_table} (consumer, event_id) "
                           f"VALUES ({mark}, {mark})", [consumer, event_id])

    def has_received(self, consumer: str, event_id: str) -> bool:
        mark = self.dialect.mark
        with self.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
            cursor.execute(f"SELECT 1 FROM {self.received_table} "
                           f"WHERE consumer = {mark} AND event_id = {mark}", [consumer, event_id])
            return cursor.fetchone() is not None

    @property
    def traces_table(self) -> str:
        return f"{self.prefix}_traces"

    def write_traces(self, cursor: Any, traces: Sequence[tuple[str, dict[str, str]]]) -> None:
        mark = self.dialect.mark
        for event_id, carrier in traces:
            cursor.execute(f"INSERT INTO {self.traces_table} (event_id, traceparent, tracestate) "
                           f"VALUES ({mark}, {mark}, {mark}) ON CONFLICT (event_id) DO NOTHING",
                           [event_id, carrier["traceparent"], carrier.get("tracestate", "")])

    def traces(self, event_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        marks = ", ".join([self.dialect.mark] * len(event_ids))
        with self.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
            cursor.execute(f"SELECT * FROM {self.traces_table} WHERE event_id IN ({marks})",
                           list(event_ids))
            return {row["event_id"]: {k: row[k] for k in ("traceparent", "tracestate") if row[k]}
                    for row in cursor.fetchall()}

    def forget_traces(self, event_ids: Sequence[str]) -> None:
        """A relay's batch at a time: the table holds only what is not yet published."""
        marks = ", ".join([self.dialect.mark] * len(event_ids))
        with self.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
            cursor.execute(f"DELETE FROM {self.traces_table} WHERE event_id IN ({marks})",
                           list(event_ids))

    def write_rows(self, cursor: Any, changes: Sequence[RowChange]) -> None:
        for change in changes:
            if change.table.totals:
                self._move_totals(cursor, change)
            cursor.execute(*self.dialect.write(change, self.prefix))

    def _move_totals(self, cursor: Any, change: RowChange) -> None:
        """Take the row as it was out of its groups' totals and put the new one in."""
        table = change.table
        cursor.execute(f"SELECT * FROM {table.qualified(self.prefix)} "
                       f"WHERE id = {self.dialect.mark}", [change.id])
        old = cursor.fetchone()
        for totals in table.totals:
            moves: dict[tuple[str, ...], list[int]] = {}
            rows = [(dict(old), -1)] if old is not None else []
            if change.values is not None:
                rows.append(({"id": change.id, **{c: change.values.get(c)  # as the row holds it
                                                  for c in table.columns}}, 1))
            for row, sign in rows:
                for key, amounts in totals.entries(row):
                    moved = moves.setdefault(key, [0] * len(amounts))
                    for i, amount in enumerate(amounts):
                        moved[i] += sign * amount
            for key, amounts in moves.items():
                if any(amounts):
                    cursor.execute(*self.dialect.add_to_totals(table, totals, self.prefix,
                                                               key, amounts))

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
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {self.received_table} "
                           "(consumer TEXT NOT NULL, event_id TEXT NOT NULL, "
                           "PRIMARY KEY (consumer, event_id))")
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {self.traces_table} "
                           "(event_id TEXT NOT NULL PRIMARY KEY, traceparent TEXT NOT NULL, "
                           "tracestate TEXT NOT NULL)")
            for table, fingerprint in tables.items():
                cursor.execute(f"SELECT fingerprint FROM {made} WHERE name = {self.dialect.mark}",
                               [table.name])
                row = cursor.fetchone()
                if row is not None and row["fingerprint"] == fingerprint:
                    continue
                for statement in table.create_statements(prefix):
                    cursor.execute(statement)
                self._mark(cursor, table, UNFILLED)  # a start cut short fills it again
                created.append(table)
        return created

    def mark_filled(self, tables: dict[Table, str]) -> None:
        """Once a created table holds every row the log gives it: it is made with this
        fingerprint, and the next start leaves it as it is."""
        with self.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
            for table, fingerprint in tables.items():
                self._mark(cursor, table, fingerprint)

    def _mark(self, cursor: Any, table: Table, fingerprint: str) -> None:
        mark = self.dialect.mark
        cursor.execute(f"INSERT INTO {self.prefix}_read_tables (name, fingerprint) "
                       f"VALUES ({mark}, {mark}) "
                       "ON CONFLICT (name) DO UPDATE SET fingerprint = excluded.fingerprint",
                       [table.name, fingerprint])


class SQLiteProjectingRecorder(Projecting, SQLiteProcessRecorder):
    dialect = Dialect("?")

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        returning = super()._insert_events(c, stored_events, **kwargs)
        self.write_rows(c, kwargs.get(ROW_CHANGES, ()))
        self.write_received(c, kwargs.get(RECEIVED, ()))
        self.write_traces(c, kwargs.get(TRACES, ()))
        return returning


class PostgresProjectingRecorder(Projecting, PostgresProcessRecorder):
    dialect = Dialect("%s")

    def create_table(self) -> None:
        with self.datastore.get_connection() as conn, schema_lock(conn):
            super().create_table()

    def _insert_events(self, curs: Any, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        self.write_rows(curs, kwargs.get(ROW_CHANGES, ()))
        self.write_received(curs, kwargs.get(RECEIVED, ()))
        self.write_traces(curs, kwargs.get(TRACES, ()))
