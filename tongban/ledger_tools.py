"""`tongban ledger verify` and `tongban ledger rebuild`: an auditor's checks of one site's
ledger, run beside it with the same settings (TB_LEDGER_*)."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from contracts.subjects import dead_letter_stream, dead_letters_for
from services.directory import load_directory
from services.ledger.last_verified import record_verification
from services.ledger.main import build, subscriptions
from services.ledger.projections import Projector
from services.ledger.read_side import PROJECTIONS, TABLES, digest, row_digests, rows_of
from services.ledger.verify import Report, verify_ledger
from services.ledger.witness import Missing, Position, StreamMessage, missing_from_ledger
from services.runtime.host import clock_for
from services.runtime.keys import KeyRing, Verifier
from services.runtime.nats_client import connect
from services.runtime.projections import RowChange, Table
from services.runtime.settings import ServiceSettings
from services.runtime.store import CaseStore
from tongban.progress import Bar, no_bar


@dataclass
class Timed:
    seconds: float
    events: int

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def verify(settings: ServiceSettings, keep_held: bool = False, bar: Bar = no_bar
           ) -> tuple[Report, Timed]:
    store = CaseStore("ledger", settings)
    try:
        verifier = Verifier(KeyRing.of(load_directory(settings.catalogue_dir)))
        started, position = time.perf_counter(), store.recorder.max_notification_id() or 0
        with bar("verifying seals and links", position) as advance:
            report = verify_ledger(store, verifier, keep_held=keep_held, progress=advance)
        record_verification(store, report, position, clock_for(settings)())
        return report, Timed(time.perf_counter() - started, report.events)
    finally:
        store.close()


def consumed(settings: ServiceSettings) -> dict[str, int]:
    """How far the ledger has consumed each of its streams."""
    store = CaseStore("ledger", settings)
    try:
        return {stream: store.position(stream) for _, stream, _ in subscriptions(settings.site)}
    finally:
        store.close()


async def witness(settings: ServiceSettings, held: dict[str, Position],
                  consumed: dict[str, int], dropped: set[Position] | None = None
                  ) -> tuple[list[Missing], int]:
    """What the ledger's streams hold up to where it consumed them and it lacks or holds
    elsewhere (see `services.ledger.witness`), and how many messages were read. `dropped`:
    dead letters an operator dropped (`tongban dlq drop`), gone from the dead letters."""
    nc = await connect(settings, "ledger", f"ledger-witness-{settings.site}")
    try:
        js = nc.jetstream()
        dead, messages = set(dropped or ()), []
        for consumer, stream, subject in subscriptions(settings.site):
            for letter in await read_stream(js, dead_letter_stream(settings.site),
                                            dead_letters_for(settings.site, consumer)):
                refused = json.loads(letter.data)
                dead.add((refused["stream"], refused["seq"]))
            messages += [StreamMessage(stream, m.metadata.sequence.stream, m.subject, m.data)
                         for m in await read_stream(js, stream, subject, consumed[stream])]
        return list(missing_from_ledger(held, messages, dead)), len(messages)
    finally:
        await nc.close()


async def read_stream(js: JetStreamContext, stream: str, subject: str,
                      last: int | None = None) -> list[Msg]:
    """A stream's messages on a subject, from its first to `last` (default: its last now)."""
    info = await js.stream_info(stream)
    last = info.state.last_seq if last is None else min(last, info.state.last_seq)
    if info.state.messages == 0 or last < info.state.first_seq:
        return []
    sub = await js.pull_subscribe(subject, stream=stream, config=ConsumerConfig(
        deliver_policy=DeliverPolicy.ALL, inactive_threshold=60.0))  # ephemeral: gone after
    messages: list[Msg] = []
    try:
        pending = (await sub.consumer_info()).num_pending  # pulled only: exact
        while pending:
            for msg in await sub.fetch(min(pending, 500), timeout=10.0):
                if msg.metadata.sequence.stream > last:
                    return messages
                messages.append(msg)
                pending = msg.metadata.num_pending
        return messages
    finally:
        await sub.unsubscribe()


@dataclass
class Rebuilt:
    incremental: dict[str, str]
    replayed: dict[str, str]
    timed: Timed

    @property
    def equal(self) -> bool:
        return self.incremental == self.replayed


def rebuild(settings: ServiceSettings, bar: Bar = no_bar) -> Rebuilt:
    """Digest the kept read tables, build their rows again from nothing, compare the digests,
    and keep the rebuilt rows if they differ."""
    store = CaseStore("ledger", settings, PROJECTIONS)
    try:
        kept = row_digests(store)
        fresh = Projector()
        started = time.perf_counter()
        with bar("replaying the log", store.recorder.max_notification_id() or 0) as advance:
            fresh.catch_up(store, progress=advance)
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


async def refill_from_streams(settings: ServiceSettings, timeout: float = 600.0,
                              bar: Bar = no_bar) -> int:
    """For a ledger whose store was lost: consume the site's streams from their start into the
    (empty) store, then stop. Returns how many messages the streams held."""
    host = build(settings, clock_for(settings), archiving=False)
    await host.start()
    try:
        streams = [stream for _, stream, _ in subscriptions(settings.site)]
        last = {s: (await host.js.stream_info(s)).state.last_seq for s in streams}
        deadline = time.monotonic() + timeout
        with bar("refilling from the streams", sum(last.values())) as advance:
            while any(host.store.position(s) < n for s, n in last.items()):
                if time.monotonic() > deadline:
                    raise TimeoutError("the streams were not consumed in time")
                advance(sum(min(host.store.position(s), n) for s, n in last.items()))
                await asyncio.sleep(0.1)
            advance(sum(last.values()))
        return sum(last.values())
    finally:
        await host.stop()
