"""What a service learned from other services and sites, kept in its own store.

An aggregate is a fold of its own store's events. When it must know facts another service
recorded (the applicant of a case, the decision of the business site), it notes them: the
original event is kept, byte for byte, inside a private `EventNoted`, and folded by a
`learn_<event name>` method. Nothing is copied into a new published event.
"""

from __future__ import annotations

from functools import cached_property

from contracts.base import DomainEvent
from services.runtime.aggregate import Aggregate, Context
from services.runtime.mapper import decode_event


class EventNoted(DomainEvent):
    """Private bookkeeping, never published: an event of another service that this one folds."""

    service = "runtime"
    published = False
    observed_type: str
    observed_json: str

    @cached_property
    def observed(self) -> DomainEvent:
        return decode_event(self.observed_type, self.observed_json.encode())


class Learning(Aggregate):
    """An aggregate that notes the events it has a `learn_<name>` method for."""

    @classmethod
    def learns(cls, event: DomainEvent) -> bool:
        return hasattr(cls, f"learn_{event.name}")

    def note(self, event: DomainEvent, raw: bytes, ctx: Context) -> None:
        self._trigger(EventNoted, ctx, case_number=event.case_number,
                      observed_type=event.type_key(), observed_json=raw.decode(), observed=event)

    def apply_event_noted(self, event: EventNoted) -> None:
        getattr(self, f"learn_{event.observed.name}")(event.observed)
