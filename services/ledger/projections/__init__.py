"""The auditor's projections of one ledger, built from its store's notification log in order:
incrementally while the ledger runs, or all over again by `tongban ledger rebuild`, and the
two compared by digest.

Rows are kept in SQLite beside the store (`<data>/<site>/ledger_projections.sqlite3`) with the
position they reflect, written in the same transaction, so a restart goes on where it stood.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from eventsourcing.persistence import Notification

from services.ledger.domain import EventObserved
from services.ledger.projections.base import Projection, Row
from services.ledger.projections.case_views import Custody, Legs, Timeline
from services.ledger.projections.evaluation import PersonalDataReads, Ratings
from services.ledger.projections.work_ledger import WorkLedger
from services.runtime.mapper import decode_event
from services.runtime.store import CaseStore

__all__ = ["Projector", "Row"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS projection_rows (
    projection TEXT NOT NULL, key TEXT NOT NULL, row TEXT NOT NULL,
    PRIMARY KEY (projection, key));
CREATE TABLE IF NOT EXISTS projection_position (id INTEGER PRIMARY KEY CHECK (id = 1),
    position INTEGER NOT NULL);
"""


def all_projections() -> list[Projection]:
    return [Timeline(), WorkLedger(), Custody(), Legs(), Ratings(), PersonalDataReads()]


class Projector:
    def __init__(self, path: Path | None = None) -> None:
        self.projections = {p.name: p for p in all_projections()}
        self.position = 0
        self.path = path
        self.lock = threading.Lock()  # readers copy rows under it while catch_up folds
        self._db: sqlite3.Connection | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False)
            self._db.executescript(SCHEMA)
            self._load()

    def __getitem__(self, name: str) -> Projection:
        return self.projections[name]

    def _load(self) -> None:
        assert self._db is not None
        for name, key, row in self._db.execute("SELECT projection, key, row FROM projection_rows"):
            self.projections[name].rows[key] = json.loads(row)
        found = self._db.execute("SELECT position FROM projection_position").fetchone()
        self.position = found[0] if found else 0

    def catch_up(self, store: CaseStore, batch: int = 1000) -> int:
        """Fold what the store recorded since our position; returns how many records."""
        seen = 0
        while notifications := store.recorder.select_notifications(self.position + 1, batch):
            with self.lock:
                seen += self._fold(notifications)
        return seen

    def _fold(self, notifications: list[Notification]) -> int:
        dirty: dict[str, set[str]] = {}
        for notification in notifications:
            if notification.topic == EventObserved.type_key():
                entry = decode_event(notification.topic, notification.state)
                assert isinstance(entry, EventObserved)
                for projection in self.projections.values():
                    changed = projection.apply(entry.observed, notification.id)
                    dirty.setdefault(projection.name, set()).update(changed)
        for name, keys in dirty.items():
            self.projections[name].finish(keys)
        self.position = notifications[-1].id
        self._save(dirty)
        return len(notifications)

    def _save(self, dirty: dict[str, set[str]]) -> None:
        if self._db is None:
            return
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO projection_rows VALUES (?, ?, ?)",
                ((name, key, json.dumps(self.projections[name].rows[key], ensure_ascii=False))
                 for name, keys in dirty.items() for key in keys))
            self._db.execute("INSERT OR REPLACE INTO projection_position VALUES (1, ?)",
                             (self.position,))

    def replace_with(self, fresh: Projector) -> None:
        """Drop every row and write the fresh build's instead (after a rebuild)."""
        assert self._db is not None
        with self._db:
            self._db.execute("DELETE FROM projection_rows")
        self.projections, self.position = fresh.projections, fresh.position
        self._save({name: set(p.rows) for name, p in self.projections.items()})

    def digests(self) -> dict[str, str]:
        return {name: p.digest() for name, p in self.projections.items()}

    def rows(self, name: str) -> Iterator[tuple[str, Row]]:
        yield from self.projections[name].rows.items()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
