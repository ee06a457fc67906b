"""A case file in the ledger: every event seen about the case, kept as received, in the order
received; and the archiving (资料归档) of the file once the receiving window completed the case."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from contracts.base import DomainEvent
from contracts.intake import CaseCompleted
from contracts.ledger import CaseArchived
from services.runtime.aggregate import Aggregate, Context
from services.runtime.mapper import decode_event


class EventObserved(DomainEvent):
    """Private bookkeeping of the ledger, never published: one event seen on one stream."""

    service = "ledger"
    published = False
    stream: str
    stream_seq: int
    subject: str
    observed_type: str
    observed_json: str

    @cached_property
    def observed(self) -> DomainEvent:
        return decode_event(self.observed_type, self.observed_json.encode())


class CaseFile(Aggregate):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.entries: list[EventObserved] = []
        self.archived = False

    def observe(self, event: DomainEvent, stream: str, seq: int, subject: str, raw: bytes,
                ctx: Context) -> None:
        self._trigger(
            EventObserved, ctx, case_number=event.case_number, stream=stream, stream_seq=seq,
            subject=subject, observed_type=event.type_key(), observed_json=raw.decode(),
        )
        if isinstance(event, CaseCompleted) and event.acting_site == ctx.site:
            self.archive(ctx)

    def archive(self, ctx: Context) -> None:
        if not self.archived:
            self._trigger(CaseArchived, ctx, event_count=len(self.entries))

    def timeline(self) -> list[DomainEvent]:
        """Events in the order they happened; ties keep the order the ledger saw them in."""
        return sorted((e.observed for e in self.entries), key=lambda e: e.occurred_at)

    def apply_event_observed(self, event: EventObserved) -> None:
        self.entries.append(event)

    def apply_case_archived(self, event: CaseArchived) -> None:
        self.archived = True
