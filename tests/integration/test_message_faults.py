"""Messages at fault on a real nats-server: whatever in a message cannot be read or checked
goes to the dead letters with its reason, and the consumer goes on with the next one."""

from __future__ import annotations

import asyncio
import json
from uuid import uuid4

from nats.js import JetStreamContext

from contracts.base import DomainEvent
from contracts.subjects import own_stream, own_subject
from services.ledger.application import Ledger
from services.ledger.domain import CaseFile
from services.runtime.consumer import RetryPolicy, TrackedConsumer
from services.runtime.dead_letters import DeadLetters
from tests.support.clock import THURSDAY_MORNING, FakeClock
from tests.support.events import sample
from tests.support.sealing import HandSealer, verifier
from tests.support.stack import eventually

YANTAI = "370671"
SEALS = HandSealer()


async def publish_with(js: JetStreamContext, changed: dict[str, str]) -> DomainEvent:
    """A case's opening under its genuine seal, with some seal headers changed."""
    event = sample("intake.case_opened.v1", uuid4())
    headers = {**SEALS.headers(event), **changed, "Nats-Msg-Id": str(event.event_id)}
    await js.publish(own_subject(event), event.model_dump_json().encode(), headers=headers)
    return event


def ledger_consumer(js: JetStreamContext, ledger: Ledger) -> TrackedConsumer:
    """Yantai's ledger reading its site's stream, retrying quickly."""
    return TrackedConsumer(
        name="ledger-on-site-event", site=YANTAI, store=ledger.host.store, js=js,
        stream=own_stream(YANTAI), subject=f"tb.{YANTAI}.>", handler=ledger.on_event,
        dead_letters=DeadLetters(js, YANTAI), lock=asyncio.Lock(),
        retry=RetryPolicy(initial_seconds=0.01, max_seconds=0.05, attempts=4),
        verifier=verifier(), clock=FakeClock(THURSDAY_MORNING),
    )


async def test_messages_whose_seal_headers_cannot_be_read_are_dead_lettered_and_the_rest_go_on(
    js: JetStreamContext, ledger: Ledger,
) -> None:
    await publish_with(js, {"Tb-Proof": "R" + "zz" * 32})  # not hex
    await publish_with(js, {"Tb-Proof": "L1234"})  # not a hash
    await publish_with(js, {"Tb-Signed-At": "上周二"})
    await publish_with(js, {"Tb-Proof": "X" + "ab" * 32})  # neither left nor right
    good = await publish_with(js, {})

    consumer = ledger_consumer(js, ledger)
    task = asyncio.create_task(consumer.run())
    try:
        await eventually(lambda: consumer.processed == 1, timeout=10)
    finally:
        consumer.stop()
        task.cancel()

    letters = await DeadLetters(js, YANTAI).read_all()
    assert [(d.seq, d.reason.split(":")[0]) for d in letters] == [
        (1, "seal broken"), (2, "seal broken"), (3, "seal broken"), (4, "seal broken")]
    assert "unreadable proof" in letters[0].reason and "unreadable proof" in letters[1].reason
    assert "bad signing time" in letters[2].reason
    assert "unreadable proof" in letters[3].reason
    assert ledger.host.store.load(CaseFile, good.case_id) is not None
    assert ledger.host.store.position(own_stream(YANTAI)) == 5


async def test_a_dead_letter_says_which_field_is_wrong_and_never_its_value(
    js: JetStreamContext, ledger: Ledger,
) -> None:
    """An opening whose legal representative's ID number fails its check digit: the reason
    names the field and the rule, and holds neither the number nor the representative's name."""
    event = sample("intake.case_opened.v1", uuid4())
    body = json.loads(event.model_dump_json())
    applicant = body["applicant"]
    wrong = applicant["representative_id_number"][:-1] + "0"  # 3706…1233 → …1230
    applicant["representative_id_number"] = wrong
    await js.publish(own_subject(event), json.dumps(body, ensure_ascii=False).encode(),
                     headers={**SEALS.headers(event), "Nats-Msg-Id": str(event.event_id)})
    consumer = ledger_consumer(js, ledger)
    task = asyncio.create_task(consumer.run())
    try:
        letters = await eventually(lambda: DeadLetters(js, YANTAI).read_all(), timeout=10)
    finally:
        consumer.stop()
        task.cancel()
    (letter,) = letters
    assert letter.reason.startswith("unreadable: 1 invalid in CaseOpened: applicant.")
    assert "representative_id_number" in letter.reason
    assert wrong not in letter.reason and wrong[:17] not in letter.reason
    assert applicant["legal_representative"] not in letter.reason