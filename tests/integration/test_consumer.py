"""The tracked consumer on a real nats-server: order under retries, dead letters, duplicates."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from uuid import uuid4

import nats.errors
from nats.js import JetStreamContext

from contracts.intake import CaseCompleted, CaseOpened
from contracts.subjects import own_stream, own_subject, own_subjects
from services.ledger.application import Ledger
from services.ledger.domain import CaseFile
from services.runtime.consumer import Delivery, Effect, RetryPolicy, TrackedConsumer
from services.runtime.dead_letters import DeadLetters
from tests.support.clock import THURSDAY_MORNING, FakeClock
from tests.support.events import sample
from tests.support.sealing import HandSealer, verifier
from tests.support.stack import eventually

YANTAI = "370671"


async def run_consumer(js: JetStreamContext, ledger: Ledger,
                       handler: Callable[[Delivery], Effect],
                       subject: str | list[str] = f"tb.{YANTAI}.>", check_links: bool = True,
                       ) -> tuple[TrackedConsumer, asyncio.Task]:
    consumer = TrackedConsumer(
        name="ledger-on-site-event", site=YANTAI, store=ledger.host.store, js=js,
        stream=own_stream(YANTAI), subject=subject, handler=handler,
        dead_letters=DeadLetters(js, YANTAI), lock=asyncio.Lock(),
        retry=RetryPolicy(initial_seconds=0.01, max_seconds=0.05, attempts=4),
        verifier=verifier(), clock=FakeClock(THURSDAY_MORNING), check_links=check_links,
    )
    return consumer, asyncio.create_task(consumer.run())


SEALS = HandSealer()


async def publish(js: JetStreamContext, event) -> None:  # type: ignore[no-untyped-def]
    await js.publish(own_subject(event), event.model_dump_json().encode(),
                     headers={**SEALS.headers(event), "Nats-Msg-Id": str(event.event_id)})


def case_events(case_id):  # type: ignore[no-untyped-def]
    return [sample("intake.case_opened.v1", case_id), sample("intake.case_accepted.v1", case_id),
            sample("intake.case_completed.v1", case_id)]


async def test_a_transient_failure_is_retried_and_later_messages_wait_behind_it(
    js: JetStreamContext, ledger: Ledger,
) -> None:
    calls: list[str] = []

    def flaky(delivery: Delivery) -> Effect:
        calls.append(delivery.event.name)
        if delivery.event.name == "case_opened" and calls.count("case_opened") <= 2:
            raise ConnectionError("store briefly unavailable")
        return ledger.on_event(delivery)

    case_id = uuid4()
    for event in case_events(case_id):
        await publish(js, event)
    consumer, task = await run_consumer(js, ledger, flaky)
    await eventually(lambda: consumer.processed == 3)
    task.cancel()

    assert calls == ["case_opened"] * 3 + ["case_accepted", "case_completed"]
    case = ledger.host.store.load(CaseFile, case_id)
    assert case is not None
    assert [(e.stream_seq, e.observed.name) for e in case.entries] == [
        (1, "case_opened"), (2, "case_accepted"), (3, "case_completed")]
    assert consumer.dead_lettered == 0


async def test_an_outage_longer_than_every_retry_holds_the_message_and_shows_until_it_passes(
    js: JetStreamContext, ledger: Ledger,
) -> None:
    """Routing's forward to a party whose inbox stream does not exist yet answers NoResponders:
    the case must wait for the party, not go to the dead letters after a few seconds."""
    party_started = asyncio.Event()
    refusals = 0

    def forwards_to_a_party(delivery: Delivery) -> Effect:
        nonlocal refusals
        if not party_started.is_set():
            refusals += 1
            raise nats.errors.NoRespondersError
        return ledger.on_event(delivery)

    opened = sample("intake.case_opened.v1", uuid4())
    await publish(js, opened)
    consumer, task = await run_consumer(js, ledger, forwards_to_a_party)
    try:
        await eventually(lambda: refusals > 3 * 4)  # three times the retries a fault gets
        assert consumer.stall is not None and consumer.processed == 0
        assert "NoResponders" in consumer.stall.reason
        assert consumer.stall.since == THURSDAY_MORNING
        party_started.set()
        await eventually(lambda: consumer.processed == 1)
        assert consumer.stall is None
    finally:
        task.cancel()
    assert consumer.dead_lettered == 0
    assert await DeadLetters(js, YANTAI).read_all() == []
    assert ledger.host.store.load(CaseFile, opened.case_id) is not None


async def test_a_consumer_of_some_services_gets_only_their_events_in_order_from_the_server(
    js: JetStreamContext, ledger: Ledger,
) -> None:
    case_id = uuid4()
    story = [sample("intake.case_opened.v1", case_id), sample("routing.case_routed.v1", case_id),
             sample("intake.case_accepted.v1", case_id),
             sample("delivery.result_pushed_online.v1", case_id, acting_site=YANTAI),
             sample("intake.case_completed.v1", case_id)]
    for event in story:
        await publish(js, event)
    seen: list[tuple[int, str]] = []

    def handler(delivery: Delivery) -> Effect:
        seen.append((delivery.seq, delivery.event.name))
        return ledger.on_event(delivery)

    consumer, task = await run_consumer(js, ledger, handler, [f"tb.{YANTAI}.intake.>",
                                                              f"tb.{YANTAI}.delivery.>"])
    await eventually(lambda: consumer.processed == 4)
    await asyncio.sleep(0.2)  # the routing event never comes
    task.cancel()
    assert seen == [(1, "case_opened"), (3, "case_accepted"), (4, "result_pushed_online"),
                    (5, "case_completed")]
    assert ledger.host.store.position(own_stream(YANTAI)) == 5


async def test_unreadable_and_impersonating_messages_are_dead_lettered_and_the_consumer_goes_on(
    js: JetStreamContext, ledger: Ledger,
) -> None:
    await js.publish(f"tb.{YANTAI}.intake.case_opened.v1", b'{"case_id": "not json')
    await js.publish(f"tb.{YANTAI}.intake.case_teleported.v1", b"{}")
    from_qingdao = sample("intake.case_opened.v1", acting_site="370202")
    await js.publish(f"tb.{YANTAI}.intake.case_opened.v1", from_qingdao.model_dump_json().encode())
    good = sample("intake.case_opened.v1", uuid4())
    await publish(js, good)

    consumer, task = await run_consumer(js, ledger, ledger.on_event)
    await eventually(lambda: consumer.processed == 1)
    task.cancel()

    letters = await DeadLetters(js, YANTAI).read_all()
    assert [(d.seq, d.reason.split(":")[0]) for d in letters] == [
        (1, "unreadable"), (2, "unreadable"), (3, "refused")]
    assert "Invalid JSON" in letters[0].reason
    assert "case_teleported" in letters[1].reason
    assert "370202" in letters[2].reason
    assert ledger.host.store.load(CaseFile, good.case_id) is not None
    assert ledger.host.store.position(own_stream(YANTAI)) == 4


async def test_a_message_that_keeps_failing_goes_to_dead_letters_after_its_retries(
    js: JetStreamContext, ledger: Ledger,
) -> None:
    broken, fine = sample("intake.case_opened.v1", uuid4()), sample("intake.case_opened.v1", uuid4())

    def fails_for_broken(delivery: Delivery) -> Effect:
        if delivery.event.case_id == broken.case_id:
            raise RuntimeError("a bug in this handler")
        return ledger.on_event(delivery)

    await publish(js, broken)
    await publish(js, fine)
    consumer, task = await run_consumer(js, ledger, fails_for_broken)
    await eventually(lambda: consumer.processed == 1)
    task.cancel()

    [letter] = await DeadLetters(js, YANTAI).read_all()
    assert (letter.seq, letter.consumer) == (1, "ledger-on-site-event")
    assert letter.reason.startswith("kept failing: RuntimeError at test_consumer.py:")
    assert "a bug in this handler" not in letter.reason  # its message might quote a name
    assert ledger.host.store.load(CaseFile, broken.case_id) is None
    assert ledger.host.store.load(CaseFile, fine.case_id) is not None


async def test_the_same_message_delivered_twice_has_one_effect(
    js: JetStreamContext, ledger: Ledger,
) -> None:
    event = sample("intake.case_opened.v1", uuid4())
    await publish(js, event)
    consumer, task = await run_consumer(js, ledger, ledger.on_event)
    await eventually(lambda: consumer.processed == 1)
    task.cancel()

    redelivery = await js.subscribe(f"tb.{YANTAI}.>", ordered_consumer=True)
    msg = await redelivery.next_msg(timeout=5)
    assert await consumer.process(msg) == "duplicate"
    case = ledger.host.store.load(CaseFile, event.case_id)
    assert case is not None and len(case.entries) == 1


async def test_a_consumer_sent_some_event_types_takes_them_across_the_gaps_in_their_chain(
    js: JetStreamContext, ledger: Ledger,
) -> None:
    case_id = uuid4()
    for event in case_events(case_id):  # opened, accepted, completed: one chain
        await publish(js, event)
    seen: list[tuple[int, str]] = []

    def handler(delivery: Delivery) -> Effect:
        seen.append((delivery.seq, delivery.event.name))
        return ledger.on_event(delivery)

    consumer, task = await run_consumer(
        js, ledger, handler, own_subjects(YANTAI, [CaseOpened, CaseCompleted]), check_links=False)
    await eventually(lambda: consumer.processed == 2)
    await asyncio.sleep(0.2)  # the acceptance never comes
    task.cancel()
    assert seen == [(1, "case_opened"), (3, "case_completed")]
    assert consumer.dead_lettered == 0 and await DeadLetters(js, YANTAI).read_all() == []
    assert ledger.host.store.position(own_stream(YANTAI)) == 3


async def test_a_consumer_sent_whole_chains_refuses_an_event_whose_predecessor_never_came(
    js: JetStreamContext, ledger: Ledger,
) -> None:
    opened, accepted, completed = case_events(uuid4())
    await publish(js, opened)
    SEALS.headers(accepted)  # sealed, so the completion links to it, but never published
    await publish(js, completed)
    consumer, task = await run_consumer(js, ledger, ledger.on_event)
    await eventually(lambda: consumer.dead_lettered == 1)
    task.cancel()
    [letter] = await DeadLetters(js, YANTAI).read_all()
    assert letter.seq == 2 and letter.reason.startswith("seal broken: broken link")
    assert consumer.processed == 1


async def test_messages_that_arrive_together_are_each_decoded_once_when_one_is_refused(
    js: JetStreamContext, ledger: Ledger,
) -> None:
    """One bad message undoes the batch's transaction; the messages then go one by one,
    without being decoded and checked again."""
    good = [sample("intake.case_opened.v1", uuid4()) for _ in range(10)]
    for event in good[:5]:
        await publish(js, event)
    await js.publish(f"tb.{YANTAI}.intake.case_opened.v1", b'{"case_id": "not json')
    for event in good[5:]:
        await publish(js, event)
    consumer, task = await run_consumer(js, ledger, ledger.on_event)
    await eventually(lambda: consumer.processed == 10 and consumer.dead_lettered == 1)
    task.cancel()
    assert consumer.decoded == 11
    assert all(ledger.host.store.load(CaseFile, e.case_id) is not None for e in good)
