"""The exchange's read table: one row per case that still has something open at this site
(a parcel in transit or awaited, a supervision item, a leg the sweep may still flag, files to
remove or to verify), kept with the case's events. Lists and periodic jobs read the rows that
are due, a page at a time, instead of every case ever routed; a case with nothing open has no
row. The row depends on the site whose store keeps it, so the projection is made per site."""

from __future__ import annotations

from datetime import date, timedelta

from contracts.routing import CaseAdmitted, CaseRouted
from services.routing.domain import RoutedCase
from services.routing.personal_retention import CaseRetention, PersonalDataNoted
from services.runtime.projections import Projection, Query, Table, Value
from services.runtime.workdays import WorkCalendar, china_date

OPEN_CASES = Table("routed_open", {
    "open_parcels": "INTEGER",  # sent and not yet signed for, or awaited here
    "open_items": "INTEGER",  # supervision items not yet closed
    "unsigned_since": "TEXT",  # oldest dispatch day of a parcel not yet flagged overdue
    "decision_due": "TEXT",  # the promised date, while its leg may still be supervised
    "files_kept_until": "TEXT",  # the files go the day after
    "files_to_verify": "INTEGER",  # 1: copies held here for a case sent here
}, indexes=(("open_parcels",), ("open_items",), ("unsigned_since",), ("decision_due",),
            ("files_kept_until",), ("files_to_verify",)))


PERSONAL_DATA_KEPT = Table("personal_data_kept", {
    "case_id": "TEXT",  # the case whose personal data this site still keeps
    "keep_until": "TEXT",  # the case ended: its keys are destroyed the day after
}, indexes=(("keep_until",),))


def projections(site: str) -> tuple[Projection, ...]:
    return (Projection(OPEN_CASES, RoutedCase, (CaseRouted, CaseAdmitted),  # either starts one
                       lambda c: open_row(c, site)),
            Projection(PERSONAL_DATA_KEPT, CaseRetention, PersonalDataNoted, kept_row))


def kept_row(retention: CaseRetention) -> dict[str, Value] | None:
    """A row from the case's end until its personal data is shredded here."""
    if retention.keep_until is None or retention.shredded:
        return None
    return {"case_id": str(retention.of_case), "keep_until": retention.keep_until.isoformat()}


def open_row(case: RoutedCase, site: str) -> dict[str, Value] | None:
    row: dict[str, Value] = {
        "open_parcels": open_parcel_count(case, site) or None,
        "open_items": open_item_count(case) or None,
        "unsigned_since": min((china_date(sent.occurred_at).isoformat()
                               for number, sent in case.dispatched.items()
                               if number not in case.confirmed and number not in case.overdue),
                              default=None),
        "decision_due": decision_due(case, site),
        "files_kept_until": (case.keep_until.isoformat() if case.keep_until is not None
                             and case.files and not case.files_removed else None),
        "files_to_verify": (1 if site != case.receiving_site and case.files
                            and not case.files_removed else None),
    }
    return row if any(v is not None for v in row.values()) else None


def open_parcel_count(case: RoutedCase, site: str) -> int:
    """As many as `views.open_parcels` lists for this site."""
    return sum(1 for number, manifest in case.manifests.items()
               if (number in case.dispatched and number not in case.confirmed)
               or (manifest.to_site == site and number not in case.received))


def open_item_count(case: RoutedCase) -> int:
    """As many as the supervision list shows for the case: the decision leg, each silent
    joint part, each overdue parcel, until what it names is closed."""
    decision = "decision" in case.supervised_legs and case.decision_reported is None
    parts = len(case.supervised) if case.joint_decision is None else 0
    return int(decision) + parts + len(case.overdue - set(case.confirmed))


def decision_due(case: RoutedCase, site: str) -> str | None:
    """The promised date while the sweep would still supervise the decision or a joint part
    once it has passed (see `supervise_decision`, `supervise_silent_parts`)."""
    if case.decide_by is None:
        return None
    if case.joint_parts:
        silent = [p for p in case.joint_parts
                  if p.site not in case.reports and p.site not in case.supervised]
        waiting = case.joint_decision is None and bool(silent)
    else:
        waiting = (site == case.receiving_site and case.decision_reported is None
                   and "decision" not in case.supervised_legs)
    return case.decide_by.isoformat() if waiting else None


def with_open_parcels(limit: int, offset: int) -> Query:
    return (Query(OPEN_CASES).filter("open_parcels", ">", 0).ordered("open_parcels")
            .page(limit, offset))  # in index order: a page reads its rows, not the table


def with_open_items(limit: int, offset: int) -> Query:
    return (Query(OPEN_CASES).filter("open_items", ">", 0).ordered("open_items")
            .page(limit, offset))


def parcels_unsigned(dispatched_by: date, limit: int) -> Query:
    """Cases with a parcel dispatched on or before that day and not yet flagged."""
    return (Query(OPEN_CASES).filter("unsigned_since", "<=", dispatched_by.isoformat())
            .ordered("unsigned_since").page(limit))


def decisions_late(today: date, limit: int) -> Query:
    return (Query(OPEN_CASES).filter("decision_due", "<", today.isoformat())
            .ordered("decision_due").page(limit))


def files_expired(today: date, limit: int) -> Query:
    return (Query(OPEN_CASES).filter("files_kept_until", "<", today.isoformat())
            .ordered("files_kept_until").page(limit))


def personal_data_expired(today: date, limit: int) -> Query:
    return (Query(PERSONAL_DATA_KEPT).filter("keep_until", "<", today.isoformat())
            .ordered("keep_until").page(limit))


def files_held_after(case_id: str, limit: int) -> Query:
    """Cases sent here whose copies are held, in id order from after `case_id`."""
    return (Query(OPEN_CASES).filter("files_to_verify", "=", 1).filter("id", ">", case_id)
            .page(limit))


def last_late_dispatch(calendar: WorkCalendar, threshold_days: int, today: date) -> date:
    """The last dispatch day whose parcel, unsigned, is overdue today: `flag_overdue` calls a
    parcel late when `threshold_days` working days after its dispatch day fall before today,
    and that day only grows with the dispatch day."""
    day = today - timedelta(days=1)
    while calendar.add(day, threshold_days) >= today:
        day -= timedelta(days=1)
    return day
