"""`tongban ledger verify` and `tongban ledger rebuild`: an auditor's checks of one site's
ledger, run beside it with the same settings (TB_LEDGER_*)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from contracts.subjects import admitted_stream, own_stream
from services.directory import load_directory
from services.ledger.main import build
from services.ledger.projections import Projector
from services.ledger.read_side import PROJECTIONS, TABLES, digest, row_digests, rows_of
from services.ledger.verify import Report, verify_ledger
from services.runtime.host import clock_for
from services.runtime.keys import KeyRing, Verifier
from services.runtime.projections import RowChange, Table
from services.runtime.settings import ServiceSettings
from services.runtime.store import CaseStore


@dataclass
class Timed:
    seconds: float
    events: int

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def verify(settings: ServiceSettings) -> tuple[Report, Timed]:
    store = CaseStore("ledger", settings)
    try:
        verifier = Verifier(KeyRing.of(load_directory(settings.catalogue_dir)))
        started = time.perf_counter()
        report = verify_ledger(store, verifier)
        return report, Timed(time.perf_counter() - started, report.events)
    finally:
        store.close()


@dataclass
class Rebuilt:
    incremental: dict[str, str]
    replayed: dict[str, str]
    timed: Timed

    @property
    def equal(self) -> bool:
        return self.incremental == self.replayed


def rebuild(settings: ServiceSettings) -> Rebuilt:
    """Digest the kept read tables, build their rows again from nothing, compare the digests,
    and keep the rebuilt rows if they differ."""
    store = CaseStore("ledger", settings, PROJECTIONS)
    try:
        kept = row_digests(store)
        fresh = Projector()
        started = time.perf_counter()
        fresh.catch_up(store)
        seconds = time.perf_counter() - started
        result = Rebuilt(kept, rebuilt_digests(fresh), Timed(seconds, fresh.observed))
        if not result.equal:
            replace_rows(store, fresh)
        return result
    finally:
        store.close()


def rebuilt_rows(fresh: Projector) -> dict[Table, list[dict[str, Any]]]:
    rows: dict[Table, list[dict[str, Any]]] = {t: [] for t in TABLES}
    for file in fresh.files.values():
        for table, row in rows_of(file):
            rows[table].append(row)
    return rows


def rebuilt_digests(fresh: Projector) -> dict[str, str]:
    return {t.name: digest(rows) for t, rows in rebuilt_rows(fresh).items()}


def replace_rows(store: CaseStore, fresh: Projector) -> None:
    """Every read table emptied and written again from the rebuild, in one transaction."""
    side = store.read_side
    with side.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
        for table, rows in rebuilt_rows(fresh).items():
            cursor.execute(f"DELETE FROM {table.qualified(side.prefix)}")
            for totals in table.totals:  # moved again as the rows are written
                cursor.execute(f"DELETE FROM {table.totals_table(totals, side.prefix)}")
            side.write_rows(cursor, [RowChange(table, row["id"], row) for row in rows])


async def refill_from_streams(settings: ServiceSettings, timeout: float = 600.0) -> int:
    """For a ledger whose store was lost: consume the site's streams from their start into the
    (empty) store, then stop. Returns how many messages the streams held."""
    host = build(settings, clock_for(settings), archiving=False)
    await host.start()
    try:
        streams = (own_stream(settings.site), admitted_stream(settings.site))
        last = {s: (await host.js.stream_info(s)).state.last_seq for s in streams}
        deadline = time.monotonic() + timeout
        while any(host.store.position(s) < n for s, n in last.items()):
            if time.monotonic() > deadline:
                raise TimeoutError("the streams were not consumed in time")
            await asyncio.sleep(0.1)
        return sum(last.values())
    finally:
        await host.stop()
