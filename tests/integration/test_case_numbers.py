"""Case numbers come from a sequence per site and year: distinct by construction, in order,
continued after a restart, and taking the next one reads one stored event however many
were given before."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from contracts.base import Actor
from contracts.identity import Person
from services.intake.application import Intake, OpenCase
from services.runtime.host import ServiceHost
from services.runtime.settings import for_service
from services.runtime.workdays import WorkCalendar
from tests.support.clock import FakeClock

YANTAI = "370671"
CLERK = Actor(staff_id="370671-W01", role="window")
WANG_QIANG = Person(name="王强", id_number="370602198803141233", phone="13805351234")
GT_CHANGE = OpenCase(matter_code="370202GT0001", applicant=WANG_QIANG)


@pytest.fixture
def window(tmp_path: Path) -> Iterator[Callable[[FakeClock], Intake]]:
    """The window's application on a SQLite store in tmp_path; each call is a (re)start."""
    hosts: list[ServiceHost] = []

    def start(clock: FakeClock) -> Intake:
        for host in hosts:
            host.store.close()
        hosts.append(ServiceHost("intake", for_service("intake", site=YANTAI,
                                                       data_dir=tmp_path / "data"), clock))
        return Intake(hosts[-1], hosts[-1].directory, WorkCalendar())

    yield start
    hosts[-1].store.close()


def sequence_numbers(numbers: list[str]) -> list[int]:
    return [int(n[-7:]) for n in numbers]


def test_ten_thousand_case_numbers_in_a_row_are_distinct_in_order_and_continue_after_a_restart(
    window: Callable[[FakeClock], Intake],
) -> None:
    clock = FakeClock()
    intake = window(clock)
    numbers = [intake.open_case(GT_CHANGE, CLERK, uuid4()).case_number for _ in range(10_000)]
    assert len(set(numbers)) == 10_000
    assert sequence_numbers(numbers) == list(range(1, 10_001))
    assert numbers[0] == "370671202611260000001"

    after_restart = window(clock).open_case(GT_CHANGE, CLERK, uuid4())
    assert after_restart.case_number == "370671202611260010001"


def test_a_new_year_starts_the_case_numbers_again_at_one(
    window: Callable[[FakeClock], Intake],
) -> None:
    clock = FakeClock(datetime(2026, 12, 31, 15, 59, tzinfo=UTC))  # 23:59 on 31 Dec in China
    intake = window(clock)
    last_of_2026 = [intake.open_case(GT_CHANGE, CLERK, uuid4()).case_number for _ in range(3)]
    clock.now = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # midnight in China: 2027
    first_of_2027 = intake.open_case(GT_CHANGE, CLERK, uuid4()).case_number
    assert last_of_2026[-1] == "370671202612310000003"
    assert first_of_2027 == "370671202701010000001"


def test_taking_a_number_reads_one_stored_event_however_many_were_given(
    window: Callable[[FakeClock], Intake], monkeypatch: pytest.MonkeyPatch,
) -> None:
    intake = window(FakeClock())
    sequence = "acceptance:2026"
    for _ in range(500):
        numbered = intake.sequence(sequence)
        numbered.allocate(uuid4(), intake.ctx(CLERK, uuid4()))
        intake.host.store.record(numbered)

    read = count_events_read(intake.host.store.recorder, monkeypatch)
    assert intake.sequence(sequence).last == 500
    assert read == [1]


def count_events_read(recorder: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many stored events each read of the library's recorder returned."""
    reads: list[int] = []
    select_events = recorder.select_events

    def counted(*args: Any, **kwargs: Any) -> Any:
        events = select_events(*args, **kwargs)
        reads.append(len(events))
        return events

    monkeypatch.setattr(recorder, "select_events", counted)
    return reads
