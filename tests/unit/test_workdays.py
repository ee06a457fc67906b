"""Working days by the real calendar, on real holiday periods."""

from __future__ import annotations

from datetime import date

from services.runtime.workdays import DueDate, WorkCalendar


def test_the_start_day_is_not_counted() -> None:
    assert WorkCalendar().add(date(2026, 11, 23), 1) == date(2026, 11, 24)  # Monday → Tuesday


def test_a_limit_across_the_2025_national_day_counts_the_make_up_saturday() -> None:
    # 1-8 October 2025 are holidays; Sunday 28 September and Saturday 11 October are worked.
    calendar = WorkCalendar()
    assert calendar.add(date(2025, 9, 30), 3) == date(2025, 10, 11)
    assert calendar.add(date(2025, 9, 30), 20) == date(2025, 11, 4)


def test_a_limit_across_the_2026_spring_festival_counts_the_make_up_saturdays() -> None:
    # 15-23 February 2026 are holidays; Saturdays 14 and 28 February are worked.
    calendar = WorkCalendar()
    assert calendar.add(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert calendar.add(date(2026, 2, 13), 3) == date(2026, 2, 25)


def test_a_limit_that_would_end_on_a_holiday_ends_on_the_next_working_day() -> None:
    # From Friday 26 September 2025: Sunday 28th (worked), Monday 29th, Tuesday 30th; the 4th
    # cannot be 1-8 October: it is Thursday 9 October.
    assert WorkCalendar().add(date(2025, 9, 26), 3) == date(2025, 9, 30)
    assert WorkCalendar().add(date(2025, 9, 26), 4) == date(2025, 10, 9)


# The unpublished years are 2054-2055 (the same weekdays as 2026-2027), far beyond what the
# chinese-calendar package publishes, so these tests hold on the day it learns 2027.
def test_a_limit_running_into_an_unpublished_year_is_provisional_by_the_fallback_rule() -> None:
    due = WorkCalendar().due(date(2054, 12, 21), 20)
    # Weekends off and 1 January off by the fixed-date rule: the 20th working day is 19 January.
    assert due == DueDate(date(2055, 1, 19), provisional=True)


def test_a_holiday_the_site_configures_moves_the_provisional_date() -> None:
    calendar = WorkCalendar(holidays=[date(2055, 1, 18)])
    assert calendar.due(date(2054, 12, 21), 20).day == date(2055, 1, 20)


def test_years_the_site_configures_in_full_are_no_longer_provisional() -> None:
    calendar = WorkCalendar(holidays=[date(2055, 1, 1)], configured_years=[2054, 2055])
    assert calendar.due(date(2054, 12, 21), 20) == DueDate(date(2055, 1, 19), provisional=False)
