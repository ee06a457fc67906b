"""How long this site keeps a case's personal data, and its shredding on the record.

`CaseRetention` (one per case, keyed apart from the case so that a case that never gets routed
has one too) notes what this site's exchange sees of the case: its matter, the kinds of personal
data its events hold, the files attached at the window, and the day it ended (办结, 不予受理,
终止). The case's own aggregate here (`RoutedCase`, or an `UnroutedCase` for a case that ended at
the window before it was routed) records `PersonalDataDestroyed`, which is carried to its parties.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid5

from pydantic import Field

from contracts.base import DomainEvent
from contracts.files import FilesRemoved
from contracts.personal import DATA_KINDS
from contracts.routing import PersonalDataDestroyed
from services.runtime.aggregate import Aggregate, Context, DomainError
from services.runtime.workdays import china_date

RETENTION = UUID("0f8b7a3e-52c4-4d0a-9e61-3b7d2f9c4a15")  # the namespace of retentions' ids


class PersonalDataNoted(DomainEvent):
    """Private bookkeeping, never published: what this site holds of the case (no value)."""

    service = "routing"
    published = False
    of_case: UUID
    matter_code: str | None = None
    kinds: list[str] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)
    routed: bool = False


class PersonalDataRetentionStarted(DomainEvent):
    """Private bookkeeping: the case ended; its personal data is kept until then."""

    service = "routing"
    published = False
    ended_by: str
    keep_until: date


class PersonalDataShredded(DomainEvent):
    """Private bookkeeping: the keys are destroyed here; nothing is left to watch."""

    service = "routing"
    published = False
    basis: str


class CaseStillOpen(DomainError):
    def __init__(self) -> None:
        super().__init__("办件尚未办结（或本地尚不知其办结），不能删除其个人信息")


class AlreadyShredded(DomainError):
    def __init__(self) -> None:
        super().__init__("该办件的个人信息已在本地销毁")


class CaseRetention(Aggregate):
    def __init__(self, aggregate_id: Any) -> None:
        super().__init__(aggregate_id)
        self.of_case: UUID | None = None
        self.matter_code: str | None = None
        self.kinds: list[str] = []
        self.files: list[str] = []
        self.routed = False
        self.keep_until: date | None = None
        self.shredded = False

    @staticmethod
    def id_for(case_id: UUID) -> UUID:
        return uuid5(RETENTION, str(case_id))

    @classmethod
    def of(cls, case_id: UUID) -> CaseRetention:
        return cls(cls.id_for(case_id))

    def note(self, event: DomainEvent, ctx: Context) -> None:
        """Whatever the event adds to what is known: a matter, kinds of data, files, routing."""
        matter = getattr(event, "matter_code", None)
        kinds = sorted({DATA_KINDS.get(n, n) for n in type(event).personal
                        if getattr(event, n) is not None} - set(self.kinds))
        file = getattr(event, "file", None)
        files = [file.sha256] if file is not None and file.sha256 not in self.files else []
        routed = event.name in ("case_routed", "case_admitted") and not self.routed
        if self.version == 0 or kinds or files or routed or (matter and not self.matter_code):
            self._trigger(PersonalDataNoted, ctx, case_number=event.case_number,
                          of_case=event.case_id, matter_code=matter or self.matter_code,
                          kinds=kinds, files=files, routed=routed or self.routed)

    def start(self, ended: DomainEvent, keep_days: int, ctx: Context) -> None:
        if self.keep_until is None and not self.shredded:
            until = china_date(ended.occurred_at) + timedelta(days=keep_days)
            self._trigger(PersonalDataRetentionStarted, ctx, ended_by=ended.name,
                          keep_until=until)

    def check_may_erase(self) -> None:
        if self.shredded:
            raise AlreadyShredded()
        if self.keep_until is None:
            raise CaseStillOpen()

    def mark_shredded(self, basis: str, ctx: Context) -> None:
        self._trigger(PersonalDataShredded, ctx, basis=basis)

    def apply_personal_data_noted(self, event: PersonalDataNoted) -> None:
        self.of_case, self.matter_code = event.of_case, event.matter_code
        self.kinds = sorted({*self.kinds, *event.kinds})
        self.files = [*self.files, *event.files]
        self.routed = event.routed

    def apply_personal_data_retention_started(self, event: PersonalDataRetentionStarted) -> None:
        self.keep_until = event.keep_until

    def apply_personal_data_shredded(self, event: PersonalDataShredded) -> None:
        self.shredded = True


class Shredding:
    """The case's record of shredding at this site, mixed into its aggregate here."""

    personal_data_destroyed: PersonalDataDestroyed | None = None

    def record_destroyed(self, retention: CaseRetention, basis: str, legal_basis: str | None,
                         following: str | None, ctx: Context) -> None:
        self._trigger(PersonalDataDestroyed, ctx,  # type: ignore[attr-defined]
                      case_number=retention.case_number, kinds=retention.kinds, basis=basis,
                      kept_until=retention.keep_until if basis == "retention" else None,
                      legal_basis=legal_basis, following=following)

    def record_files_gone(self, retention: CaseRetention, hashes: list[str], kept_until: date,
                          ctx: Context) -> None:
        self._trigger(FilesRemoved, ctx,  # type: ignore[attr-defined]
                      case_number=retention.case_number, hashes=hashes, kept_until=kept_until)

    def apply_personal_data_destroyed(self, event: PersonalDataDestroyed) -> None:
        self.personal_data_destroyed = event


class UnroutedCase(Shredding, Aggregate):
    """A case that ended at this window before it was routed (不予受理, say): routing keeps
    only the record of its shredding."""

    def apply_files_removed(self, event: FilesRemoved) -> None:
        pass  # a fact for the audit trail
