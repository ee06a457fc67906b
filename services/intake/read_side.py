"""The window's read tables: a case by its number (progress query), the tolerant
acceptances whose promise runs out (the promise watch), and each clerk's cases not yet ended
(their own open cases, newest first), kept with the case's events. A row
holds the blind indexes of the applicant's numbers (`services.runtime.blind_index`), never a
number: the progress query compares them before it loads the case."""

from __future__ import annotations

from datetime import date

from contracts.intake import CaseOpened
from services.intake.domain.case import WindowCase
from services.runtime.blind_index import Blind, blinds, key_of
from services.runtime.projections import BY_STATUS, Projection, Query, Table, Value

WINDOW_CASES = Table("window_cases", {"case_number": "TEXT", "status": "TEXT",
                                      "promise_due": "TEXT", "applicant_blinds": "TEXT"},
                     indexes=(("case_number",), ("promise_due",)), totals=(BY_STATUS,))
# A case leaves it when it ends, so a clerk's page reads only what is still open; no personal
# value: the page loads each listed case (masked) to name the applicant.
OPEN_CASES = Table("window_open_cases", {"opened_by": "TEXT", "opened_at": "TEXT",
                                         "case_number": "TEXT", "matter_code": "TEXT",
                                         "status": "TEXT"},
                   indexes=(("opened_by", "opened_at"),))
ENDED = frozenset({"rejected", "terminated", "completed"})


def window_case_row(case: WindowCase, blind: Blind) -> dict[str, Value]:
    due = case.accepted.promise_due if case.accepted else None
    promised = case.status == "accepted" and bool(case.pending) and due is not None
    return {"case_number": case.case_number, "status": case.status,
            "promise_due": due.isoformat() if promised and due else None,
            "applicant_blinds": blinds(case.opened.applicant.numbers(), blind)}


def open_case_row(case: WindowCase) -> dict[str, Value] | None:
    if case.status in ENDED:
        return None
    o = case.opened
    return {"opened_by": o.owner_staff_id, "opened_at": o.occurred_at.isoformat(),
            "case_number": case.case_number, "matter_code": o.matter_code,
            "status": case.status}


def projections(blind: Blind) -> tuple[Projection, ...]:
    return (Projection(WINDOW_CASES, WindowCase, CaseOpened,
                       lambda case: window_case_row(case, blind), depends_on=key_of(blind)),
            Projection(OPEN_CASES, WindowCase, CaseOpened, open_case_row))


def open_cases_of(staff_id: str, limit: int, offset: int) -> Query:
    """A clerk's cases not yet ended, newest first, a page of them."""
    return (Query(OPEN_CASES).filter("opened_by", "=", staff_id)
            .ordered("opened_at", descending=True).page(limit, offset))


def by_number(case_number: str) -> Query:
    return Query(WINDOW_CASES).filter("case_number", "=", case_number)


def promises_lapsed(today: date, limit: int) -> Query:
    """Tolerant acceptances whose promised materials were due before today."""
    return (Query(WINDOW_CASES).filter("promise_due", "<", today.isoformat())
            .ordered("promise_due").page(limit))
