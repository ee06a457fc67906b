"""The outbox relay: reads the application's notification log in order and publishes each event.

Its position survives restarts because it is read back from the stream itself: the last message
this service published carries its notification id. Each publish waits for its PubAck before the
next, so the stream never holds event n+1 without event n. `Nats-Msg-Id` = event id lets the
stream's duplicate window drop a re-send (two relays of one store, a restart mid-publish).
"""

from __future__ import annotations

import asyncio

import anyio
import structlog
from eventsourcing.persistence import Notification
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from contracts.base import DomainEvent
from contracts.subjects import own_stream, own_subject
from services.runtime.mapper import decode_event
from services.runtime.store import CaseStore

NOTIFICATION_ID_HEADER = "Tb-Notification-Id"
log = structlog.get_logger()


class OutboxRelay:
    def __init__(
        self, store: CaseStore, js: JetStreamContext, site: str, service: str,
        poll_seconds: float = 0.05, batch: int = 200,
    ) -> None:
        self.store, self.js, self.site, self.service = store, js, site, service
        self.poll_seconds, self.batch = poll_seconds, batch
        self.position = 0
        self.published = 0
        self._wake = asyncio.Event()
        self._stopped = False

    def stop(self) -> None:
        self._stopped = True

    def wake(self) -> None:
        """Called after a command stored events, to publish without waiting for the next poll."""
        self._wake.set()

    async def read_position(self) -> int:
        try:
            last = await self.js.get_last_msg(
                own_stream(self.site), f"tb.{self.site}.{self.service}.>"
            )
        except NotFoundError:
            return 0
        return int((last.headers or {}).get(NOTIFICATION_ID_HEADER, 0))

    async def run(self) -> None:
        """Publish until cancelled; on any failure start over from what the stream holds."""
        failures = 0
        while not self._stopped:
            try:
                await self._run()
            except Exception:  # NATS or the store unavailable: wait, then resume
                failures += 1
                log.exception("relay_failed", service=self.service, failures=failures)
                await asyncio.sleep(min(0.1 * 2 ** min(failures, 6), 5.0))

    async def _run(self) -> None:
        self.position = await self.read_position()
        log.info("relay_started", service=self.service, site=self.site, position=self.position)
        while not self._stopped:
            published = await self.publish_pending()
            if not published:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
                except TimeoutError:
                    pass

    async def publish_pending(self) -> int:
        notifications: list[Notification] = await anyio.to_thread.run_sync(
            lambda: list(self.store.recorder.select_notifications(self.position + 1, self.batch))
        )
        for notification in notifications:
            event = decode_event(notification.topic, notification.state)
            if event.published:
                await self._publish(event, notification)
            self.position = notification.id
        return len(notifications)

    async def _publish(self, event: DomainEvent, notification: Notification) -> None:
        await self.js.publish(
            own_subject(event),
            notification.state,
            headers={
                "Nats-Msg-Id": str(event.event_id),
                NOTIFICATION_ID_HEADER: str(notification.id),
            },
        )
        self.published += 1
        log.info("event_published", event_type=event.type_key(), case_id=str(event.case_id),
                 event_id=str(event.event_id), correlation_id=str(event.correlation_id))
