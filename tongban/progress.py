"""Progress of long CLI work (ledger verify, rebuild, refill from streams): a `rich` bar on
the terminal's stderr, nothing at all when stderr is not a terminal (a pipe, a log, cron) or
with `--quiet`, so what scripts read on stdout never changes."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)

Advance = Callable[[int], None]
"""Told how far the work has come (an absolute count, not a step), as often as it likes."""


Bar = Callable[[str, int], AbstractContextManager[Advance]]
"""Opens a bar for some work: its description and total."""


def _ignore(done: int) -> None:
    return None


@contextmanager
def no_bar(description: str, total: int) -> Iterator[Advance]:
    yield _ignore


def bars(quiet: bool) -> Bar:
    """What the CLI passes the ledger tools: bars on a terminal unless `--quiet`."""
    return lambda description, total: progress_bar(description, total, quiet)


@contextmanager
def progress_bar(description: str, total: int, quiet: bool = False) -> Iterator[Advance]:
    """`total`: what `done` reaches at the end (events, records, messages)."""
    if quiet or not sys.stderr.isatty():
        yield _ignore
        return
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TaskProgressColumn(), TimeRemainingColumn(),
                   console=Console(file=sys.stderr))
    task = bar.add_task(description, total=total or None)
    with bar:
        yield lambda done: bar.update(task, completed=done)
