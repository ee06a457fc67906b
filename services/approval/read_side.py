"""The business site's read table: one row per case received, kept with the case's events. The
queue and the inbox read the undecided rows a page at a time, the SLA counts read running
totals of decided cases and the open rows,
and the scheduler reads only the cases whose next deadline has come (or whose provisional due
date the calendar can now compute), a batch per tick, never every case."""

from __future__ import annotations

from datetime import date
from typing import Any

from contracts.approval import CaseReceived
from services.approval.domain import ApprovalCase
from services.runtime.projections import BY_STATUS, Projection, Query, Table, Totals, Value
from services.runtime.store import CaseStore
from services.runtime.workdays import WorkCalendar, china_date

NO_DUE_DATE = "9999-12-31"  # sorts a case without a due date after every dated one
SLA_STATES = ("on_time", "due_soon", "overdue", "decided_on_time", "decided_late")

DECIDED = Totals("by_outcome", ("department", "outcome"))  # decided cases over all history
APPROVAL_CASES = Table(
    "approval_cases",
    {"case_number": "TEXT", "matter_name": "TEXT", "department": "TEXT", "joint_role": "TEXT",
     "receiving_site": "TEXT", "received_at": "TEXT", "status": "TEXT", "claimant": "TEXT",
     "due_date": "TEXT", "due_sort": "TEXT", "due_provisional": "INTEGER", "paused": "INTEGER",
     "originals_outstanding": "TEXT", "outcome": "TEXT", "next_check": "TEXT",
     "provisional_due": "TEXT"},
    indexes=(("status", "due_sort", "case_number"), ("status", "received_at"),
             ("claimant", "status", "due_sort"), ("department", "status", "due_sort"),
             ("outcome", "department", "due_date"), ("next_check",), ("provisional_due",)),
    totals=(DECIDED, BY_STATUS))


def projections(calendar: WorkCalendar, lead_days: int) -> tuple[Projection, ...]:
    """The row of a case depends on the site's calendar: the day its warning is due."""
    return (Projection(APPROVAL_CASES, ApprovalCase, CaseReceived,
                       lambda case: case_row(case, calendar, lead_days),
                       depends_on=f"{calendar.fingerprint} lead_days={lead_days}"),)


def case_row(case: ApprovalCase, calendar: WorkCalendar, lead_days: int) -> dict[str, Value]:
    r, due = case.received, _iso(case.due)
    is_open = not case.decided and case.paused is None
    return {"case_number": r.case_number, "matter_name": r.matter_name,
            "department": r.department, "joint_role": r.joint_role,
            "receiving_site": r.receiving_site, "received_at": r.occurred_at.isoformat(),
            "status": case.status, "claimant": case.claimant, "due_date": due,
            "due_sort": due or NO_DUE_DATE, "due_provisional": int(case.provisional),
            "paused": int(case.paused is not None),
            "originals_outstanding": "、".join(case.originals_outstanding)
            if not case.decided and case.originals_outstanding else None,
            "outcome": _outcome(case), "next_check": _iso(case.next_check(calendar, lead_days)),
            "provisional_due": due if is_open and case.provisional else None}


def _outcome(case: ApprovalCase) -> str | None:
    """For the SLA counts: whether a decided case was decided by its due date."""
    if case.decision is None:
        return None
    decided_on = china_date(case.decision.occurred_at)
    return "decided_on_time" if case.due is None or decided_on <= case.due else "decided_late"


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def undecided(claimant: str | None = None, department: str | None = None) -> Query:
    query = Query(APPROVAL_CASES).filter("status", "=", "received")
    if claimant is not None:
        query = query.filter("claimant", "=", claimant)
    if department is not None:
        query = query.filter("department", "=", department)
    return query


def queue(limit: int, offset: int, claimant: str | None = None,
          department: str | None = None) -> Query:
    """Undecided cases, soonest due first."""
    return (undecided(claimant, department).ordered("due_sort", "case_number")
            .page(limit, offset))


def inbox(limit: int, offset: int) -> Query:
    """Undecided cases, oldest first."""
    return undecided().ordered("received_at").page(limit, offset)


def checks_due(today: date, limit: int) -> Query:
    """Cases whose deadline warning or overdue notice is due by today."""
    return (Query(APPROVAL_CASES).filter("next_check", "<=", today.isoformat())
            .ordered("next_check").page(limit))


def provisional_known(calendar: WorkCalendar, today: date, limit: int) -> Query:
    """Open cases with a provisional due date in a year the calendar now knows (it learns a
    year when the package is upgraded or the site configures it), to compute them again."""
    first_unknown = next((y for y in range(today.year, today.year + 10)
                          if not calendar.knows(y)), today.year + 10)
    return (Query(APPROVAL_CASES).filter("provisional_due", "<", f"{first_unknown}-01-01")
            .ordered("provisional_due").page(limit))


def sla_counts(store: CaseStore, today: date, soon: date) -> dict[str, dict[str, int]]:
    """By department: decided cases by their outcome, from the running totals (a few rows
    whatever the history); open ones overdue (due before today), due soon (by `soon`, or
    without a due date) or on time, counted in SQL over the open rows only."""
    side = store.read_side
    mark = side.dialect.mark
    sql = (f"SELECT department, CASE WHEN due_date < {mark} THEN 'overdue' "
           f"WHEN due_date IS NULL OR due_date <= {mark} THEN 'due_soon' "
           f"ELSE 'on_time' END AS state, COUNT(*) AS cases "
           f"FROM {APPROVAL_CASES.qualified(side.prefix)} WHERE outcome IS NULL "
           f"GROUP BY 1, 2")
    with side.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
        cursor.execute(sql, [today.isoformat(), soon.isoformat()])
        rows: list[Any] = [dict(r) for r in cursor.fetchall()]
    rows += [{"department": t["department"], "state": t["outcome"], "cases": t["rows"]}
             for t in store.totals(APPROVAL_CASES, DECIDED) if t["outcome"]]
    table: dict[str, dict[str, int]] = {}
    for row in sorted(rows, key=lambda r: (r["department"], r["state"])):
        table.setdefault(row["department"], dict.fromkeys(SLA_STATES, 0))[row["state"]] = int(
            row["cases"])
    return table
