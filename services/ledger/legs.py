"""Time per leg of a case, from its timeline: which party held it, and for how long. This is what
a supervisor reads to know who is late."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.base import DomainEvent

DECIDED = ("case_approved", "case_denied", "joint_case_decided")
LEGS = (  # name, responsible party, from the first of, to the first of
    ("receiving_check", "receiving_site", ("case_opened",), ("case_accepted",)),
    ("transit", "exchange", ("case_accepted",), ("case_received",)),
    ("review", "business_site", ("case_received",), DECIDED),
    ("delivery", "business_site", DECIDED, ("case_completed",)),
    ("dispatch", "business_site", DECIDED, ("result_pushed_online", "result_mailed")),
    ("carriage", "carrier", ("result_mailed",), ("mail_delivered", "result_arrived_at_window")),
    ("collection", "applicant", ("result_arrived_at_window",), ("result_handed_to_applicant",)),
)


def _first(events: list[DomainEvent], names: tuple[str, ...]) -> datetime | None:
    return next((e.occurred_at for e in events if e.name in names), None)


def paused_hours(events: list[DomainEvent]) -> float:
    """Hours the legal clock stood still (supplement or special procedure)."""
    total, since = 0.0, None
    for event in events:
        if event.name == "clock_paused":
            since = event.occurred_at
        elif event.name == "clock_resumed" and since is not None:
            total += (event.occurred_at - since).total_seconds() / 3600
            since = None
    return total


def legs_of(timeline: list[DomainEvent]) -> list[dict[str, Any]]:
    rows = []
    pause = paused_hours(timeline)
    for name, party, starts, ends in LEGS:
        start, end = _first(timeline, starts), _first(timeline, ends)
        hours = (end - start).total_seconds() / 3600 if start and end else None
        if name == "review" and hours is not None:
            hours -= pause
        rows.append({"leg": name, "responsible": party,
                     "started_at": start.isoformat() if start else None,
                     "ended_at": end.isoformat() if end else None,
                     "hours": round(hours, 2) if hours is not None else None})
    rows.append({"leg": "paused", "responsible": "applicant_or_procedure", "started_at": None,
                 "ended_at": None, "hours": round(pause, 2)})
    return rows
