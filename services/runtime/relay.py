"""The outbox relay: reads the application's notification log in order and publishes each event.

Its position survives restarts because it is read back from the stream itself: the last message
this relay sealed carries its notification id (anything else on its subjects is refused and
passed over). Each publish waits for its PubAck before the next, so the stream never holds event
n+1 without event n, and a case's chain link moves on only with that PubAck. `Nats-Msg-Id` =
event id lets the stream's duplicate window drop a re-send (two relays of one store, a restart
mid-publish).

An event the server could never take (over its max_payload) goes to the site's dead letters and
out of its case's chain, and the relay moves on: one event never holds back the ones after it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from uuid import UUID

import nats.errors
import structlog
from eventsourcing.persistence import Notification
from nats.js import JetStreamContext
from nats.js.api import RawStreamMsg
from nats.js.errors import NotFoundError
from opentelemetry.trace import SpanKind

from contracts.base import DomainEvent, event_class
from contracts.seal import GENESIS, Seal, digest
from contracts.subjects import own_stream, own_subject
from services.runtime.dead_letters import DeadLetter, DeadLetters
from services.runtime.keys import Sealable, Sealer, SiteSealer, Verifier
from services.runtime.mapper import decode_event
from services.runtime.outages import Stall
from services.runtime.store import CaseStore
from services.runtime.tracing import Tracing

NOTIFICATION_ID_HEADER = "Tb-Notification-Id"
HEADER_ROOM = 4 * 1024
"""What an event's headers may take of the server's max_payload (a seal's take about 1 KiB)."""
log = structlog.get_logger()


class ChainLinks:
    """The hash of each case's last *published* event, to link the next one to it. Found in the
    store when not remembered, so a restarted relay links exactly as before. A link is
    committed only once the stream acknowledged the event: a failed publish leaves no trace."""

    def __init__(self, store: CaseStore, publishable: Callable[[bytes], bool],
                 size: int = 100_000) -> None:
        self.store, self.publishable, self.size = store, publishable, size
        self._last: OrderedDict[UUID, str] = OrderedDict()

    def previous(self, event: DomainEvent, pending: dict[UUID, str]) -> str:
        """The previous hash for `event`: the batch's own uncommitted links first."""
        return (pending.get(event.case_id) or self._last.get(event.case_id)
                or self._stored_before(event))

    def commit(self, case_id: UUID, event_hash: str) -> None:
        self._last[case_id] = event_hash
        self._last.move_to_end(case_id)
        if len(self._last) > self.size:
            self._last.popitem(last=False)

    def forget(self) -> None:
        """After a failure the stream may hold an event whose PubAck was lost: read links from
        the store again rather than trust what was remembered."""
        self._last.clear()

    def _stored_before(self, event: DomainEvent) -> str:
        for stored in self.store.recorder.select_events(event.case_id, lte=event.version - 1,
                                                        desc=True):
            if event_class(stored.topic).published and self.publishable(stored.state):
                return digest(stored.state)
        return GENESIS


class OutboxRelay:
    def __init__(
        self, store: CaseStore, js: JetStreamContext, site: str, service: str,
        sealer: Sealer | SiteSealer, clock: Callable[[], datetime], *, verifier: Verifier,
        poll_seconds: float = 0.05, batch: int = 200,
        on_published: Callable[[float], None] = lambda seconds: None,
        tracing: Tracing | None = None,
    ) -> None:
        self.store, self.js, self.site, self.service = store, js, site, service
        self.sealer, self.clock, self.verifier = sealer, clock, verifier
        self.chain = f"{site}.{service}"
        self.heads = ChainLinks(store, self.publishable)
        self.dead_letters = DeadLetters(js, site)
        self.poll_seconds, self.batch = poll_seconds, batch
        self.on_published = on_published  # seconds from publish to PubAck: the latency metric
        self.tracing = tracing or Tracing(service, site)  # off unless the host's is on
        self.position = 0
        self.published = self.dead_lettered = 0
        self.stall: Stall | None = None
        self.failures = 0  # in a row: each waits longer, up to 5 s
        self._wake = asyncio.Event()
        self._stopped = False

    def stop(self) -> None:
        self._stopped = True

    def wake(self) -> None:
        """Called after a command stored events, to publish without waiting for the next poll."""
        self._wake.set()

    async def read_position(self) -> int:
        """The notification id of the last message this relay sealed. Anyone who may publish on
        the subject could put a message there: one that is not ours is refused loudly and the
        relay walks back to the last one that is."""
        stream, prefix = own_stream(self.site), f"tb.{self.site}.{self.service}."
        try:
            msg = await self.js.get_last_msg(stream, f"{prefix}>")
        except NotFoundError:
            return 0
        seq = msg.seq
        while True:
            if msg.subject and msg.subject.startswith(prefix):
                position, refusal = await self.store.threads.run(self._own_position, msg)
                if refusal is None:
                    return position
                log.error("relay_position_refused", service=self.service, stream=stream,
                          seq=msg.seq, subject=msg.subject, reason=refusal)
            seq -= 1
            if seq < 1:
                return 0
            try:
                msg = await self.js.get_msg(stream, seq)
            except NotFoundError:  # deleted, or before the stream's first message
                continue

    def _own_position(self, msg: RawStreamMsg) -> tuple[int, str | None]:
        """The position `msg` says, or why it is not a message this relay sealed."""
        claimed = str((msg.headers or {}).get(NOTIFICATION_ID_HEADER, ""))  # may be any text
        if not (claimed.isascii() and claimed.isdigit()) or int(claimed) < 1:
            return 0, f"notification id {claimed[:40]!r} is not a position"
        data = msg.data or b""
        stored = list(self.store.recorder.select_notifications(int(claimed), 1))
        if not stored or stored[0].id != int(claimed) or bytes(stored[0].state) != data:
            return 0, f"notification {claimed} of this store is not the message's event"
        seal = Seal.from_headers(msg.headers)
        if seal is None or seal.chain != self.chain:
            return 0, f"not sealed in this relay's chain {self.chain}"
        try:
            event = decode_event(stored[0].topic, stored[0].state)
            self.verifier.check_raw(seal, data, self.site, event.case_id)
        except Exception as broken:  # noqa: BLE001 - whatever the headers hold, not our seal
            return 0, f"seal broken: {broken}"
        return int(claimed), None

    def backlog(self) -> int:
        """Events stored and not yet passed (published or skipped): the store's last
        notification id less the relay's position, two numbers, whatever the history."""
        return max(0, (self.store.recorder.max_notification_id() or 0) - self.position)

    def max_payload(self) -> int:
        return int(self.js._nc.max_payload)  # what the server said; nats-py keeps it private

    def publishable(self, data: bytes) -> bool:
        """Whether the server takes this event with its headers: the same answer, from the
        event's size alone, when it is published and when a later event links to it."""
        return len(data) + HEADER_ROOM <= self.max_payload()

    async def run(self) -> None:
        """Publish until cancelled; on any failure start over from what the stream holds."""
        while not self._stopped:
            try:
                await self._run()
            except Exception as error:  # NATS or the store unavailable: wait, then resume
                self.failures += 1
                if self.stall is None:
                    self.stall = Stall.of(f"{self.service}-relay", error, self.clock())
                log.exception("relay_failed", service=self.service, failures=self.failures)
                await asyncio.sleep(min(0.1 * 2 ** min(self.failures, 6), 5.0))

    async def _run(self) -> None:
        self.heads.forget()
        self.position = await self.read_position()
        log.info("relay_started", service=self.service, site=self.site, position=self.position)
        while not self._stopped:
            published = await self.publish_pending()
            self.stall, self.failures = None, 0  # the next outage starts its waits short again
            if not published:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
                except TimeoutError:
                    pass

    async def publish_pending(self) -> int:
        notifications: list[Notification] = await self.store.threads.run(
            lambda: list(self.store.recorder.select_notifications(self.position + 1, self.batch))
        )
        events = [decode_event(n.topic, n.state) for n in notifications]
        outgoing = [(n, e) for n, e in zip(notifications, events, strict=True) if e.published]
        seals = await self.store.threads.run(self._seal, outgoing)
        sealed = dict(zip((n.id for n, _ in outgoing), seals, strict=True))
        traces = (await self.store.threads.run(self.store.traces,
                                               [str(e.event_id) for _, e in outgoing])
                  if self.tracing.enabled and outgoing else {})
        for done, (notification, event) in enumerate(zip(notifications, events, strict=True), 1):
            if notification.id in sealed:
                try:
                    await self._publish(event, notification, sealed[notification.id],
                                        traces.get(str(event.event_id), {}))
                except nats.errors.MaxPayloadError:
                    await self._dead_letter(event, notification)
                    self.position = notification.id
                    await self._forget_traces(outgoing, traces)
                    return done  # should the limit have shrunk since sealing: seal the rest again
            self.position = notification.id
        await self._forget_traces(outgoing, traces)
        return len(notifications)

    async def _forget_traces(self, outgoing: list[tuple[Notification, DomainEvent]],
                             traces: dict[str, dict[str, str]]) -> None:
        """Those of the events passed (sent on, or never to be). A relay that failed mid-batch
        leaves a few behind: rows of a few bytes, and only after a failure."""
        passed = [i for n, e in outgoing if n.id <= self.position
                  and (i := str(e.event_id)) in traces]
        if passed:
            await self.store.threads.run(self.store.forget_traces, passed)

    def _seal(self, outgoing: list[tuple[Notification, DomainEvent]]) -> list[Seal]:
        """One signature for the whole batch; each event linked to its case's previous one.
        The links of the batch stay here until each event's PubAck commits them."""
        pending: dict[UUID, str] = {}
        items = []
        for notification, event in outgoing:
            items.append(Sealable(self.chain, event.case_id,
                                  self.heads.previous(event, pending), notification.state))
            if self.publishable(notification.state):
                pending[event.case_id] = digest(notification.state)
        return self.sealer.seal(items, self.clock())

    async def _publish(self, event: DomainEvent, notification: Notification, seal: Seal,
                       trace: dict[str, str]) -> None:
        """`trace`: the trace context the event was stored in, continued by a PRODUCER span
        whose own context the message carries in its `traceparent` header."""
        if not self.publishable(notification.state):
            raise nats.errors.MaxPayloadError  # sent, it would cost the connection, not just it
        subject = own_subject(event)
        with self.tracing.span(f"publish {event.type_key()}", SpanKind.PRODUCER, trace, {
                "messaging.system": "nats", "messaging.operation.type": "send",
                "messaging.destination.name": subject,
                "messaging.message.id": str(event.event_id)}):
            started = time.perf_counter()
            await self.js.publish(
                subject,
                notification.state,
                headers=self.tracing.inject({
                    **seal.headers(),
                    "Nats-Msg-Id": str(event.event_id),
                    NOTIFICATION_ID_HEADER: str(notification.id),
                }),
            )
            self.on_published(time.perf_counter() - started)
        self.heads.commit(event.case_id, seal.event_hash)
        self.published += 1
        log.info("event_published", event_type=event.type_key(), case_id=str(event.case_id),
                 event_id=str(event.event_id), correlation_id=str(event.correlation_id))

    async def _dead_letter(self, event: DomainEvent, notification: Notification) -> None:
        """The event stays in the store, for a replay once the server takes it; the letter
        names it without carrying it, which would not fit either."""
        size, max_payload = len(notification.state), self.max_payload()
        await self.dead_letters.put(DeadLetter(
            consumer=f"{self.service}-relay", stream=own_stream(self.site), seq=notification.id,
            subject=own_subject(event),
            reason=f"event of {size} bytes never fits the server's max_payload of {max_payload} "
                   f"bytes with its headers: not published, left out of its case's chain",
            data=json.dumps({"event_id": str(event.event_id), "case_id": str(event.case_id),
                             "case_number": event.case_number, "type": event.type_key(),
                             "notification_id": notification.id, "bytes": size}),
            rule="too_large_to_publish",
        ))
        self.dead_lettered += 1
        log.error("event_not_publishable", service=self.service, event_type=event.type_key(),
                  case_id=str(event.case_id), event_id=str(event.event_id), bytes=size,
                  max_payload=max_payload)
