"""Working days (工作日) by the real calendar: statutory holidays and the State Council's make-up
working days (调休) from the chinese-calendar package, overridable per site.

Counting follows the Civil Code (Arts 201-203): the start day is not counted, so `add(d, 3)` is
the third working day after d. Dates are China's calendar dates (UTC+8, no daylight saving).

The package knows only the years whose arrangement the State Council has published. For a later
year the rule is: weekends off, the statutory holidays on fixed solar dates off, and whatever the
site configures; a date computed that way is provisional and is computed again once the year's
data is installed or configured.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import chinese_calendar
import structlog

from services.runtime.settings import ServiceSettings

CHINA = timezone(timedelta(hours=8), "CST")
# Statutory holidays on fixed solar dates, for years whose arrangement is not yet published:
# 元旦, 劳动节 (two days since 2025), 国庆节. Lunar holidays need the published arrangement.
FIXED_HOLIDAYS = ((1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3))
log = structlog.get_logger()


def china_date(at: datetime) -> date:
    return at.astimezone(CHINA).date()


@dataclass(frozen=True)
class DueDate:
    day: date
    provisional: bool  # some day on the way fell in a year the calendar does not know


class WorkCalendar:
    def __init__(self, holidays: Iterable[date] = (), working_days: Iterable[date] = (),
                 configured_years: Iterable[int] = ()) -> None:
        """`holidays` and `working_days` override the package for this site; a year listed in
        `configured_years` is taken as fully configured, so its dates are not provisional."""
        self.holidays, self.working_days = frozenset(holidays), frozenset(working_days)
        self.configured_years = frozenset(configured_years)
        self._warned_years: set[int] = set()

    @property
    def fingerprint(self) -> str:
        """What the days it counts depend on: the package's data and the site's own days."""
        return json.dumps([chinese_calendar.__version__, sorted(map(str, self.holidays)),
                           sorted(map(str, self.working_days)), sorted(self.configured_years)])

    def knows(self, year: int) -> bool:
        if year in self.configured_years:
            return True
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def due(self, start: date, working_days: int) -> DueDate:
        """`add`, and whether the answer rests on the fallback rule."""
        end = self.add(start, working_days)
        years = range(start.year, end.year + 1)
        return DueDate(end, provisional=not all(self.knows(y) for y in years))

    def is_working_day(self, day: date) -> bool:
        if day in self.holidays:
            return False
        if day in self.working_days:
            return True
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:  # the year's arrangement is not published yet
            if day.year not in self._warned_years:
                self._warned_years.add(day.year)
                log.warning("calendar_year_unknown", year=day.year, fallback="monday_to_friday")
            return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS

    def add(self, start: date, working_days: int) -> date:
        """The day on which a limit of `working_days` counted from `start` ends."""
        day = start
        remaining = working_days
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


def calendar_for(settings: ServiceSettings) -> WorkCalendar:
    """The site's calendar: the package, then what the site's settings add."""
    return WorkCalendar(settings.calendar_holidays, settings.calendar_working_days,
                        settings.calendar_configured_years)
