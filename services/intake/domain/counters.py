"""Numbers handed out in sequence: case and acceptance numbers per site and year, queue
tickets per window per day. Each sequence is a small aggregate whose events are numbered like
the numbers it gives, so two clerks never get the same number (the store refuses a second
event of one version) and a number after a restart follows the last one given."""

from __future__ import annotations

from typing import Self
from uuid import NAMESPACE_URL, UUID, uuid5

from contracts.base import DomainEvent
from services.runtime.aggregate import Aggregate, Context


class NumberAllocated(DomainEvent):
    """Private bookkeeping of the intake service, never published."""

    service = "intake"
    published = False
    sequence: str
    number: int
    allocated_to: UUID


class Sequence(Aggregate):
    """Its state is the last number given, so it is loaded from its last event alone: taking
    a number costs the same on the last day of the year as on the first."""

    def __init__(self, sequence_id: UUID) -> None:
        super().__init__(sequence_id)
        self.last = 0

    @staticmethod
    def id_for(site: str, sequence: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"tongban:{site}:counter:{sequence}")

    @classmethod
    def start(cls, site: str, sequence: str) -> Self:
        started = cls(cls.id_for(site, sequence))
        started.case_number = sequence
        return started

    def allocate(self, allocated_to: UUID, ctx: Context) -> int:
        self._trigger(NumberAllocated, ctx, sequence=self.case_number, number=self.last + 1,
                      allocated_to=allocated_to)
        return self.last

    def apply_number_allocated(self, event: NumberAllocated) -> None:
        self.last = event.number


class Counter(Sequence):
    """A window's tickets of one day: also remembers who holds each number, for the queue (a
    day's queue at one window is short, so it is replayed whole)."""

    def __init__(self, counter_id: UUID) -> None:
        super().__init__(counter_id)
        self.allocations: list[NumberAllocated] = []

    def apply_number_allocated(self, event: NumberAllocated) -> None:
        super().apply_number_allocated(event)
        self.allocations.append(event)
