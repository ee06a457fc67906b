"""The window's read tables: a case by its number (progress query) and the tolerant
acceptances whose promise runs out (the promise watch), kept with the case's events. A row
holds the blind indexes of the applicant's numbers (`services.runtime.blind_index`), never a
number: the progress query compares them before it loads the case."""

from __future__ import annotations

from datetime import date

from contracts.intake import CaseOpened
from services.intake.domain.case import WindowCase
from services.runtime.blind_index import Blind, blinds, key_of
from services.runtime.projections import Projection, Query, Table, Value

WINDOW_CASES = Table("window_cases", {"case_number": "TEXT", "status": "TEXT",
                                      "promise_due": "TEXT", "applicant_blinds": "TEXT"},
                     indexes=(("case_number",), ("promise_due",)))


def window_case_row(case: WindowCase, blind: Blind) -> dict[str, Value]:
    due = case.accepted.promise_due if case.accepted else None
    promised = case.status == "accepted" and bool(case.pending) and due is not None
    return {"case_number": case.case_number, "status": case.status,
            "promise_due": due.isoformat() if promised and due else None,
            "applicant_blinds": blinds(case.opened.applicant.numbers(), blind)}


def projections(blind: Blind) -> tuple[Projection, ...]:
    return (Projection(WINDOW_CASES, WindowCase, CaseOpened,
                       lambda case: window_case_row(case, blind), depends_on=key_of(blind)),)


def by_number(case_number: str) -> Query:
    return Query(WINDOW_CASES).filter("case_number", "=", case_number)


def promises_lapsed(today: date, limit: int) -> Query:
    """Tolerant acceptances whose promised materials were due before today."""
    return (Query(WINDOW_CASES).filter("promise_due", "<", today.isoformat())
            .ordered("promise_due").page(limit))
