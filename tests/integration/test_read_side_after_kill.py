"""The read side survives a SIGKILL mid-batch: the Yantai ledger, served as its own process, is
killed three times while it takes in a burst of cases accepted at the window and routed to
Qingdao, a hundred messages to a transaction; restarted, it catches up, and every table it kept
equals its rebuild from the events, with each event of each case counted once."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
import nats
from nats.js import JetStreamContext

from contracts.subjects import own_stream
from services.ledger.main import build
from services.ledger.read_side import CASE_FILES, TIMELINE, WORK_LEDGER
from services.runtime.dead_letters import DeadLetters
from services.runtime.host import ServiceHost
from services.runtime.nats_server import LocalNatsServer
from services.runtime.projections import Query
from services.runtime.settings import for_service
from services.runtime.streams import ensure_site_streams
from tests.integration.test_outbox import take_in_cases
from tests.support.clock import RunningClock
from tests.support.processes import serve, sigkill
from tests.support.stack import Stack, eventually, read_side_drift, settings_factory
from tests.support.staff import on_duty

YANTAI, QINGDAO = "370671", "370202"
CASES = 200
KILL_AT = (200, 500, 800)  # of the 1,000 messages: kill as soon as the ledger holds this one


@dataclass(frozen=True)
class Kill:
    held: int  # the message the ledger was seen to hold just before the kill
    pushed: int  # the last message the server had pushed to it then
    committed: int  # the last message whose effects were stored when it died
    observed: int  # the messages its case files count as observed then


def ledger_offline(store: dict[str, Any]) -> ServiceHost:
    """The ledger's store as the service builds it, with no process running."""
    return build(for_service("ledger", site=YANTAI, **store), RunningClock())


def stored_at_kill(store: dict[str, Any]) -> tuple[int, int]:
    """The ledger's tracked position in Yantai's stream, and the messages its case files
    count: equal unless a batch was stored in part."""
    host = ledger_offline(store)
    try:
        observed = sum(int(r["observed"]) for r in host.store.read(Query(CASE_FILES)))
        return host.store.position(own_stream(YANTAI)), observed
    finally:
        host.store.close()


async def serve_ledger(js: JetStreamContext, nats_url: str, store: dict[str, Any],
                       clock: RunningClock) -> tuple[subprocess.Popen[bytes], str, str]:
    """The ledger as its own process, with the name of its consumer of Yantai's stream."""
    before = set(await ledger_consumers(js))
    process, url = await asyncio.to_thread(serve, "ledger", YANTAI, nats_url, store, clock)
    [consumer] = set(await ledger_consumers(js)) - before
    return process, url, consumer


async def ledger_consumers(js: JetStreamContext) -> dict[str, int]:
    """Each consumer of Yantai's stream that reads all of it (the ledger's, the exchange's),
    with the last message the server pushed to it."""
    return {c.name: c.delivered.stream_seq if c.delivered else 0
            for c in await js.consumers_info(own_stream(YANTAI))
            if c.config.filter_subject == f"tb.{YANTAI}.>"}


async def events_by_case(js: JetStreamContext) -> dict[str, list[str]]:
    """The event ids of each case in Yantai's stream, in stream order."""
    info = await js.stream_info(own_stream(YANTAI))
    cases: dict[str, list[str]] = {}
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        event = json.loads((await js.get_msg(own_stream(YANTAI), seq)).data or b"{}")
        cases.setdefault(event["case_id"], []).append(event["event_id"])
    return cases


async def test_ledger_killed_mid_batch_keeps_tables_equal_to_their_rebuild_and_each_event_once(
    nats_server: LocalNatsServer, store_overrides: dict[str, Any],
) -> None:
    await asyncio.to_thread(take_in_cases, for_service("intake", site=YANTAI, **store_overrides),
                            CASES)
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    clock = RunningClock()
    window = Stack(settings_factory(nats_server, store_overrides), clock)
    try:
        await ensure_site_streams(js, QINGDAO)  # routed there; no service of Qingdao runs
        await window.start([YANTAI], ["intake", "routing"])  # the burst leaves the window
        await eventually(lambda: stream_count(js, f"tb.{YANTAI}.intake.>", 4 * CASES), 30)
        kills = await kill_while_catching_up(js, nats_server.url, store_overrides, clock)
        letters = await DeadLetters(js, YANTAI).read_all()
        expected = await events_by_case(js)
    finally:
        await window.stop()
        await nc.close()

    assert sum(len(ids) for ids in expected.values()) == 5 * CASES  # 4 at the window, routed
    for kill in kills:  # a batch was in flight, and none of it or all of it was stored
        assert kill.held <= kill.committed == kill.observed < kill.pushed, kills
    assert not [d for d in letters if d.consumer.startswith("ledger")]
    drift, files, timelines, statuses = await asyncio.to_thread(ledger_tables, store_overrides)
    assert drift == []
    assert files == {case: len(ids) for case, ids in expected.items()}
    assert {c: sorted(e["event_id"] for e in t) for c, t in timelines.items()} == {
        c: sorted(ids) for c, ids in expected.items()}
    assert Counter(t[-1]["event"] for t in timelines.values()) == {"case_routed": CASES}
    assert statuses == {"accepted": CASES}  # 受理 at the window; no decision yet


async def kill_while_catching_up(js: JetStreamContext, nats_url: str, store: dict[str, Any],
                                 clock: RunningClock) -> list[Kill]:
    """Serve the ledger, SIGKILL it as soon as it holds each message of KILL_AT (the next
    batch is then being applied), serve it again; return once it holds every message."""
    kills = []
    process, url, consumer = await serve_ledger(js, nats_url, store, clock)
    try:
        for seq in KILL_AT:
            await ledger_holds(js, url, seq)
            pushed = (await ledger_consumers(js))[consumer]
            sigkill(process)
            kills.append(Kill(seq, pushed, *await asyncio.to_thread(stored_at_kill, store)))
            process, url, consumer = await serve_ledger(js, nats_url, store, clock)
        await eventually(lambda: stream_count(js, f"tb.{YANTAI}.routing.>", CASES), 30)
        await ledger_holds(js, url, (await js.stream_info(own_stream(YANTAI))).state.last_seq)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
    return kills


def ledger_tables(store: dict[str, Any]) -> tuple[list[str], dict[str, int],
                                                  dict[str, list[dict[str, Any]]], Counter[str]]:
    """Offline: the tables that differ from their rebuild, each case file's count of observed
    messages, each case's timeline and the 工作台账's statuses."""
    host = ledger_offline(store)
    try:
        rows = {t: host.store.read(Query(t)) for t in (CASE_FILES, TIMELINE, WORK_LEDGER)}
        return (read_side_drift(host), {r["id"]: r["observed"] for r in rows[CASE_FILES]},
                {r["id"]: json.loads(r["body"])["events"] for r in rows[TIMELINE]},
                Counter(r["status"] for r in rows[WORK_LEDGER]))
    finally:
        host.store.close()


async def stream_count(js: JetStreamContext, subjects: str, at_least: int) -> bool:
    info = await js.stream_info(own_stream(YANTAI), subjects_filter=subjects)
    return sum((info.state.subjects or {}).values()) >= at_least


async def ledger_holds(js: JetStreamContext, url: str, seq: int) -> None:
    """Wait until the ledger's timeline shows the event at `seq` of Yantai's stream: its
    effects, and those of every message before it, are stored."""
    event = json.loads((await js.get_msg(own_stream(YANTAI), seq)).data or b"{}")
    async with httpx.AsyncClient(base_url=url, headers=on_duty(YANTAI)) as ledger:
        async def shown() -> bool:
            response = await ledger.get(f"/cases/{event['case_id']}/timeline")
            return response.status_code == 200 and event["event_id"] in {
                e["event_id"] for e in response.json()["timeline"]}
        await eventually(shown, timeout=30)
