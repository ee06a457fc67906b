"""How long a party keeps a case's files: from the day the case ended for the configured
number of days, then they are removed here and the removal recorded. A file another case
still keeps stays."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from contracts.base import DomainEvent
from contracts.files import FileRef, FilesRemoved
from services.runtime.aggregate import Aggregate, Context
from services.runtime.workdays import china_date


class FileRetentionStarted(DomainEvent):
    """Private bookkeeping, never published: the case ended; its files are kept until then."""

    service = "routing"
    published = False
    keep_until: date


class FileRetention(Aggregate):
    files: dict[str, FileRef]

    def __init__(self, case_id: Any) -> None:
        super().__init__(case_id)
        self.keep_until: date | None = None
        self.files_removed = False

    def start_retention(self, ended: DomainEvent, keep_days: int, ctx: Context) -> None:
        if self.files and self.keep_until is None:
            until = china_date(ended.occurred_at) + timedelta(days=keep_days)
            self._trigger(FileRetentionStarted, ctx, keep_until=until)

    def retained(self, today: date) -> bool:
        return bool(self.files) and not self.files_removed and (
            self.keep_until is None or today <= self.keep_until)

    def expired(self, today: date) -> bool:
        return (bool(self.files) and not self.files_removed and self.keep_until is not None
                and today > self.keep_until)

    def record_removed(self, hashes: list[str], ctx: Context) -> None:
        assert self.keep_until is not None
        self._trigger(FilesRemoved, ctx, hashes=hashes, kept_until=self.keep_until)

    def apply_file_retention_started(self, event: FileRetentionStarted) -> None:
        self.keep_until = event.keep_until

    def apply_files_removed(self, event: FilesRemoved) -> None:
        self.files_removed = True
