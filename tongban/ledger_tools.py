"""`tongban ledger verify` and `tongban ledger rebuild`: an auditor's checks of one site's
ledger, run beside it with the same settings (TB_LEDGER_*)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from contracts.subjects import admitted_stream, own_stream
from services.directory import load_directory
from services.ledger.main import build, projections_path
from services.ledger.projections import Projector
from services.ledger.verify import Report, verify_ledger
from services.runtime.host import clock_for
from services.runtime.keys import KeyRing, Verifier
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
    """Bring the kept projections up to date, build them again from nothing, compare their
    digests, and keep the rebuilt ones."""
    store = CaseStore("ledger", settings)
    kept = Projector(projections_path(settings))
    try:
        kept.catch_up(store)
        fresh = Projector()
        started = time.perf_counter()
        fresh.catch_up(store)
        seconds = time.perf_counter() - started
        observed = sum(len(r["events"]) for r in fresh["timeline"].rows.values())
        result = Rebuilt(kept.digests(), fresh.digests(), Timed(seconds, observed))
        kept.replace_with(fresh)
        return result
    finally:
        kept.close()
        store.close()


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
