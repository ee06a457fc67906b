"""Per case: its timeline (every event: what, who, which site, when), the custody of its paper
(materials out, the result back) and the time per leg.

Events are ordered by when they happened, ties by site, service and version — never by the
order the ledger happened to receive two streams in, so a ledger refilled from the streams
projects exactly the same rows."""

from __future__ import annotations

from bisect import insort
from datetime import datetime
from typing import Any, NamedTuple

from contracts.base import DomainEvent
from services.ledger.legs import legs_of
from services.ledger.projections.base import Projection

# The steps that move paper, and how the custody view words them.
CUSTODY_STEPS = {
    "parcel_dispatched": "材料寄出", "parcel_received": "材料签收", "handover_confirmed":
    "移交确认", "handover_overdue": "超时未签收", "result_mailed": "结果寄出",
    "mail_returned": "邮件退回", "mail_delivered": "妥投签收", "result_arrived_at_window":
    "结果到达窗口", "result_handed_to_applicant": "申请人领取",
}


def order(entry: dict[str, Any]) -> tuple[str, str, str, int]:
    return entry["at"], entry["site"], entry["service"], entry["version"]


class Timeline(Projection):
    name = "timeline"

    def apply(self, event: DomainEvent, position: int) -> set[str]:
        key = str(event.case_id)
        row = self.rows.setdefault(key, {"case_number": event.case_number, "events": []})
        entry = {"at": event.occurred_at.isoformat(), "site": event.acting_site,
                 "service": event.service, "version": event.version, "event": event.name,
                 "actor": event.actor.staff_id, "role": event.actor.role,
                 "event_id": str(event.event_id)}
        insort(row["events"], entry, key=order)
        return {key}


class Custody(Projection):
    name = "custody"

    def apply(self, event: DomainEvent, position: int) -> set[str]:
        step = CUSTODY_STEPS.get(event.name)
        if step is None:
            return set()
        key = str(event.case_id)
        row = self.rows.setdefault(key, {"case_number": event.case_number, "steps": []})
        detail = {k: v for k, v in event.model_dump(mode="json").items()
                  if k in ("manifest_number", "to_site", "from_site", "carrier",
                           "tracking_number", "complete", "recipient", "reason", "intact",
                           "collected_by")}
        insort(row["steps"], {"at": event.occurred_at.isoformat(), "site": event.acting_site,
                              "service": event.service, "version": event.version,
                              "step": step, "by": event.actor.staff_id, **detail}, key=order)
        return {key}


class _Mark(NamedTuple):
    """What legs_of reads of an event."""

    occurred_at: datetime
    name: str


class Legs(Projection):
    """Kept with the events' times in the row itself, so a reloaded projection goes on; the
    legs themselves are worked out once per run of events, not once per event."""

    name = "legs"

    def apply(self, event: DomainEvent, position: int) -> set[str]:
        key = str(event.case_id)
        row = self.rows.setdefault(key, {"case_number": event.case_number, "marks": []})
        insort(row["marks"], [event.occurred_at.isoformat(), event.acting_site, event.service,
                              event.version, event.name])
        return {key}

    def finish(self, keys: set[str]) -> None:
        for key in keys:
            row = self.rows[key]
            marks = [_Mark(datetime.fromisoformat(m[0]), m[-1]) for m in row["marks"]]
            legs: list[dict[str, Any]] = legs_of(marks)  # type: ignore[arg-type]
            row["legs"] = legs
