"""The legal clock at the business site, in working days: pauses, resumes, extensions, and the
two warnings raised once each."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from contracts.base import Actor
from services.approval.clock import ClockAlreadyPaused, ExtensionBeyondNorms
from services.approval.domain import ApprovalCase
from services.runtime.aggregate import Context
from services.runtime.workdays import WorkCalendar
from tests.support.events import sample

CALENDAR = WorkCalendar()
APPROVER = Actor(staff_id="370202-A07", role="approver")


def on(day: int, month: int = 11, year: int = 2026) -> Context:
    return Context("370202", APPROVER, datetime(year, month, day, 2, 0, tzinfo=UTC))


def received() -> ApprovalCase:
    """王强's licence change, accepted in Yantai on Thursday 26 November 2026, 3 working days."""
    admitted = sample("routing.case_admitted.v1")
    assert (admitted.accepted_on, admitted.promised_days) == (date(2026, 11, 26), 3)  # type: ignore[attr-defined]
    case = ApprovalCase.receive(admitted, on(26), CALENDAR)  # type: ignore[arg-type]
    case.claim(on(26))
    return case


def test_the_clock_starts_at_acceptance_and_does_not_count_that_day() -> None:
    assert received().due == date(2026, 12, 1)  # Fri 27, Mon 30, Tue 1


def test_a_supplement_stops_the_clock_for_the_working_days_it_takes() -> None:
    case = received()
    case.request_supplement(["租赁合同需加盖出租方公章"], on(27))
    case.resume(CALENDAR, on(2, 12))  # Mon 30 Nov, Tue 1 and Wed 2 Dec: 3 working days paused
    assert case.paused_days == 3
    assert case.due == date(2026, 12, 4)


def test_a_special_procedure_stops_the_clock_and_a_second_pause_waits_for_the_first() -> None:
    case = received()
    case.start_special_procedure("inspection", 3, "需现场核查经营场所，约需3个工作日", on(30))
    with pytest.raises(ClockAlreadyPaused):
        case.request_supplement(["补充消防意见"], on(30))
    case.end_special_procedure("现场核查合格", CALENDAR, on(3, 12))  # Tue 1, Wed 2, Thu 3
    assert case.due == date(2026, 12, 4)
    names = [e.name for e in case.collect_events()]
    assert names[-4:] == ["special_procedure_started", "clock_paused",
                          "special_procedure_ended", "clock_resumed"]
    assert "supplement_requested" not in names, "a refused command records nothing"


def test_an_extension_adds_working_days_with_the_heads_approval() -> None:
    case = received()
    case.extend(5, "需补充消防意见", "370202-H01", CALENDAR, on(30))
    assert case.due == date(2026, 12, 8)  # 3 + 5 working days from 26 November


def test_an_extension_beyond_what_the_norms_allow_is_refused() -> None:
    case = received()
    assert case.max_days == 15 + 10  # statutory limit + the ten days Art 42 allows
    with pytest.raises(ExtensionBeyondNorms):
        case.extend(23, "材料复杂", "370202-H01", CALENDAR, on(30))


def test_the_deadline_warning_and_the_overdue_notice_are_raised_once_each() -> None:
    case = received()
    assert case.tick(CALENDAR, 2, on(26)) == 0  # three working days left
    assert case.tick(CALENDAR, 2, on(27)) == 1  # two left: DeadlineApproaching
    assert case.tick(CALENDAR, 2, on(30)) == 0
    assert case.tick(CALENDAR, 2, on(2, 12)) == 1  # past 1 December: CaseOverdue
    assert case.tick(CALENDAR, 2, on(9, 12)) == 0
    names = [e.name for e in case.collect_events()]
    assert names.count("deadline_approaching") == names.count("case_overdue") == 1


def test_a_paused_clock_raises_nothing() -> None:
    case = received()
    case.request_supplement(["租赁合同需加盖出租方公章"], on(27))
    assert case.tick(CALENDAR, 2, on(10, 12)) == 0


def test_a_provisional_due_date_is_computed_again_once_its_year_is_configured() -> None:
    # 2054-2055: years the calendar package will not know for decades (weekdays as 2026-2027).
    late_december = sample("routing.case_admitted.v1", accepted_on="2054-12-21",
                           promised_days=20, statutory_days=20)
    case = ApprovalCase.receive(late_december, on(21, 12, 2054), CALENDAR)  # type: ignore[arg-type]
    assert (case.due, case.provisional) == (date(2055, 1, 19), True)
    assert case.tick(CALENDAR, 2, on(22, 12, 2054)) == 0  # nothing known yet about 2055

    configured = WorkCalendar(holidays=[date(2055, 1, 1), date(2055, 1, 18)],
                              configured_years=[2054, 2055])
    assert case.tick(configured, 2, on(23, 12, 2054)) == 1
    assert (case.due, case.provisional) == (date(2055, 1, 20), False)
    assert case.tick(configured, 2, on(24, 12, 2054)) == 0
