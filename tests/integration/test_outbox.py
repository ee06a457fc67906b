"""The outbox on a real nats-server: nothing lost between saved and published, nothing doubled."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import nats
import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from contracts.base import Actor
from contracts.identity import Person
from contracts.subjects import inbox_stream, own_stream
from services.directory import load_directory
from services.intake.application import Intake, OpenCase
from services.intake.domain.inputs import HandedOver
from services.runtime.host import ServiceHost
from services.runtime.keys import sealer_for
from services.runtime.nats_server import LocalNatsServer, free_port
from services.runtime.relay import OutboxRelay
from services.runtime.settings import ServiceSettings, for_service
from services.runtime.store import CaseStore
from services.runtime.streams import ensure_site_streams
from services.runtime.workdays import WorkCalendar
from tests.support.clock import FakeClock, FileClock
from tests.support.sealing import RING, SIGNED_AT, verifier
from tests.support.stack import Stack, eventually, settings_factory

YANTAI, QINGDAO = "370671", "370202"
SEALER = sealer_for(YANTAI, RING, SIGNED_AT)
CLERK = Actor(staff_id="370671-W01", role="window")
INTAKE_EVENTS = f"tb.{YANTAI}.intake.>"
EVENTS_PER_CASE = 4  # opened, materials submitted, identity verified, accepted


def take_in_cases(settings: ServiceSettings, count: int) -> int:
    """Take in and accept cases through the intake application with no relay running: saved,
    not published. Returns the number of events stored to publish."""
    host = ServiceHost("intake", settings, FakeClock())
    intake = Intake(host, load_directory(), WorkCalendar())
    wang = Person(name="王强", id_number="370602198803141233", phone="13805351234")
    request = OpenCase(matter_code="370202GT0001", applicant=wang)
    everything = [HandedOver(material_code=m.code) for m in intake.matter("370202GT0001").materials]
    for _ in range(count):
        case = intake.open_case(request, CLERK, uuid4())
        intake.change(case.id, CLERK, uuid4(), lambda c, m, x: c.submit(everything, m, x))
        intake.change(case.id, CLERK, uuid4(),
                      lambda c, m, x: c.verify_identity("applicant", "id_card_reader", x))
        intake.accept(case.id, CLERK, uuid4())
    host.store.close()
    return EVENTS_PER_CASE * count


def serve_intake(nats_url: str, store: dict[str, Any]) -> subprocess.Popen[bytes]:
    """The intake service as its own process, on the same store and day as the test."""
    clock = FileClock(Path(store["data_dir"]).parent / "now")
    env = {**os.environ, **{f"TB_INTAKE_{k.upper()}": str(v) for k, v in store.items()},
           "TB_INTAKE_CLOCK_FILE": str(clock.path)}
    return subprocess.Popen(
        [sys.executable, "-m", "tongban", "serve", "intake", "--site", YANTAI,
         "--port", str(free_port()), "--nats-url", nats_url, "--data-dir", str(store["data_dir"])],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )


async def stream_count(js: JetStreamContext, stream: str, subjects: str = ">") -> int:
    try:
        info = await js.stream_info(stream, subjects_filter=subjects)
    except NotFoundError:
        return 0
    return sum((info.state.subjects or {}).values())


async def stream_event_ids(js: JetStreamContext, stream: str, prefix: str = "tb.") -> list[str]:
    info = await js.stream_info(stream)
    ids = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await js.get_msg(stream, seq)
        if msg.subject and msg.subject.startswith(prefix):
            ids.append(json.loads(msg.data or b"{}")["event_id"])
    return ids


async def test_events_saved_before_a_sigkill_are_published_after_restart_exactly_once(
    nats_server: LocalNatsServer, store_overrides: dict[str, Any],
) -> None:
    settings = for_service("intake", site=YANTAI, **store_overrides)
    # 600 cases, 2,400 events: enough that the relay is still at it when the test, polling
    # on a busy machine, sees the first of them and kills (300 were once all out by then).
    total = await asyncio.to_thread(take_in_cases, settings, 600)
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    routing = Stack(settings_factory(nats_server, store_overrides))
    await ensure_site_streams(js, QINGDAO)
    await routing.start([YANTAI], ["routing"])

    first = serve_intake(nats_server.url, store_overrides)
    try:
        published_before_kill = await eventually(
            lambda: stream_count(js, own_stream(YANTAI), INTAKE_EVENTS), timeout=30)
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        first.kill()
    at_kill = await stream_count(js, own_stream(YANTAI), INTAKE_EVENTS)
    assert 0 < published_before_kill and at_kill < total, "the kill must interrupt the relay"

    second = serve_intake(nats_server.url, store_overrides)
    try:
        async def all_published() -> bool:
            return await stream_count(js, own_stream(YANTAI), INTAKE_EVENTS) >= total
        await eventually(all_published, timeout=60)
        await asyncio.sleep(0.5)  # room for any stray re-send to show up
        ids = await stream_event_ids(js, own_stream(YANTAI), f"tb.{YANTAI}.intake.")
        assert len(ids) == total and len(set(ids)) == total

        async def all_routed() -> bool:
            return await stream_count(js, inbox_stream(QINGDAO)) >= total // EVENTS_PER_CASE
        await eventually(all_routed, timeout=60)
        await asyncio.sleep(0.5)
        carried = await stream_event_ids(js, inbox_stream(QINGDAO))
        assert len(carried) == len(set(carried)) == total // EVENTS_PER_CASE
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=15)
        await routing.stop()
        await nc.close()


async def drain(relay: OutboxRelay) -> None:
    while await relay.publish_pending():
        pass


@pytest.fixture
async def saved_cases(nats_server: LocalNatsServer, store_overrides: dict[str, Any]
                      ) -> AsyncIterator[tuple[CaseStore, JetStreamContext, int]]:
    """50 cases opened and accepted, their events saved and not yet published."""
    settings = for_service("intake", site=YANTAI, **store_overrides)
    total = await asyncio.to_thread(take_in_cases, settings, 50)
    store = CaseStore("intake", settings)
    nc = await nats.connect(nats_server.url)
    await ensure_site_streams(nc.jetstream(), YANTAI)
    yield store, nc.jetstream(), total
    await nc.close()
    store.close()


async def test_two_relays_over_one_store_publish_each_event_once(
    saved_cases: tuple[CaseStore, JetStreamContext, int],
) -> None:
    store, js, total = saved_cases
    relays = [OutboxRelay(store, js, YANTAI, "intake", SEALER, lambda: SIGNED_AT,
                          verifier=verifier()) for _ in range(2)]
    await asyncio.gather(*(drain(r) for r in relays))

    assert sum(r.published for r in relays) == 2 * total, "both relays sent every event"
    assert await stream_count(js, own_stream(YANTAI)) == total
    assert len(set(await stream_event_ids(js, own_stream(YANTAI)))) == total


async def test_a_relay_restarted_later_resumes_from_what_the_stream_holds(
    saved_cases: tuple[CaseStore, JetStreamContext, int],
) -> None:
    store, js, total = saved_cases
    await drain(OutboxRelay(store, js, YANTAI, "intake", SEALER, lambda: SIGNED_AT,
                            verifier=verifier()))

    restarted = OutboxRelay(store, js, YANTAI, "intake", SEALER, lambda: SIGNED_AT,
                            verifier=verifier())
    restarted.position = await restarted.read_position()
    assert restarted.position > 0
    await drain(restarted)
    assert restarted.published == 0
    assert await stream_count(js, own_stream(YANTAI)) == total
