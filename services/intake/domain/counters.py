"""Numbers handed out in sequence (queue tickets per window per day, acceptance numbers per
year): one small aggregate per sequence, so two clerks never get the same number."""

from __future__ import annotations

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


class Counter(Aggregate):
    def __init__(self, counter_id: UUID) -> None:
        super().__init__(counter_id)
        self.allocations: list[NumberAllocated] = []

    @staticmethod
    def id_for(site: str, sequence: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"tongban:{site}:counter:{sequence}")

    @classmethod
    def start(cls, site: str, sequence: str) -> Counter:
        counter = cls(cls.id_for(site, sequence))
        counter.case_number = sequence
        return counter

    def allocate(self, allocated_to: UUID, ctx: Context) -> int:
        number = len(self.allocations) + 1
        self._trigger(NumberAllocated, ctx, sequence=self.case_number, number=number,
                      allocated_to=allocated_to)
        return number

    def apply_number_allocated(self, event: NumberAllocated) -> None:
        self.allocations.append(event)
