"""A case file in the ledger: every event seen about the case, kept as received, in the order
received; the auditor's views of the case folded from them; and the archiving (资料归档) of the
file once the receiving window completed the case.

A message needs only the file's version, whether it is archived and its views, not its entries:
`CaseFile.resumed` takes them from the file's read rows, so a message costs the same whatever
the file's length. Replayed from its events, a file folds the very same views."""

from __future__ import annotations

from functools import cached_property
from typing import Any
from uuid import UUID

from pydantic import Field

from contracts.base import DomainEvent
from contracts.intake import CaseCompleted
from contracts.ledger import CaseArchived, PersonalDataRead
from services.ledger.projections import CaseViews
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
    seal: dict[str, str] = Field(default_factory=dict)  # as it arrived: see contracts.seal
    holders: dict[str, str] = Field(default_factory=dict)  # role → blind index of a number

    @cached_property
    def observed(self) -> DomainEvent:
        return decode_event(self.observed_type, self.observed_json.encode())


class CaseFile(Aggregate):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.entries: list[EventObserved] = []  # only when replayed from its events
        self.observed = 0
        self.archived = False
        self.views = CaseViews(self.id)

    @classmethod
    def resumed(cls, case_id: UUID, case_number: str, version: int, observed: int,
                archived: bool, views: CaseViews) -> CaseFile:
        """The file as its read rows keep it: enough to observe the next event."""
        file = cls(case_id)
        file.case_number, file.version, file.observed = case_number, version, observed
        file.archived, file.views = archived, views
        return file

    def observe(self, event: DomainEvent, stream: str, seq: int, subject: str, raw: bytes,
                seal: dict[str, str], ctx: Context, archiving: bool = True,
                holders: dict[str, str] | None = None) -> None:
        """`holders`: the blind indexes of the numbers the event names, by role, worked out
        by the ledger while it can open the event (kept, so a replay needs no key)."""
        self._trigger(
            EventObserved, ctx, case_number=event.case_number, stream=stream, stream_seq=seq,
            subject=subject, observed_type=event.type_key(), observed_json=raw.decode(),
            seal=seal, observed=event, holders=holders or {},
        )
        if archiving and isinstance(event, CaseCompleted) and event.acting_site == ctx.site:
            self.archive(ctx)

    def archive(self, ctx: Context) -> None:
        if not self.archived:
            self._trigger(CaseArchived, ctx, event_count=self.observed)

    def read_personal_data(self, fields: list[str], reason: str, ctx: Context) -> None:
        self._trigger(PersonalDataRead, ctx, fields=fields, reason=reason)

    def fold(self, event: DomainEvent) -> None:
        """Apply one stored event of this file (a rebuild folding the whole log)."""
        self._apply(event)

    def apply_event_observed(self, event: EventObserved) -> None:
        self.entries.append(event)
        self.observed += 1
        self.views.apply(event.observed, event.holders)

    def apply_case_archived(self, event: CaseArchived) -> None:
        self.archived = True

    def apply_personal_data_read(self, event: PersonalDataRead) -> None:
        pass  # a fact for the audit trail; the file itself does not change


class FileSummary(CaseFile):
    """A file folded for its views only, without its entries: what a rebuild holds per case."""

    def apply_event_observed(self, event: EventObserved) -> None:
        self.observed += 1
        self.views.apply(event.observed, event.holders)


def timeline(entries: list[EventObserved]) -> list[DomainEvent]:
    """Events in the order they happened; ties keep the order the ledger saw them in."""
    return sorted((e.observed for e in entries), key=lambda e: e.occurred_at)
