"""Delivery's read table: one row per case, kept with the case's events, holding what this
site's lists and its watch job look up — the case by its number (ratings), the results to
dispatch and those awaiting pickup, the result waiting at the window by its day of arrival,
the next deadline of any open bad-rating follow-up, and the case's ratings of this site by
level, and the blind indexes of the ID numbers of those who may act for the applicant (the
rating finds its case by them, never by a number kept). A list pages over cases, and each row also holds what the lists show of its case (as
JSON, computed by `views`): the case while it is on the dispatch or pickup list, its ratings
of this site, its open follow-ups. So a page is its rows, whatever the history, and never
loads a case from its events."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.delivery.domain.case import DeliveryCase
from services.delivery.views import case_view, rating_view, result_status, review_record
from services.runtime.blind_index import Blind, blinds, key_of
from services.runtime.noted import EventNoted
from services.runtime.projections import BY_STATUS, Projection, Query, Table, Totals, Value
from services.runtime.workdays import WorkCalendar, china_date

LEVELS = tuple(f"level_{n}" for n in range(1, 6))
OPEN_REVIEW = ("awaiting_callback", "awaiting_resolution", "appealed", "rectifying")

RATINGS = Totals("ratings", ("status",), sums=LEVELS)  # this site's ratings over all history
DELIVERY_CASES = Table("delivery_cases", {
    "case_number": "TEXT", "status": "TEXT",
    "applicant_blinds": "TEXT",  # blind indexes of the applicant's (or agent's) ID numbers
    "dispatch_since": "TEXT",  # result issued here, still to send (or sent again): issued at
    "pickup_since": "TEXT",  # result signed for at this window, waiting for the applicant
    "arrival_since": "TEXT",  # result mailed to this window, not signed for yet: mailed at
    "remind_pending": "TEXT",  # waiting at this window, not reminded yet: the day it arrived
    "supervise_pending": "TEXT",  # waiting at this window, not supervised yet: the same day
    "review_due": "TEXT",  # the earliest deadline of an open follow-up not yet flagged
    "reviews_since": "TEXT",  # the first follow-up still open: opened at
    "rated_since": "TEXT",  # the first rating of a unit of this site
    **dict.fromkeys(LEVELS, "INTEGER"),  # ratings of this site by level, voided left out
    "listed_view": "TEXT",  # on the dispatch or pickup list: the case as the list shows it
    "rating_views": "TEXT",  # its ratings of this site as the ratings page shows them
    "review_records": "TEXT",  # its open follow-ups, the evaluator masked
}, indexes=(("case_number",), ("dispatch_since",), ("pickup_since",), ("arrival_since",),
            ("remind_pending",), ("supervise_pending",), ("review_due",), ("reviews_since",),
            ("rated_since",)), totals=(RATINGS, BY_STATUS))


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def delivery_case_row(case: DeliveryCase, site: str, blind: Blind) -> dict[str, Value]:
    status = result_status(case)
    issued_here = case.result is not None and case.result.acting_site == site
    arrived = (china_date(case.arrived.occurred_at).isoformat()
               if case.arrived and case.arrived.acting_site == site and case.handed is None
               else None)
    row: dict[str, Value] = {
        "case_number": case.case_number, "status": status,
        "applicant_blinds": blinds(case.acting_numbers(), blind),
        "dispatch_since": _at(case.result.occurred_at) if case.result and issued_here
        and status in ("awaiting_dispatch", "returned") else None,
        "pickup_since": _at(case.arrived.occurred_at) if case.arrived and arrived
        and status == "at_window" else None,
        "arrival_since": _at(parcel.occurred_at) if (parcel := case.outstanding) is not None
        and status == "mailed_to_window" and case.receiving_site == site else None,
        "remind_pending": None if case.reminded else arrived,
        "supervise_pending": None if case.supervised else arrived,
        **_reviews(case), **_ratings(case, site),
    }
    listed = any(row[c] is not None for c in ("dispatch_since", "pickup_since", "arrival_since"))
    return {**row, "listed_view": _json(case_view(case, masked=True)) if listed else None}


def _reviews(case: DeliveryCase) -> dict[str, Value]:
    unflagged = [due for review in case.reviews.values()
                 for _, due in review.late_stages(date.max)]
    opened = [(rating_id, r) for rating_id, r in case.reviews.items() if r.status in OPEN_REVIEW]
    return {"review_due": min(unflagged).isoformat() if unflagged else None,
            "reviews_since": _at(min(r.opened.occurred_at for _, r in opened)) if opened
            else None,
            "review_records": _json([review_record(case, rating_id) for rating_id, _ in opened])
            if opened else None}


def _ratings(case: DeliveryCase, site: str) -> dict[str, Value]:
    ours = [r for r in case.ratings.values() if r.rated_site == site]
    counted = [r for r in ours
               if (review := case.reviews.get(r.event_id)) is None or review.status != "voided"]
    return {"rated_since": _at(min(r.occurred_at for r in ours)) if ours else None,
            **{column: sum(1 for r in counted if r.level == n)
               for n, column in enumerate(LEVELS, start=1)},
            "rating_views": _json([rating_view(r, case) for r in ours]) if ours else None}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def case_views(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cases a page of a work list shows, one per row, in the page's order."""
    return [json.loads(str(row["listed_view"])) for row in rows]


def expanded(rows: list[dict[str, Any]], column: str) -> list[dict[str, Any]]:
    """What a page shows of each row's ratings or follow-ups (`rating_views`,
    `review_records`: a list per row), in the page's order."""
    return [view for row in rows for view in json.loads(str(row[column]))]


def projections(site: str, blind: Blind) -> tuple[Projection, ...]:
    """The rows are what this site's lists hold, so the projection knows its site; and the
    blind indexes it keeps, its site's key."""
    return (Projection(DELIVERY_CASES, DeliveryCase, EventNoted,
                       lambda case: delivery_case_row(case, site, blind),
                       depends_on=key_of(blind)),)


def by_number(case_number: str) -> Query:
    return Query(DELIVERY_CASES).filter("case_number", "=", case_number)


def listed(column: str, limit: int, offset: int) -> Query:
    """A work list, oldest first: the cases whose `column` (a moment) is set."""
    return (Query(DELIVERY_CASES).filter(column, "!=", None).ordered(column)
            .page(limit, offset))


def collection_due(stage: str, after_days: int, today: date, calendar: WorkCalendar,
                   limit: int) -> Query:
    """Results waiting at this window for `after_days` working days or more whose `stage`
    (`remind_pending`, `supervise_pending`) has not been raised yet."""
    arrived = arrived_by(today, after_days, calendar).isoformat()
    return Query(DELIVERY_CASES).filter(stage, "<=", arrived).ordered(stage).page(limit)


def arrived_by(today: date, working_days: int, calendar: WorkCalendar) -> date:
    """The last day of arrival that has waited `working_days` by today: `calendar.between`
    counts the working days after arrival up to today."""
    day, counted = today, 0
    while counted < working_days:
        counted += calendar.is_working_day(day)
        day -= timedelta(days=1)
    return day


def reviews_late(today: date, limit: int) -> Query:
    """Cases with a follow-up stage past its deadline and not yet flagged."""
    return (Query(DELIVERY_CASES).filter("review_due", "<", today.isoformat())
            .ordered("review_due").page(limit))


def ratings_by_level(totals: list[dict[str, Any]]) -> dict[int, int]:
    """This site's ratings by level, from the running totals: a few rows whatever the history."""
    return {n: sum(int(t[column]) for t in totals) for n, column in enumerate(LEVELS, start=1)}
