"""One clock for every service a test starts, so that no test depends on the day it runs.

In-process services take a `FakeClock`; a service started as its own process reads a
`FileClock`'s file (`TB_<SERVICE>_CLOCK_FILE`), and the test's in-process services read the
same file, so both sides of a case always agree on the date.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

# Thursday 26 November 2026, 09:30 in China: an ordinary working day, far from any holiday.
THURSDAY_MORNING = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)


class FakeClock:
    """Time the test moves by hand."""

    def __init__(self, now: datetime = THURSDAY_MORNING) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class FileClock:
    """Time kept in a file, shared with services in other processes."""

    def __init__(self, path: Path, now: datetime = THURSDAY_MORNING) -> None:
        self.path = path
        self.set(now)

    def set(self, now: datetime) -> None:
        self.path.write_text(now.isoformat())

    def __call__(self) -> datetime:
        return datetime.fromisoformat(self.path.read_text().strip())
