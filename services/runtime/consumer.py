"""The tracked consumer: a catch-up subscription that processes one upstream stream strictly in
order, storing each message's effects together with a tracking record (stream, sequence).

Order is not optional: the store keeps only the highest tracked position per upstream, so a
message overtaken by a later one would later be mistaken for a duplicate and lost. A failing
message is retried with backoff while the messages behind it wait; a message that cannot be
parsed or verified for any reason (its subject, body, seal headers, proof, key or signing time),
is refused, or keeps failing goes to the dead-letter stream and the consumer moves on. An
outage (NATS, a stream, the store, no signing key) is not the message's fault: the consumer
waits for it to pass, however long, and says so in /readyz.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import nats.errors
import structlog
from eventsourcing.persistence import Tracking
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from opentelemetry.trace import SpanKind
from pydantic import ValidationError

from contracts.base import DomainEvent, UnknownEventType
from contracts.seal import Seal
from contracts.subjects import BadSubject, Envelope, parse_subject
from services.runtime.aggregate import DomainError
from services.runtime.dead_letters import DeadLetter, DeadLetters
from services.runtime.keys import SealBroken, Verifier
from services.runtime.outages import Stall, is_outage
from services.runtime.personal.desk import KeyClient, KeyDestroyed, KeyRefused, KeyUnavailable
from services.runtime.personal.fields import FieldUnreadable, open_event, sealed_by
from services.runtime.store import AlreadyProcessed, CaseStore
from services.runtime.tracing import Tracing, carrier_of, current_carrier

log = structlog.get_logger()


class Rejected(Exception):
    """A message that must not be processed (not a party, against a rule): dead-lettered,
    filed under `rule`."""

    def __init__(self, reason: str, rule: str = "refused") -> None:
        super().__init__(reason)
        self.rule = rule


class Replayed(Exception):
    """This consumer stored the effects of this event before (sent again under a new message
    id, or after the stream's duplicate window): dropped, with no effect."""


@dataclass(frozen=True)
class Delivery:
    event: DomainEvent
    envelope: Envelope
    subject: str
    stream: str
    seq: int
    data: bytes
    seal: Seal | None = None
    trace: dict[str, str] = field(default_factory=dict)  # the publisher's trace context


@dataclass(frozen=True)
class Refusal:
    """A message that cannot be processed, and why: what its dead letter says, and the rule
    it broke (a token of the letter's subject)."""

    reason: str
    rule: str


@dataclass(frozen=True)
class Forward:
    """A message to publish before the effect commits; `msg_id` makes a re-send harmless."""

    subject: str
    data: bytes
    msg_id: str
    seal: Seal | None = None
    trace: dict[str, str] = field(default_factory=dict)  # set by the consumer: see `_handled`


@dataclass(frozen=True)
class Effect:
    aggregates: Sequence[Any] = ()
    forwards: Sequence[Forward] = ()

    @property
    def empty(self) -> bool:
        """Nothing to store or send: the message needs no tracking record either (it has no
        effect to duplicate), which saves a commit for every message a service ignores."""
        return not self.forwards and not any(a.has_pending for a in self.aggregates)


Handler = Callable[[Delivery], Effect]
"""Runs in a worker thread; returns the aggregates whose pending events are the effect."""


@dataclass(frozen=True)
class RetryPolicy:
    initial_seconds: float = 0.05
    max_seconds: float = 5.0
    attempts: int = 8

    def delay(self, attempt: int) -> float:
        return min(self.initial_seconds * 2 ** (attempt - 1), self.max_seconds)


@dataclass(frozen=True)
class InHand:
    """The messages a consumer holds, since when (the service's clock, and monotonic)."""

    count: int
    since: datetime
    monotonic: float


class TrackedConsumer:
    def __init__(
        self, *, name: str, site: str, store: CaseStore, js: JetStreamContext, stream: str,
        subject: str | Sequence[str], handler: Handler, dead_letters: DeadLetters,
        lock: asyncio.Lock, verifier: Verifier, clock: Callable[[], datetime],
        retry: RetryPolicy = RetryPolicy(),
        on_recorded: Callable[[], None] = lambda: None, batch_size: int = 100,
        check_links: bool = True, keys: KeyClient | None = None,
        tracing: Tracing | None = None,
    ) -> None:
        self.name, self.site, self.store, self.js = name, site, store, js
        self.stream, self.handler = stream, handler
        self.subjects = (subject,) if isinstance(subject, str) else tuple(subject)
        self.dead_letters, self.lock, self.retry = dead_letters, lock, retry
        self.on_recorded = on_recorded  # wakes the relay: new events leave without a poll's wait
        self.verifier, self.heads = verifier, ChainHeads()
        self.check_links = check_links  # False when it is sent only some events of each chain
        self.batch_size = batch_size
        self.keys = keys  # fetches what other sites sealed; without it, read as withheld
        self.tracing = tracing or Tracing(name, site)  # off unless the host's is on
        self.processed = self.duplicates = self.dead_lettered = self.decoded = 0
        self.clock = clock
        self.stall: Stall | None = None
        self.running = False
        self.subscribed = asyncio.Event()
        self.in_hand: InHand | None = None
        self.last_seq = 0  # the stream sequence of the last message finished (or skipped)
        self._sub: Any = None
        self._stopped = False

    def stop(self) -> None:
        """No more resubscribing: nats-py ends a closed subscription's iteration quietly, so a
        cancelled consumer could otherwise come back to life."""
        self._stopped = True

    async def run(self) -> None:
        """Consume until cancelled; if the subscription breaks, resume from the store's position."""
        failures = 0
        while not self._stopped:
            try:
                await self._run()
                log.warning("subscription_ended", consumer=self.name)
            except Exception:  # NATS unavailable or the consumer deleted: wait, then resume
                log.exception("consumer_failed", consumer=self.name, failures=failures + 1)
            failures += 1
            if not self._stopped:
                await asyncio.sleep(self.retry.delay(min(failures, 16)))

    async def _run(self) -> None:
        position = await self.store.threads.run(self.store.position, self.stream)
        several = len(self.subjects) > 1  # the server filters: the rest never reach us
        sub = await self.js.subscribe(
            self.subjects[0], stream=self.stream, ordered_consumer=True,
            idle_heartbeat=1.0,  # two missed (a server restarted): made again in ~2 s, not 10
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            config=ConsumerConfig(opt_start_seq=position + 1,
                                  filter_subjects=list(self.subjects) if several else None),
        )
        log.info("consumer_started", consumer=self.name, stream=self.stream, position=position)
        self.running, self._sub, self.last_seq = True, sub, max(self.last_seq, position)
        self.subscribed.set()
        try:
            async for msg in sub.messages:
                batch = [msg]
                while sub.pending_msgs and len(batch) < self.batch_size:  # already here
                    batch.append(await sub.next_msg(timeout=1.0))
                self.in_hand = InHand(len(batch), self.clock(), time.monotonic())
                await self._process_batch(batch)
                self.in_hand, self.last_seq = None, batch[-1].metadata.sequence.stream
        finally:
            self.running, self._sub, self.in_hand = False, None, None
            with contextlib.suppress(nats.errors.Error):  # the connection may be closing
                await sub.unsubscribe()

    async def lag(self) -> int:
        """Messages of its subjects not yet finished: those the server has still to send (its
        consumer's info, one request), those waiting in this client and those in hand. While
        unsubscribed, the stream's last sequence less the last one finished (an upper bound
        for a consumer of some subjects)."""
        sub, held = self._sub, self.in_hand
        if sub is not None:
            info = await sub.consumer_info()
            return int(info.num_pending or 0) + sub.pending_msgs + (held.count if held else 0)
        state = (await self.js.stream_info(self.stream)).state
        return max(0, state.last_seq - self.last_seq)

    def held_too_long(self, seconds: float) -> Stall | None:
        """Messages in hand longer than `seconds` with no outage said: a store whose writes
        block rather than fail (a lock held elsewhere, a disk that stopped answering)."""
        held = self.in_hand
        if held is None or self.stall is not None or time.monotonic() - held.monotonic < seconds:
            return None
        return Stall(self.name, f"no progress: {held.count} message(s) in hand for more than "
                                f"{seconds:g} s", held.since)

    async def _process_batch(self, batch: list[Msg]) -> None:
        """Messages that arrived together are applied in one transaction with one tracking
        record (the last position): one commit instead of one per message. Anything unusual
        in the batch — a message to dead-letter, a failing handler — and it is undone and the
        messages go one by one the careful way. Either way each message is decoded and its
        seal checked once."""
        read = await self._read_all(batch)
        deliveries = [r for r in read if isinstance(r, Delivery)]
        if len(batch) > 1 and len(deliveries) == len(batch):
            try:
                async with self.lock:
                    await self._apply_batch(deliveries)
                return
            except Exception as error:  # noqa: BLE001 - the careful path decides what it was
                log.info("batch_fell_back", consumer=self.name, size=len(batch),
                         error=described(error))
        for msg, done in zip(batch, read, strict=True):
            await self._process_until_done(msg, done)

    async def _apply_batch(self, deliveries: list[Delivery]) -> None:
        position = await self.store.threads.run(self.store.position, self.stream)
        links: dict[tuple[str, UUID], str] = {}
        for delivery in deliveries:
            if delivery.seq <= position:
                raise AlreadyProcessed(f"{self.stream}#{delivery.seq}")
            self._check_link(delivery, links)
        handled = await self.store.threads.run(self._handle_batch, deliveries)
        for _, effect in handled:
            await self._publish_forwards(effect)
        touched = {id(a): a for _, e in handled for a in e.aggregates}
        received = [(self.name, str(d.event.event_id)) for d, e in handled if not e.empty]
        tracking = Tracking(application_name=self.stream, notification_id=deliveries[-1].seq)
        await self.store.threads.run(
            lambda: self.store.record(*touched.values(), tracking=tracking, received=received))
        for delivery in deliveries:
            self.heads.advance(delivery)
        self.processed += len(deliveries)
        if touched:
            self.on_recorded()

    def _handle_batch(self, deliveries: list[Delivery]) -> list[tuple[Delivery, Effect]]:
        """Handlers see each other's changes: an aggregate a handler returned is what the
        next handler loads. Replays (earlier, or within the batch) are left out."""
        with self.store.unit_of_work() as work:
            handled: list[tuple[Delivery, Effect]] = []
            seen: set[UUID] = set()
            for delivery in deliveries:
                event_id = delivery.event.event_id
                if event_id in seen or self.store.has_received(self.name, event_id):
                    self._note_replay(delivery)
                    continue
                seen.add(event_id)
                effect = self._handled(delivery)
                work.update({a.id: a for a in effect.aggregates})
                handled.append((delivery, effect))
            return handled

    def _note_replay(self, delivery: Delivery) -> None:
        self.duplicates += 1
        log.warning("replay_dropped", consumer=self.name, stream=self.stream, seq=delivery.seq,
                    event_id=str(delivery.event.event_id))

    async def _process_until_done(self, msg: Msg, read: Delivery | Refusal) -> None:
        """Whatever fails here (the dead-letter stream or the store down) blocks the upstream
        until it passes: a consumer never crashes and never skips."""
        attempt = 0
        while True:
            try:
                await self.process(msg, read)
                self.stall = None
                return
            except Exception as error:  # noqa: BLE001 - the upstream waits instead
                attempt += 1
                await self._wait_out(error, attempt)

    async def _wait_out(self, error: Exception, attempt: int) -> None:
        """An outage: say so (once in the log, always in /readyz) and wait before trying again."""
        if self.stall is None:
            self.stall = Stall.of(self.name, error, self.clock())
        log.warning("consumer_stalled", consumer=self.name, attempt=attempt,
                    error=described(error),
                    since=self.stall.since.isoformat())
        await asyncio.sleep(self.retry.delay(min(attempt, 16)))

    async def process(self, msg: Msg, read: Delivery | Refusal | None = None) -> str:
        """Process one message exactly once; returns what happened to it. `read`: the
        message already decoded and checked, if it was."""
        seq = msg.metadata.sequence.stream
        tracking = Tracking(application_name=self.stream, notification_id=seq)
        structlog.contextvars.bind_contextvars(consumer=self.name, stream=self.stream, seq=seq)
        delivery = (await self._read_all([msg]))[0] if read is None else read
        if isinstance(delivery, Refusal):
            return await self._dead_letter(msg, seq, tracking, delivery)
        try:
            self._check_link(delivery)
        except SealBroken as error:
            return await self._dead_letter(msg, seq, tracking,
                                           Refusal(f"seal broken: {error}", error.rule))
        self.heads.advance(delivery)
        structlog.contextvars.bind_contextvars(
            case_id=str(delivery.event.case_id), event_id=str(delivery.event.event_id),
            correlation_id=str(delivery.event.correlation_id),
        )
        failures = outages = 0
        while True:
            try:
                async with self.lock:
                    await self._apply(delivery, tracking)
                self.stall = None
                self.processed += 1
                return "processed"
            except AlreadyProcessed:
                self.stall = None
                self.duplicates += 1
                return "duplicate"
            except Replayed:
                self.stall = None
                return "replayed"
            except Rejected as error:
                return await self._dead_letter(msg, seq, tracking,
                                               Refusal(f"refused: {error}", error.rule))
            except Exception as error:  # noqa: BLE001 - an outage waits, anything else is retried
                if is_outage(error):
                    outages += 1
                    await self._wait_out(error, outages)
                    continue
                failures += 1
                log.warning("handler_failed", consumer=self.name, seq=seq, attempt=failures,
                            error=described(error))
                if failures >= self.retry.attempts:
                    return await self._dead_letter(msg, seq, tracking, Refusal(
                        f"kept failing: {described(error)}", "kept_failing"))
                await asyncio.sleep(self.retry.delay(failures))

    async def replay(self, subject: str, data: bytes, headers: dict[str, str] | None,
                     seq: int, noted: Callable[[str, str], Any]) -> tuple[str, str]:
        """A dead letter's message sent again through the gateway's checks and the handler,
        as a fresh delivery would be, but out of order: its position was tracked when it was
        dead-lettered, and its chain's links are not checked (the chain has moved on). Done
        once: its effect commits with the event's received mark, so a second replay (or the
        message sent again) finds it received and does nothing. `noted(outcome, detail)`: the
        record of this replay, committed with the effect. Returns (outcome, detail): processed,
        duplicate, refused or failed. An outage is raised, not recorded: try again."""
        read = self.check(subject, data, headers, seq)
        if isinstance(read, Delivery):
            read = await self._fetch_keys(read) or read
        read = await self.store.threads.run(self._open, read)
        if isinstance(read, Refusal):
            return await self._replay_ended(noted, "refused", read.reason)
        event_id = str(read.event.event_id)
        try:
            async with self.lock:
                effect = await self.store.threads.run(self._handle_replay, read)
                await self._publish_forwards(effect)
                await self.store.threads.run(lambda: self.store.record(
                    *effect.aggregates, noted("processed", ""), received=[(self.name, event_id)]))
        except Replayed:
            return await self._replay_ended(noted, "duplicate", "its effect was stored before")
        except Rejected as error:
            return await self._replay_ended(noted, "refused", f"refused: {error}")
        except Exception as error:
            if is_outage(error):
                raise
            if await self.store.threads.run(self.store.has_received, self.name, read.event.event_id):
                return await self._replay_ended(noted, "duplicate", "processed meanwhile")
            return await self._replay_ended(noted, "failed", described(error))
        self.processed += 1
        if effect.aggregates:
            self.on_recorded()
        return "processed", ""

    def _handle_replay(self, delivery: Delivery) -> Effect:
        if self.store.has_received(self.name, delivery.event.event_id):
            raise Replayed(str(delivery.event.event_id))
        return self._handled(delivery)

    async def _replay_ended(self, noted: Callable[[str, str], Any], outcome: str,
                            detail: str) -> tuple[str, str]:
        async with self.lock:
            await self.store.threads.run(lambda: self.store.record(noted(outcome, detail)))
        return outcome, detail

    async def _read_all(self, batch: list[Msg]) -> list[Delivery | Refusal]:
        """Each message checked (subject, body, seal), then its personal fields opened: with
        the keys other sites sealed them with, asked of those sites first if not held."""
        read = [self._read(msg) for msg in batch]
        for i, delivery in enumerate(read):
            if isinstance(delivery, Delivery):
                read[i] = await self._fetch_keys(delivery) or delivery
        return await self.store.threads.run(lambda: [self._open(d) for d in read])

    async def _fetch_keys(self, delivery: Delivery) -> Refusal | None:
        """The keys the message's sealed fields need, asked of the sites that sealed them once
        and kept. A site that refuses makes the message a dead letter; no answer is an
        outage, waited out. Asked only for a message whose seal held, so a forged one cannot
        make the consumer wait."""
        if self.keys is None:
            return None
        vault, run = self.store.vault, self.store.threads.run
        for case_id, owner in sorted(sealed_by(delivery.data, type(delivery.event).personal)):
            attempt = 0
            while owner != self.site and not await run(vault.holds, case_id, owner):
                try:
                    key = await self.keys.fetch(case_id, owner)
                    await run(vault.grant, case_id, owner, key)
                except KeyRefused as error:
                    return Refusal(f"refused: personal-data key: {error}", "key_refused")
                except KeyDestroyed:
                    await run(vault.destroy, case_id, f"destroyed at {owner}", self.clock())
                except KeyUnavailable as error:
                    attempt += 1
                    await self._wait_out(error, attempt)
            if attempt:
                self.stall = None
        return None

    def _open(self, read: Delivery | Refusal) -> Delivery | Refusal:
        """The event with its personal fields opened with this site's vault."""
        if isinstance(read, Refusal) or not type(read.event).personal:
            return read
        try:
            event = open_event(type(read.event), read.data, self.store.vault)
        except ValidationError as error:
            return Refusal(f"unreadable: {without_values(error)}", "unreadable")
        except FieldUnreadable as error:
            return Refusal(f"unreadable: {error}", "field_unreadable")
        return dataclasses.replace(read, event=event)

    def _read(self, msg: Msg) -> Delivery | Refusal:
        """The message decoded (its personal fields still sealed), addressed to us and its
        seal checked; or why it cannot be. Pure (no I/O), so anything that goes wrong is the
        message's fault."""
        return self.check(msg.subject, msg.data, msg.headers, msg.metadata.sequence.stream)

    def check(self, subject: str, data: bytes, headers: dict[str, str] | None,
              seq: int) -> Delivery | Refusal:
        """The gateway's checks of one message (`_read`), also for a dead letter replayed."""
        self.decoded += 1
        try:
            envelope = parse_subject(subject)
            event = open_event(envelope.event_type, data, None)
            check_envelope(envelope, event, self.site)
            check_sealed_by(data, event)
            seal = Seal.from_headers(headers)
            self.verifier.check(seal, data, event)
        except ValidationError as error:
            return Refusal(f"unreadable: {without_values(error)}", "unreadable")
        except BadSubject as error:
            return Refusal(f"unreadable: {error}", "bad_subject")
        except UnknownEventType as error:
            return Refusal(f"unreadable: {error}", "unknown_type")
        except Rejected as error:
            return Refusal(f"refused: {error}", error.rule)
        except SealBroken as error:
            return Refusal(f"seal broken: {error}", error.rule)
        except Exception as error:  # noqa: BLE001 - whatever else it is, the message is at fault
            return Refusal(f"unreadable: {described(error)}", "unreadable")
        return Delivery(event, envelope, subject, self.stream, seq, data, seal,
                        carrier_of(headers))

    def _check_link(self, delivery: Delivery,
                    links: dict[tuple[str, UUID], str] | None = None) -> None:
        """Only a consumer sent whole chains can tell a lost or reordered event from one
        that was not sent to it."""
        if self.check_links:
            self.heads.check(delivery, links)

    async def _apply(self, delivery: Delivery, tracking: Tracking) -> None:
        effect = await self.store.threads.run(self._handle, delivery, tracking)
        if effect.empty:
            return
        await self._publish_forwards(effect)
        received = [(self.name, str(delivery.event.event_id))]
        await self.store.threads.run(
            lambda: self.store.record(*effect.aggregates, tracking=tracking, received=received))
        if effect.aggregates:
            self.on_recorded()

    async def _publish_forwards(self, effect: Effect) -> None:
        for forward in effect.forwards:
            seal = forward.seal.headers() if forward.seal else {}
            with self.tracing.span(f"forward {forward.subject.rsplit('.', 2)[-2]}",
                                   SpanKind.PRODUCER, forward.trace, {
                                       "messaging.system": "nats",
                                       "messaging.operation.type": "send",
                                       "messaging.destination.name": forward.subject,
                                       "messaging.message.id": forward.msg_id}):
                await self.js.publish(forward.subject, forward.data, headers=self.tracing.inject(
                    {**seal, "Nats-Msg-Id": forward.msg_id}))

    def _handle(self, delivery: Delivery, tracking: Tracking) -> Effect:
        if self.store.is_tracked(tracking):
            raise AlreadyProcessed(str(tracking))
        if self.store.has_received(self.name, delivery.event.event_id):
            self._note_replay(delivery)
            raise Replayed(str(delivery.event.event_id))
        return self._handled(delivery)

    def _handled(self, delivery: Delivery) -> Effect:
        """The handler's effect, within a CONSUMER span that continues the publisher's trace:
        the events the handler makes are stored with this span's context (see `Aggregate.
        _trigger`), and the messages it forwards carry it on."""
        event = delivery.event
        with self.tracing.span(f"process {event.type_key()}", SpanKind.CONSUMER, delivery.trace, {
                "messaging.system": "nats", "messaging.operation.type": "process",
                "messaging.destination.name": delivery.subject,
                "messaging.consumer.group.name": self.name,
                "messaging.message.id": str(event.event_id)}):
            effect = self.handler(delivery)
            if effect.forwards and self.tracing.enabled:
                effect = dataclasses.replace(effect, forwards=[
                    dataclasses.replace(f, trace=current_carrier()) for f in effect.forwards])
            return effect

    async def _dead_letter(self, msg: Msg, seq: int, tracking: Tracking,
                           refusal: Refusal) -> str:
        await self.dead_letters.put(DeadLetter(
            consumer=self.name, stream=self.stream, seq=seq, subject=msg.subject,
            reason=refusal.reason, data=msg.data.decode("utf-8", errors="replace"),
            rule=refusal.rule,
        ), msg.headers)
        async with self.lock:
            try:
                await self.store.threads.run(lambda: self.store.record(tracking=tracking))
            except AlreadyProcessed:
                pass
        self.dead_lettered += 1
        return "dead_lettered"


class ChainHeads:
    """The last hash seen per chain and case, so that a message that does not follow it (one
    lost, reordered or inserted upstream) is refused. Known from this run on: after a restart
    the first message of each chain is taken as the head; the ledger checks chains in full.
    Kept only by a consumer sent whole chains (`check_links`): one sent some event types sees
    gaps that are not losses."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._heads: OrderedDict[tuple[str, UUID], str] = OrderedDict()

    def check(self, delivery: Delivery,
              links: dict[tuple[str, UUID], str] | None = None) -> None:
        """`links`: what an uncommitted batch has seen so far, checked first and extended."""
        seal = delivery.seal
        assert seal is not None
        key = (seal.chain, delivery.event.case_id)
        head = (links or {}).get(key) or self._heads.get(key)
        if head is not None and head != seal.prev and head != seal.event_hash:
            raise SealBroken(f"broken link in chain {seal.chain}: follows {seal.prev[:12]}…, "
                             f"last seen {head[:12]}…", "broken_link")
        if links is not None:
            links[key] = seal.event_hash

    def advance(self, delivery: Delivery) -> None:
        if delivery.seal is not None:
            key = (delivery.seal.chain, delivery.event.case_id)
            self._heads[key] = delivery.seal.event_hash
            self._heads.move_to_end(key)
            if len(self._heads) > self.size:
                self._heads.popitem(last=False)


def check_envelope(envelope: Envelope, event: DomainEvent, my_site: str) -> None:
    """A message speaks for the site in its subject only, and an inbox holds only our mail."""
    if envelope.from_site != event.acting_site:
        raise Rejected(
            f"subject names site {envelope.from_site}, event acts as {event.acting_site}",
            "wrong_sender")
    if envelope.to_site is not None and envelope.to_site != my_site:
        raise Rejected(f"addressed to {envelope.to_site}, not to this site {my_site}",
                       "not_addressed_here")


def check_sealed_by(data: bytes, event: DomainEvent) -> None:
    """A site seals personal fields with its own keys only: a field said to be sealed by
    another would send us asking a site that never saw the case."""
    others = {site for _, site in sealed_by(data, type(event).personal)} - {event.acting_site}
    if others:
        raise Rejected(f"fields sealed by {', '.join(sorted(others))} in an event of "
                       f"{event.acting_site}", "sealed_by_other")


def without_values(error: ValidationError) -> str:
    """What is wrong with a message and where, never the values: a dead letter's reason is
    read by operators and kept, and the field at fault may be an ID number or a name. The
    rule's own message stays (pydantic's and ours name the rule, not the input)."""
    faults = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']} "
                       f"({e['type']})"
                       for e in error.errors(include_url=False, include_input=False))
    return f"{error.error_count()} invalid in {error.title}: {faults}"


def described(error: BaseException) -> str:
    """An error as a log line or a dead letter may say it: a handler's error may quote the
    values it was given (a name, an ID number), so only what our own code wrote for people to
    read is kept in full — refusals and domain errors, whose messages name rules and fields —
    and anything else is its type and where it was raised. Pydantic's errors lose their input."""
    if isinstance(error, ValidationError):
        return without_values(error)
    if isinstance(error, Rejected | DomainError | SealBroken | FieldUnreadable | BadSubject
                  | UnknownEventType | json.JSONDecodeError) or is_outage(error):
        return f"{type(error).__name__}: {error}"
    frame = traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
    where = f" at {Path(frame[0].filename).name}:{frame[0].lineno}" if frame else ""
    return f"{type(error).__name__}{where} (its message may hold personal data: not kept)"
