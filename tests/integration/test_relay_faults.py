"""The outbox relay when things go wrong, on a real nats-server: a publish that fails, a stream
that holds messages the relay did not seal, a signing key that runs out while it runs, an event
the server can never take."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import anyio.to_thread
import nats
import nats.errors
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import PubAck
from structlog.testing import capture_logs

from contracts.identity import Person
from contracts.intake import CorrectionNoticeIssued
from contracts.seal import GENESIS, Seal
from contracts.subjects import own_stream
from services.directory import load_directory
from services.intake.application import Intake, OpenCase
from services.intake.domain.inputs import HandedOver, NamedDefect
from services.runtime.dead_letters import DeadLetters
from services.runtime.host import ServiceHost
from services.runtime.keys import NoSigningKey, SealBroken, dev_seed
from services.runtime.nats_server import LocalNatsServer
from services.runtime.relay import NOTIFICATION_ID_HEADER, OutboxRelay
from services.runtime.settings import ServiceSettings, for_service
from services.runtime.store import CaseStore
from services.runtime.streams import ensure_site_streams
from services.runtime.threads import StoreClosed
from services.runtime.workdays import WorkCalendar
from tests.integration.test_outbox import CLERK, SEALER, drain, stream_count, take_in_cases
from tests.support.clock import FakeClock
from tests.support.sealing import SIGNED_AT, verifier
from tests.support.stack import eventually

YANTAI = "370671"
INTAKE_EVENTS = f"tb.{YANTAI}.intake.>"
# Yantai's key 370671-2025 runs out at midnight, China's time, when 370671-2026 takes over.
NEW_YEARS_EVE = datetime(2025, 12, 31, 15, 58, tzinfo=UTC)
SECOND_OF_JANUARY = datetime(2026, 1, 2, 1, 30, tzinfo=UTC)


@pytest.fixture
async def nc(nats_server: LocalNatsServer) -> AsyncIterator[Client]:
    client = await nats.connect(nats_server.url)
    await ensure_site_streams(client.jetstream(), YANTAI)
    yield client
    await client.close()


@pytest.fixture
def intake_settings(store_overrides: dict[str, Any]) -> ServiceSettings:
    return for_service("intake", site=YANTAI, **store_overrides)


class JetStreamFailingOnce(JetStreamContext):
    """JetStream whose n-th publish fails once: refused before the server keeps it, or kept
    by the server with its PubAck lost on the way back."""

    def __init__(self, nc: Client, fail_at: int, kept: bool) -> None:
        super().__init__(nc)
        self.fail_at, self.kept, self.publishes = fail_at, kept, 0

    async def publish(self, *args: Any, **kwargs: Any) -> PubAck:
        self.publishes += 1
        if self.publishes == self.fail_at and not self.kept:
            raise nats.errors.TimeoutError
        ack = await super().publish(*args, **kwargs)
        if self.publishes == self.fail_at:
            raise nats.errors.TimeoutError
        return ack


async def sealed_messages(js: JetStreamContext) -> list[tuple[dict[str, Any], Seal, bytes]]:
    info = await js.stream_info(own_stream(YANTAI))
    messages = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await js.get_msg(own_stream(YANTAI), seq)
        seal = Seal.from_headers(msg.headers)
        assert seal is not None and msg.data is not None
        messages.append((json.loads(msg.data), seal, msg.data))
    return messages


async def broken_links(js: JetStreamContext) -> list[str]:
    """Each event must follow the one before it of its case, under a seal that verifies."""
    heads: dict[str, str] = {}
    check, broken = verifier(), []
    for event, seal, data in await sealed_messages(js):
        case = event["case_id"]
        try:
            check.check_raw(seal, data, YANTAI, UUID(case))
        except SealBroken as error:
            broken.append(f"event {event['event_id']} of case {case}: {error}")
        if seal.prev != heads.get(case, GENESIS):
            broken.append(f"event {event['event_id']} of case {case} does not follow the case's previous event")
        heads[case] = seal.event_hash
    return broken


@pytest.mark.parametrize("kept", [False, True], ids=["refused", "pub_ack_lost"])
async def test_a_failed_publish_leaves_every_case_chain_linked_after_the_retry(
    nc: Client, intake_settings: ServiceSettings, kept: bool,
) -> None:
    total = await asyncio.to_thread(take_in_cases, intake_settings, 5)
    store = CaseStore("intake", intake_settings)
    js = JetStreamFailingOnce(nc, fail_at=3, kept=kept)  # the first case's third event
    relay = OutboxRelay(store, js, YANTAI, "intake", SEALER, lambda: SIGNED_AT,
                        verifier=verifier())
    task = asyncio.create_task(relay.run())
    try:
        async def all_published() -> bool:
            return await stream_count(js, own_stream(YANTAI), INTAKE_EVENTS) >= total
        await eventually(all_published)
        await asyncio.sleep(0.3)  # room for a stray re-send to show up
    finally:
        relay.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        store.close()
    assert await stream_count(js, own_stream(YANTAI), INTAKE_EVENTS) == total
    assert await broken_links(js) == []


async def test_a_relay_resumes_only_from_a_message_it_sealed_and_refuses_the_rest_loudly(
    nc: Client, intake_settings: ServiceSettings,
) -> None:
    js = nc.jetstream()
    await asyncio.to_thread(take_in_cases, intake_settings, 3)
    store = CaseStore("intake", intake_settings)
    first = OutboxRelay(store, js, YANTAI, "intake", SEALER, lambda: SIGNED_AT,
                        verifier=verifier())
    await drain(first)
    last = await js.get_last_msg(own_stream(YANTAI), INTAKE_EVENTS)
    assert last.subject is not None and last.data is not None
    copied = {k: v for k, v in (last.headers or {}).items() if k != "Nats-Msg-Id"}
    # anyone who may publish on the subject: a genuine message, its position made far ahead,
    await js.publish(last.subject, last.data, headers={**copied, NOTIFICATION_ID_HEADER: "999999"})
    # and a message that is no position at all
    await js.publish(f"tb.{YANTAI}.intake.case_accepted.v1", b"{}",
                     headers={NOTIFICATION_ID_HEADER: "第二百号"})
    more = await asyncio.to_thread(take_in_cases, intake_settings, 1)

    restarted = OutboxRelay(store, js, YANTAI, "intake", SEALER, lambda: SIGNED_AT,
                            verifier=verifier())
    try:
        with capture_logs() as logs:
            restarted.position = await restarted.read_position()
        assert restarted.position == int(copied[NOTIFICATION_ID_HEADER])  # its own last
        await drain(restarted)
    finally:
        store.close()
    assert restarted.published == more
    refusals = [e for e in logs if e["event"] == "relay_position_refused"]
    assert [e["log_level"] for e in refusals] == ["error", "error"]
    assert "not a position" in refusals[0]["reason"]
    assert "not the message's event" in refusals[1]["reason"]


async def test_a_running_service_seals_with_the_next_key_once_its_key_runs_out(
    nc: Client, intake_settings: ServiceSettings,
) -> None:
    clock = FakeClock(NEW_YEARS_EVE)
    js = nc.jetstream()
    before = await asyncio.to_thread(take_in_cases, intake_settings, 1)
    host = ServiceHost("intake", intake_settings, clock)
    relay = OutboxRelay(host.store, js, YANTAI, "intake", host.sealer, clock,
                        verifier=host.verifier)
    try:
        await drain(relay)
        clock.now = SECOND_OF_JANUARY
        after = await asyncio.to_thread(take_in_cases, intake_settings, 1)
        await drain(relay)
    finally:
        host.store.close()
    keys = [seal.key_id for _, seal, _ in await sealed_messages(js)]
    assert keys == ["370671-2025"] * before + ["370671-2026"] * after
    assert await broken_links(js) == []


async def test_a_service_holding_only_a_key_that_ran_out_seals_nothing_and_says_so(
    nc: Client, store_overrides: dict[str, Any],
) -> None:
    settings = for_service("intake", site=YANTAI, signing_key_id="370671-2025",
                           signing_key_seed=base64.b64encode(dev_seed("370671-2025")).decode(),
                           **store_overrides)
    await asyncio.to_thread(take_in_cases, settings, 1)
    host = ServiceHost("intake", settings, FakeClock(SECOND_OF_JANUARY))
    relay = OutboxRelay(host.store, nc.jetstream(), YANTAI, "intake", host.sealer, host.clock,
                        verifier=host.verifier)
    try:
        with pytest.raises(NoSigningKey, match="no signing key of site 370671 valid at 2026-01-02"):
            await relay.publish_pending()
    finally:
        host.store.close()
    assert await stream_count(nc.jetstream(), own_stream(YANTAI), INTAKE_EVENTS) == 0


async def test_a_store_closes_only_after_the_read_of_a_cancelled_task_has_returned(
        intake_settings: ServiceSettings) -> None:
    """A service stopping cancels its relay mid-read; the read's thread runs on. Closing the
    store under it crashed the whole process (SQLite), so the store waits for it."""
    store = CaseStore("intake", intake_settings)
    reading, go_on = threading.Event(), threading.Event()
    read: list[int] = []

    def read_the_log_slowly() -> None:
        reading.set()
        go_on.wait(10)
        read.append(len(list(store.recorder.select_notifications(1, 200))))

    relay_read = asyncio.create_task(store.threads.run(read_the_log_slowly))
    assert await asyncio.to_thread(reading.wait, 10)
    relay_read.cancel()
    closing = asyncio.create_task(asyncio.to_thread(store.close))
    await asyncio.sleep(0.3)
    assert not closing.done(), "the store closed while a thread was reading it"
    go_on.set()
    await asyncio.wait_for(closing, 10)
    assert read == [0]
    with pytest.raises(StoreClosed):  # nothing runs on a closed store
        await store.threads.run(lambda: None)


@pytest.mark.timeout(30)
async def test_a_store_closed_on_the_loop_does_not_wait_for_a_call_still_waiting_for_a_thread(
        intake_settings: ServiceSettings) -> None:
    """Every worker thread busy, a relay's read waits in the loop for one; closing the store
    from that loop waited for the read, which the blocked loop could never hand over: a hang
    (seen once in a run of the integration tests)."""
    store = CaseStore("intake", intake_settings)
    limiter = anyio.to_thread.current_default_thread_limiter()
    tokens, limiter.total_tokens = limiter.total_tokens, 1
    busy, go_on = threading.Event(), threading.Event()

    def the_only_thread() -> None:
        busy.set()
        go_on.wait(10)

    try:
        holding = asyncio.create_task(store.threads.run(the_only_thread))
        assert await asyncio.to_thread(busy.wait, 10)  # another thread: the limiter is the loop's
        waiting = asyncio.create_task(store.threads.run(lambda: None))
        await asyncio.sleep(0.1)  # the read now waits for a thread
        # Not threading.Timer: under libfaketime a timed wait that nobody ends never ends.
        threading.Thread(target=lambda: (time.sleep(0.3), go_on.set())).start()
        store.close()  # on the loop: returns once the running call has
        await holding
        with pytest.raises(StoreClosed):
            await waiting  # never began on the closed store
    finally:
        go_on.set()
        limiter.total_tokens = tokens


@pytest.fixture
def small_payload_server(tmp_path: Path) -> Iterator[LocalNatsServer]:
    """A server that takes messages of at most 16 KiB (the default is 1 MB)."""
    with LocalNatsServer(tmp_path / "nats-16k", max_payload=16 * 1024) as server:
        yield server


LEASE_PROBLEM = ("出租人签章与不动产权证书上的产权人姓名不一致，未附产权人同意转租的书面证明，"
                 "请补齐后一并提交。")
EVERY_PAGE_OF_THE_LEASE = [  # a notice of about 36 KB stored
    NamedDefect(material_code="M04", problem="defective",
                detail=(f"租赁合同第{page}页：" + LEASE_PROBLEM * 4)[:200]) for page in range(1, 51)]


def at_the_window(settings: ServiceSettings, work: Any) -> Any:
    host = ServiceHost("intake", settings, FakeClock())
    try:
        return work(Intake(host, load_directory(), WorkCalendar()))
    finally:
        host.store.close()


def open_and_notify(intake: Intake) -> UUID:
    """赵海's case: opened, a one-time notice naming every page of his lease, the supplement."""
    zhao = Person(name="赵海", id_number="370602198803141233", phone="0535-6921234")
    case = intake.open_case(OpenCase(matter_code="370202GT0001", applicant=zhao), CLERK, uuid4())
    intake.change(case.id, CLERK, uuid4(), lambda c, m, x: c.issue_notice(
        EVERY_PAGE_OF_THE_LEASE, None, m, x))
    intake.change(case.id, CLERK, uuid4(), lambda c, m, x: c.supplement(
        [HandedOver(material_code="M04", pages=50)], m, x))
    return case.id


def notify_again_and_check_identity(intake: Intake, case_id: UUID) -> None:
    """The new lease has the same fault on every page: a second notice, then the identity check."""
    intake.change(case_id, CLERK, uuid4(), lambda c, m, x: c.issue_notice(
        EVERY_PAGE_OF_THE_LEASE, None, m, x))
    intake.change(case_id, CLERK, uuid4(),
                  lambda c, m, x: c.verify_identity("applicant", "id_card_reader", x))


async def test_an_event_the_server_can_never_take_is_dead_lettered_and_the_rest_published(
    small_payload_server: LocalNatsServer, intake_settings: ServiceSettings,
) -> None:
    nc = await nats.connect(small_payload_server.url)
    js = nc.jetstream()
    await ensure_site_streams(js, YANTAI)
    total = await asyncio.to_thread(take_in_cases, intake_settings, 2)
    zhao = await asyncio.to_thread(at_the_window, intake_settings, open_and_notify)
    total += 3 + await asyncio.to_thread(take_in_cases, intake_settings, 2)
    store = CaseStore("intake", intake_settings)
    try:
        relay = OutboxRelay(store, js, YANTAI, "intake", SEALER, lambda: SIGNED_AT,
                            verifier=verifier())
        with capture_logs() as logs:
            await asyncio.wait_for(drain(relay), 30)
            await asyncio.to_thread(at_the_window, intake_settings,
                                    lambda intake: notify_again_and_check_identity(intake, zhao))
            total += 2
            restarted = OutboxRelay(store, js, YANTAI, "intake", SEALER, lambda: SIGNED_AT,
                                    verifier=verifier())  # it links from the store, not memory
            restarted.position = await restarted.read_position()
            await asyncio.wait_for(drain(restarted), 30)
        letters = await DeadLetters(js, YANTAI).read_all()
        published = await sealed_messages(js)
        broken = await broken_links(js)
    finally:
        store.close()
        await nc.close()
    notices = [json.loads(letter.data) for letter in letters]
    assert [(letter.consumer, letter.subject) for letter in letters] == [
        ("intake-relay", f"tb.{YANTAI}.intake.correction_notice_issued.v1")] * 2
    assert all("max_payload of 16384" in letter.reason for letter in letters)
    assert [(n["case_id"], n["type"]) for n in notices] == [
        (str(zhao), CorrectionNoticeIssued.type_key())] * 2
    assert all(n["bytes"] > 16 * 1024 for n in notices)
    assert len(published) == total - 2  # everything else, the events after them included
    assert {n["event_id"] for n in notices}.isdisjoint(e["event_id"] for e, _, _ in published)
    assert [e["case_id"] for e, _, _ in published].count(str(zhao)) == 3
    assert broken == []  # the case's chain goes past what was never published
    assert [(e["log_level"], e["event_id"]) for e in logs if e["event"] == "event_not_publishable"
            ] == [("error", n["event_id"]) for n in notices]
