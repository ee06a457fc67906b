"""Messages handed to a service's own consumers without a bus, as its tracked consumer hands a
batch of them: in one unit of work (a handler loads what the previous ones changed), the
effects of the whole batch stored in one transaction. Staff commands run on the same cases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from types import TracebackType
from typing import Any, Self
from uuid import UUID, uuid4

from contracts.base import Actor, DomainEvent
from contracts.subjects import (
    admitted_stream,
    admitted_subject,
    inbox_stream,
    inbox_subject,
    own_stream,
    own_subject,
    parse_subject,
)
from services.runtime.aggregate import Context
from services.runtime.consumer import Delivery
from services.runtime.host import ServiceHost
from tests.support.clock import THURSDAY_MORNING, FakeClock
from tests.support.events import sample

BATCH = 500  # cases per transaction
OPEN = 20  # cases still open beside the history, two a day over the last ten days


@cache
def _golden(type_key: str) -> DomainEvent:
    return sample(type_key)


def event(type_key: str, case_id: UUID, at: datetime, **changes: Any) -> DomainEvent:
    """A golden sample as a fresh event of this case at this moment (no validation again:
    the changes must already be of the fields' types)."""
    return _golden(type_key).model_copy(update={
        "event_id": uuid4(), "case_id": case_id, "occurred_at": at, **changes})


class Batch:
    """`with Batch(host) as batch:` feed messages and run commands, then one commit."""

    def __init__(self, host: ServiceHost) -> None:
        self.host = host
        self.handlers = {s.name: s.handler for s in host.subscriptions}

    def __enter__(self) -> Self:
        self._unit = self.host.store.unit_of_work()
        self.work = self._unit.__enter__()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._unit.__exit__(kind, error, trace)
        if kind is None:
            self.host.store.record(*self.work.values())

    def case(self, case_id: UUID) -> Any:
        return self.work[case_id]

    def ctx(self, actor: Actor) -> Context:
        return Context(self.host.site, actor, self.host.clock())

    def own(self, consumer: str, event: DomainEvent) -> None:
        """From the site's own stream (this site's services)."""
        self._handle(consumer, event, own_subject(event), own_stream(event.acting_site))

    def admitted(self, consumer: str, event: DomainEvent) -> None:
        """Admitted by this site's exchange from the other party of the case."""
        self._handle(consumer, event, admitted_subject(self.host.site, event),
                     admitted_stream(self.host.site))

    def inbound(self, consumer: str, event: DomainEvent) -> None:
        """Sent to this site's inbox by another party (the exchange's gateway reads it)."""
        self._handle(consumer, event, inbox_subject(self.host.site, event),
                     inbox_stream(self.host.site))

    def _handle(self, consumer: str, event: DomainEvent, subject: str, stream: str) -> None:
        effect = self.handlers[consumer](Delivery(
            event, parse_subject(subject), subject, stream, 0, event.model_dump_json().encode()))
        self.work.update({a.id: a for a in effect.aggregates})



def fill_history(host: ServiceHost, clock: FakeClock, finished: int,
                 finish: Callable[[Batch, int], object], start: Callable[[Batch, int], object]
                 ) -> None:
    """`finished` cases a month ago, each `finish`ed (numbered from 1), `BATCH` a transaction;
    then `OPEN` cases only `start`ed, two a day over the last ten days (some late, some due
    soon); the clock left on Thursday morning."""
    clock.now = THURSDAY_MORNING - timedelta(days=30)
    for first in range(1, finished + 1, BATCH):
        with Batch(host) as batch:
            for n in range(first, min(first + BATCH, finished + 1)):
                finish(batch, n)
    for i in range(OPEN):
        clock.now = THURSDAY_MORNING - timedelta(days=10 - i // 2)
        with Batch(host) as batch:
            start(batch, finished + 1 + i)
    clock.now = THURSDAY_MORNING
