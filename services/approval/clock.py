"""The legal clock of a case at the business site (NORMS: 行政许可法 Arts 32, 42, 45, 82).

It starts at acceptance, the day itself not counted, and runs in working days of the real
calendar; it pauses for a supplement (补正) or a special procedure and resumes after; an
extension adds days with the head's approval, never past what the norms allow. The due date is
computed again at every pause, resume and extension; DeadlineApproaching and CaseOverdue are
events, each raised once per case, so a restart between them repeats neither.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from contracts.approval import (
    CaseOverdue,
    ClockPaused,
    ClockResumed,
    DeadlineApproaching,
    DeadlineExtended,
    DueDateRecomputed,
)
from services.runtime.aggregate import Aggregate, Context, DomainError
from services.runtime.workdays import WorkCalendar, china_date

EXTENSION_DAYS = {False: 10, True: 15}  # Art 42: +10; joint or centralised handling +15


class ClockAlreadyPaused(DomainError):
    def __init__(self) -> None:
        super().__init__("时限已暂停，须先恢复")


class ClockNotPaused(DomainError):
    def __init__(self) -> None:
        super().__init__("时限未暂停，无需恢复")


class ExtensionBeyondNorms(DomainError):
    status = 422
    field = "extra_days"

    def __init__(self, most: int) -> None:
        super().__init__(f"延长后超过法定可延长的期限（最多共 {most} 个工作日）")


class LegalClock(Aggregate):
    def __init__(self, case_id: Any) -> None:
        super().__init__(case_id)
        self.accepted_on: date | None = None
        self.limit_days = self.max_days = self.paused_days = 0
        self.paused: ClockPaused | None = None
        self.due: date | None = None
        self.provisional = False
        self.approaching_noted = self.overdue_noted = False

    @property
    def decided(self) -> bool:
        raise NotImplementedError

    @property
    def receiving_site_of_case(self) -> str:
        raise NotImplementedError

    def check_running(self) -> None:
        if self.paused is not None:
            raise ClockAlreadyPaused()

    def pause(self, cause: Literal["supplement", "special_procedure"], detail: str,
              ctx: Context) -> None:
        self.check_running()
        self._trigger(ClockPaused, ctx, cause=cause, detail=detail)

    def resume(self, calendar: WorkCalendar, ctx: Context) -> None:
        if self.paused is None:
            raise ClockNotPaused()
        days = calendar.between(china_date(self.paused.occurred_at), china_date(ctx.at))
        due = self._due(calendar, self.limit_days, self.paused_days + days)
        self._trigger(ClockResumed, ctx, paused_working_days=days, due_date=due.day,
                      due_provisional=due.provisional)

    def extend(self, extra_days: int, reason: str, approved_by: str, calendar: WorkCalendar,
               ctx: Context) -> None:
        if self.limit_days + extra_days > self.max_days:
            raise ExtensionBeyondNorms(self.max_days)
        due = self._due(calendar, self.limit_days + extra_days, self.paused_days)
        self._trigger(DeadlineExtended, ctx, extra_days=extra_days, reason=reason,
                      approved_by=approved_by, due_date=due.day, due_provisional=due.provisional,
                      receiving_site=self.receiving_site_of_case)

    def tick(self, calendar: WorkCalendar, lead_days: int, ctx: Context) -> int:
        """Fired by the scheduler: raises what is due now and was not raised before."""
        if self.decided or self.paused is not None or self.due is None:
            return 0
        today, raised = china_date(ctx.at), self.recompute_if_known(calendar, ctx)
        left = calendar.between(today, self.due) if today <= self.due else 0
        if left <= lead_days and not self.approaching_noted:
            self._trigger(DeadlineApproaching, ctx, due_date=self.due, working_days_left=left)
            raised += 1
        if today > self.due and not self.overdue_noted:
            self._trigger(CaseOverdue, ctx, due_date=self.due)
            raised += 1
        return raised

    def recompute_if_known(self, calendar: WorkCalendar, ctx: Context) -> int:
        """A provisional date whose year the calendar now knows is computed again, once."""
        if not self.provisional or self.due is None:
            return 0
        due = self._due(calendar, self.limit_days, self.paused_days)
        if due.provisional:
            return 0
        self._trigger(DueDateRecomputed, ctx, previous_due_date=self.due, due_date=due.day,
                      due_provisional=False)
        return 1

    def next_check(self, calendar: WorkCalendar, lead_days: int) -> date | None:
        """The first day on which `tick` would raise something, or None while it never would:
        the scheduler reads only the cases whose day has come."""
        if self.decided or self.paused is not None or self.due is None:
            return None
        if not self.approaching_noted:
            return warning_day(calendar, self.due, lead_days)
        return None if self.overdue_noted else self.due + timedelta(days=1)

    def working_days_left(self, calendar: WorkCalendar, today: date) -> int:
        """Negative when overdue, for the approver's queue."""
        return working_days_left(calendar, self.due, today)

    def _due(self, calendar: WorkCalendar, limit: int, paused: int) -> Any:
        assert self.accepted_on is not None
        return calendar.due(self.accepted_on, limit + paused)

    def apply_clock_paused(self, event: ClockPaused) -> None:
        self.paused = event

    def apply_clock_resumed(self, event: ClockResumed) -> None:
        self.paused = None
        self.paused_days += event.paused_working_days
        self.due, self.provisional = event.due_date, event.due_provisional

    def apply_deadline_extended(self, event: DeadlineExtended) -> None:
        self.limit_days += event.extra_days
        self.due, self.provisional = event.due_date, event.due_provisional

    def apply_due_date_recomputed(self, event: DueDateRecomputed) -> None:
        self.due, self.provisional = event.due_date, event.due_provisional

    def apply_deadline_approaching(self, event: DeadlineApproaching) -> None:
        self.approaching_noted = True

    def apply_case_overdue(self, event: CaseOverdue) -> None:
        self.overdue_noted = True


def working_days_left(calendar: WorkCalendar, due: date | None, today: date) -> int:
    """Working days from today to the due date; negative when overdue."""
    if due is None:
        return 0
    if today <= due:
        return calendar.between(today, due)
    return -calendar.between(due, today)


def warning_day(calendar: WorkCalendar, due: date, lead_days: int) -> date:
    """The first day with at most `lead_days` working days left before `due` (tick's rule),
    walking back from the due date to the working day before the last `lead_days` ones."""
    day, left = due, 0
    for _ in range(366):
        left += calendar.is_working_day(day)  # now: working days after day - 1 up to due
        if left > lead_days:
            return day
        day -= timedelta(days=1)
    return day
