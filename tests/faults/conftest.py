"""The fault suite's tables, printed at the end of the run (in `make test` and `make faults`)."""

from __future__ import annotations

import pytest

TABLES: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for table in TABLES:
        terminalreporter.write_line(table)
