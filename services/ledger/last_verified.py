"""The result of the ledger's last full verification (`tongban ledger verify`), kept in one row
beside its tables, so that a page can show it at a cost that does not grow with history: the
verification itself replays every event and runs where an auditor starts it, never per request."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from services.ledger.verify import Report
from services.runtime.store import CaseStore


def _table(store: CaseStore) -> str:
    return f"{store.name.lower()}_last_verified"


def _create(cursor: Any, table: str) -> None:
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {table} "
                   "(id INTEGER NOT NULL PRIMARY KEY, body TEXT NOT NULL)")


def record_verification(store: CaseStore, report: Report, position: int, at: datetime) -> None:
    """Keep this verification's result in place of the last one's. `position`: the ledger's
    last recorded event when it began."""
    side = store.read_side
    mark, table = side.dialect.mark, _table(store)
    broken = report.broken
    body = json.dumps({"at": at.isoformat(), "intact": report.intact, "events": report.events,
                       "chains": len(report.heads), "position": position,
                       "broken": None if broken is None else {
                           "case_number": broken.case_number, "event_type": broken.event_type,
                           "position": broken.position, "reason": broken.reason}})
    with side.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
        _create(cursor, table)
        cursor.execute(f"DELETE FROM {table} WHERE id = 1")
        cursor.execute(f"INSERT INTO {table} (id, body) VALUES (1, {mark})", [body])


def last_verification(store: CaseStore) -> dict[str, Any]:
    """The last verification (None if never run) and how far the ledger has recorded since."""
    side, table = store.read_side, _table(store)
    with side.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
        _create(cursor, table)
        cursor.execute(f"SELECT body FROM {table} WHERE id = 1")
        row = cursor.fetchone()
    position = store.recorder.max_notification_id() or 0
    last = json.loads(row["body"]) if row is not None else None
    return {"position": position, "last": last,
            "since": position - last["position"] if last else None}
