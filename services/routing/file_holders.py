"""Which cases here hold a file: one aggregate per file, keyed by its hash, so that removing
a case's files asks only the other holders of each file whether they still keep it, instead
of every case this site ever received."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from contracts.base import DomainEvent
from services.runtime.aggregate import Aggregate, Context

FILES = UUID("5d0c8a35-1b6e-4f0e-9d2a-7c3f6b1e2a90")  # the namespace of file holders' ids


class FileHeld(DomainEvent):
    """Private bookkeeping, never published: a case here holds this file."""

    service = "routing"
    published = False
    sha256: str
    holder: UUID


class FileHolders(Aggregate):
    def __init__(self, aggregate_id: Any) -> None:
        super().__init__(aggregate_id)
        self.holders: list[UUID] = []

    @staticmethod
    def id_for(sha256: str) -> UUID:
        return uuid5(FILES, sha256)

    def hold(self, sha256: str, case_id: UUID, case_number: str, ctx: Context) -> None:
        if case_id not in self.holders:
            self._trigger(FileHeld, ctx, case_number=case_number, sha256=sha256, holder=case_id)

    def others(self, case_id: UUID) -> list[UUID]:
        """The other holders, latest first: the likeliest to keep the file still."""
        return [h for h in reversed(self.holders) if h != case_id]

    def apply_file_held(self, event: FileHeld) -> None:
        self.holders.append(event.holder)
