"""The fault suite's two sites, and its tables, printed at the end of the run (in `make test`
and `make faults`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.runtime.nats_server import LocalNatsServer
from tests.faults.hostile import QINGDAO, YANTAI
from tests.support.stack import Stack, settings_factory

TABLES: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for table in TABLES:
        terminalreporter.write_line(table)


@pytest.fixture
async def two_sites_sqlite(nats_server: LocalNatsServer, tmp_path: Path) -> AsyncIterator[Stack]:
    """The five services of Yantai and Qingdao in the test's loop, on SQLite; a scenario may
    stop them itself to read their stores."""
    stack = Stack(settings_factory(nats_server, {"data_dir": tmp_path / "data"}))
    await stack.start([YANTAI, QINGDAO])
    yield stack
    if not all(h.store.closed for h in stack.hosts.values()):
        await stack.stop()
