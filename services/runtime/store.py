"""Event-store wiring: one eventsourcing application per service and site.

SQLite: one file per application under the data directory (the SQLite module always names its
table `stored_events`, so two applications in one file would share a log). PostgreSQL: one
database, tables prefixed by the application's name (`intake_370671_events`).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, ProcessRecorder, Tracking

from contracts.base import DomainEvent
from services.runtime.aggregate import Aggregate, CaseNotFound
from services.runtime.blind_index import Projections, made_with
from services.runtime.loaded import LoadedCases
from services.runtime.mapper import ContractMapper
from services.runtime.personal.vault import vault_for
from services.runtime.projections import (
    Projection,
    Query,
    RowChange,
    Table,
    Totals,
    changes_for,
    rows_digest,
    totals_of,
)
from services.runtime.recorders import RECEIVED, ROW_CHANGES, TRACES, Projecting
from services.runtime.settings import ServiceSettings
from services.runtime.threads import StoreThreads
from services.runtime.tracing import TRACE_CONTEXT

A = TypeVar("A", bound=Aggregate)


def store_env(settings: ServiceSettings, service: str) -> dict[str, str]:
    """The eventsourcing environment for one application, from our settings."""
    if settings.store == "sqlite":
        folder = settings.data_dir / settings.site
        folder.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "PROCESS_RECORDER_TOPIC": "services.runtime.recorders:SQLiteProjectingRecorder",
            "SQLITE_DBNAME": str(folder / f"{service}.sqlite3"),
            "SQLITE_LOCK_TIMEOUT": "10",
        }
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "PROCESS_RECORDER_TOPIC": "services.runtime.recorders:PostgresProjectingRecorder",
        "POSTGRES_DBNAME": settings.postgres_dbname,
        "POSTGRES_HOST": settings.postgres_host,
        "POSTGRES_PORT": str(settings.postgres_port),
        "POSTGRES_USER": settings.postgres_user,
        "POSTGRES_PASSWORD": settings.postgres_password.get_secret_value(),
    }


class AlreadyProcessed(Exception):
    """The upstream position was recorded before: the message's effect is already stored."""


class CaseStore(Application[UUID]):
    """An application whose events are contract events and whose recorder also keeps tracking
    records, so that effects and the upstream position commit in one transaction."""

    def __init__(self, service: str, settings: ServiceSettings,
                 projections: Projections = ()) -> None:
        self.name = f"{service}_{settings.site}"
        self._work = threading.local()
        self.threads = StoreThreads()
        self.closed = False
        self.event_max_bytes = settings.event_max_bytes
        self.loaded = LoadedCases(settings.loaded_cases_max_events)
        self.vault = vault_for(settings)
        self.projections = made_with(projections, self.vault.blind)
        super().__init__(env=store_env(settings, service))
        tables = {t: t.fingerprint(p.depends_on for p in self.projections if p.table is t)
                  for t in dict.fromkeys(p.table for p in self.projections)}
        created = self.read_side.create_read_tables(tables, self.name.lower())
        self.fill_read_tables(created)
        self.read_side.mark_filled({t: tables[t] for t in created})

    def construct_mapper(self) -> ContractMapper:
        return ContractMapper(self.event_max_bytes, self.vault)

    def construct_recorder(self) -> ProcessRecorder:
        return self.factory.process_recorder()

    @property
    def read_side(self) -> Projecting:
        recorder = self.recorder
        assert isinstance(recorder, Projecting)
        return recorder

    @property
    def process_recorder(self) -> ProcessRecorder:
        recorder = self.recorder
        assert isinstance(recorder, ProcessRecorder)
        return recorder

    def load(self, cls: type[A], case_id: UUID) -> A | None:
        work: dict[UUID, Any] | None = getattr(self._work, "aggregates", None)
        if work is not None and isinstance(work.get(case_id), cls):
            return work[case_id]  # changed earlier in this unit of work, not yet recorded
        aggregate = self._fold(cls, case_id)
        if work is not None and aggregate is not None:
            work[case_id] = aggregate
        return aggregate

    def _fold(self, cls: type[A], case_id: UUID) -> A | None:
        """The case as kept in memory with the events stored after it (one indexed read, which
        also brings up to date a case another process changed), or folded from its first."""
        aggregate = self.loaded.get(cls, case_id)
        if self.vault.tombstone(case_id) is not None:
            aggregate = None  # kept with its personal fields open, which are destroyed now
            self.vault.forget(case_id)  # nor may a key this process read a moment ago open them
        events: list[DomainEvent] = list(self.events.get(  # type: ignore[arg-type]
            case_id, gt=aggregate.version if aggregate else None))
        if events:
            aggregate = aggregate or cls(case_id)
            aggregate.catch_up(events)
            self.loaded.keep(aggregate)
        return aggregate

    @contextmanager
    def unit_of_work(self) -> Iterator[dict[UUID, Any]]:
        """Within it (this thread only), a case loaded or returned once is the same object
        the next time, with its pending events: several messages, one commit."""
        self._work.aggregates = {}
        try:
            yield self._work.aggregates
        finally:
            self._work.aggregates = None

    def load_from_last_event(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """An aggregate whose state is its last event (a sequence of numbers): one indexed
        read, however many events it has."""
        last: list[DomainEvent] = list(
            self.events.get(aggregate_id, desc=True, limit=1))  # type: ignore[arg-type]
        return cls.replay(aggregate_id, last) if last else None

    def get(self, cls: type[A], case_id: UUID) -> A:
        """The case, or CaseNotFound (a 404 over HTTP)."""
        case = self.load(cls, case_id)
        if case is None:
            raise CaseNotFound(case_id)
        return case

    def record(self, *aggregates: Any, tracking: Tracking | None = None,
               received: Sequence[tuple[str, str]] = ()) -> None:
        """Store the aggregates' pending events, and the tracking record if given, atomically;
        `received`: (consumer, event id) of the messages these are the effects of."""
        processing = ProcessingEvent[UUID](tracking=tracking)
        processing.collect_events(*aggregates, **{
            ROW_CHANGES: changes_for(self.projections, (a for a in aggregates if a.has_pending)),
            RECEIVED: received})
        processing.collect_events(**{TRACES: [  # the trace context each event was made in
            (str(e.event_id), e.__dict__[TRACE_CONTEXT]) for e in processing.events
            if TRACE_CONTEXT in e.__dict__]})
        if tracking is not None and self.is_tracked(tracking):
            raise AlreadyProcessed(f"{tracking.application_name}#{tracking.notification_id}")
        try:
            self._record(processing)
        except IntegrityError:
            if tracking is not None and self.is_tracked(tracking):
                raise AlreadyProcessed(tracking.application_name) from None
            raise

    def has_received(self, consumer: str, event_id: UUID) -> bool:
        """Whether `consumer` stored the effects of this event before: a message sent again
        under a new message id (a replay) is then dropped, however long ago the first was."""
        return self.read_side.has_received(consumer, str(event_id))

    def is_tracked(self, tracking: Tracking) -> bool:
        return self.process_recorder.has_tracking_id(
            tracking.application_name, tracking.notification_id
        )

    def read(self, query: Query) -> list[dict[str, Any]]:
        """Rows of a read table: what lists, lookups and jobs read instead of the log."""
        side = self.read_side
        sql, params = query.sql(side.dialect, side.prefix)
        with side.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
            cursor.execute(sql, params)
            return [dict(row) for row in cursor.fetchall()]

    def rows_digests(self, table: Table) -> tuple[str, str]:
        """The digest of a read table as kept, and as rebuilt from the events: equal unless
        the read side drifted. Reads the whole log: for tests and repairs, never a request."""
        kept = self.read(Query(table))
        rebuilt = [{"id": c.id, **(c.values or {})} for c in self.rebuilt_rows(table)]
        kept_totals = [r for t in table.totals for r in self.totals(table, t)]
        rebuilt_totals = [r for t in table.totals for r in totals_of(t, rebuilt)]
        return (rows_digest([*kept, *kept_totals]), rows_digest([*rebuilt, *rebuilt_totals]))

    def totals(self, table: Table, totals: Totals) -> list[dict[str, Any]]:
        """A table's running totals by group (groups with no rows left out): a count over all
        of history that reads as many rows as there are groups."""
        side = self.read_side
        with side.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
            cursor.execute(f"SELECT * FROM {table.totals_table(totals, side.prefix)} "
                           "WHERE rows <> 0")
            return [dict(row) for row in cursor.fetchall()]

    def fill_read_tables(self, tables: Sequence[Table], batch: int = 500) -> None:
        """Fill new read tables from the log: once, when a service first runs with them on a
        store that already holds cases (an upgrade); an empty store costs one read."""
        side = self.read_side
        for table in tables:
            rows = self.rebuilt_rows(table)
            while chunk := list(itertools.islice(rows, batch)):
                with side.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
                    side.write_rows(cursor, chunk)

    def rebuilt_rows(self, table: Table) -> Iterator[RowChange]:
        """The table's rows as the events make them, from every aggregate of the types that
        keep one. Reads the whole log."""
        projections = [p for p in self.projections if p.table is table]
        born: dict[UUID, Projection] = {}
        for event in self.scan():
            for projection in projections:
                if isinstance(event, projection.born_of):
                    born.setdefault(event.case_id, projection)
        for aggregate_id, projection in born.items():
            row = projection.row(self.get(projection.of, aggregate_id))
            if row is not None:
                yield RowChange(table, str(aggregate_id), {c: row.get(c) for c in table.columns})

    def scan(self, batch: int = 500) -> Iterator[DomainEvent]:
        """Every stored event in recorded order: for rebuilding read tables, never a request."""
        start = 1
        while notifications := self.recorder.select_notifications(start, batch):
            for n in notifications:
                yield self.mapper.to_domain_event(n)
            start = notifications[-1].id + 1

    def close(self) -> None:
        self.closed = True
        self.threads.finish()  # no thread may still be reading when the connection goes
        super().close()
        self.vault.close()

    def traces(self, event_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        """The trace context stored with each of these events (those stored with none left
        out): what the relay sends on in the events' headers."""
        return self.read_side.traces(event_ids) if event_ids else {}

    def forget_traces(self, event_ids: Sequence[str]) -> None:
        """Once the events are published, their trace context is no longer needed here."""
        if event_ids:
            self.read_side.forget_traces(event_ids)

    def position(self, upstream: str) -> int:
        return self.process_recorder.max_tracking_id(upstream) or 0


