"""The auditor's views of the ledger, folded per case: the timeline, the work ledger (工作台账),
the custody of its paper, time per leg, its ratings, the reads of its personal data and what
personal data it holds (a person's record).

`CaseViews` folds one case; a case file keeps it and the read side (`services.ledger.read_side`)
stores its rows with the file's events. `Projector` folds the whole log again from nothing, in
memory, for `tongban ledger rebuild` to compare with the rows kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from contracts.base import DomainEvent
from services.ledger.projections.base import Projection, Row
from services.ledger.projections.case_views import Custody, Legs, Timeline
from services.ledger.projections.evaluation import PersonalDataReads, Ratings
from services.ledger.projections.personal_record import PersonalRecord
from services.ledger.projections.work_ledger import WorkLedger

if TYPE_CHECKING:
    from collections.abc import Callable

    from services.ledger.domain import CaseFile
    from services.runtime.store import CaseStore

__all__ = ["CaseViews", "Projector", "Row"]

PER_CASE = ("timeline", "work_ledger", "custody", "legs", "personal_record")  # one row per case, keyed by its id
PER_ENTRY = ("ratings", "personal_data_reads")  # several per case, keyed by their event


class CaseViews:
    """Every view of one case, folded one event at a time in any order to the same rows."""

    def __init__(self, case_id: UUID) -> None:
        self.key = str(case_id)
        self.folds: dict[str, Projection] = {p.name: p for p in (
            Timeline(), WorkLedger(), Custody(), Legs(), Ratings(), PersonalDataReads(),
            PersonalRecord())}

    @classmethod
    def of(cls, case_id: UUID, kept: dict[str, Row | None]) -> CaseViews:
        """The views as their rows keep them (`kept[name]`, None for a view without a row)."""
        views = cls(case_id)
        for name, row in kept.items():
            if row is not None and name in PER_CASE:
                views.folds[name].rows[views.key] = row
            elif row is not None:
                views.folds[name].rows.update(row["entries"])
        return views

    def apply(self, event: DomainEvent, holders: dict[str, str] | None = None) -> None:
        """Fold one event; `holders`: the blind indexes of the numbers it names, by role."""
        for fold in self.folds.values():
            fold.apply(event, 0)
        record = self.folds["personal_record"]
        assert isinstance(record, PersonalRecord)
        record.hold(event, holders or {})

    def row(self, name: str) -> Row | None:
        """The view's row of this case, or None while the case has none."""
        fold = self.folds[name]
        rows = fold.rows
        if name in PER_CASE:
            if self.key in rows:
                fold.finish({self.key})  # what is costly per event, once per row written
            return rows.get(self.key)
        return {"entries": rows} if rows else None


class Projector:
    """Every case file of a ledger folded from its log, from nothing, in recorded order."""

    def __init__(self) -> None:
        self.files: dict[UUID, CaseFile] = {}
        self.observed = 0

    def catch_up(self, store: CaseStore, batch: int = 1000,
                 progress: Callable[[int], None] | None = None) -> int:
        """Fold every stored event; returns how many records were read. `progress`: told the
        log position reached after each batch."""
        from services.ledger.domain import EventObserved, FileSummary  # the domain folds views
        from services.runtime.dead_letter_record import DeadLetterDropped, DeadLetterReplayed

        position = seen = 0
        while notifications := store.recorder.select_notifications(position + 1, batch):
            for n in notifications:
                event: Any = store.mapper.to_domain_event(n)  # opened with the site's keys
                if isinstance(event, DeadLetterReplayed | DeadLetterDropped):
                    continue  # an operator's handling of a dead letter, no case's file
                file = self.files.setdefault(event.case_id, FileSummary(event.case_id))
                file.fold(event)
                self.observed += isinstance(event, EventObserved)
            position, seen = notifications[-1].id, seen + len(notifications)
            if progress is not None:
                progress(position)
        return seen
