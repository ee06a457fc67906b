"""One clock for every service a test starts, so that no test depends on the day it runs.

- `FakeClock`: time stands still until the test moves it (in-process services).
- `RunningClock`: time runs from a fixed day, so events keep their order; a service started as
  its own process runs on it through `TB_<SERVICE>_CLOCK_SHIFT_SECONDS`.
- `FileClock`: time stands still in a file that services in other processes read
  (`TB_<SERVICE>_CLOCK_FILE`), and the test moves it for all of them at once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from services.runtime.host import utc_now

# Thursday 26 November 2026, 09:30 in China: an ordinary working day, far from any holiday.
THURSDAY_MORNING = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)


class FakeClock:
    """Time the test moves by hand."""

    def __init__(self, now: datetime = THURSDAY_MORNING) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class RunningClock:
    """The system clock shifted to a fixed day: time runs, the date does not depend on today.
    The same sum as a service's own clock with `clock_shift_seconds` (`clock_for`)."""

    def __init__(self, start: datetime = THURSDAY_MORNING) -> None:
        self.shift = start - utc_now()

    def __call__(self) -> datetime:
        return utc_now() + self.shift

    def env(self, *services: str) -> dict[str, str]:
        """The settings that put services in other processes on this clock."""
        seconds = str(self.shift.total_seconds())
        return {f"TB_{service.upper()}_CLOCK_SHIFT_SECONDS": seconds for service in services}


class FileClock:
    """Time kept in a file, shared with services in other processes."""

    def __init__(self, path: Path, now: datetime = THURSDAY_MORNING) -> None:
        self.path = path
        self.set(now)

    def set(self, now: datetime) -> None:
        self.path.write_text(now.isoformat())

    def __call__(self) -> datetime:
        return datetime.fromisoformat(self.path.read_text().strip())

    def env(self, *services: str) -> dict[str, str]:
        """The settings that put services in other processes on this clock."""
        return {f"TB_{service.upper()}_CLOCK_FILE": str(self.path) for service in services}
