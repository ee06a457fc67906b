"""Use cases of the approver: the inbox, a case, the decision; and receiving admitted cases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.approval import CaseApproved, CaseReceived
from contracts.base import Actor
from contracts.intake import SupplementForwarded
from contracts.routing import CaseAdmitted, CaseRouted, ParcelReceived
from services.approval import read_side
from services.approval.clock import working_days_left
from services.approval.domain import ApprovalCase
from services.approval.originals import waiting_reason
from services.directory import Directory
from services.runtime.aggregate import Context, system_actor
from services.runtime.consumer import Delivery, Effect
from services.runtime.host import ServiceHost
from services.runtime.paging import Page
from services.runtime.workdays import WorkCalendar, china_date


class ApproveCase(BaseModel):
    """准予: the result data the approver enters."""

    model_config = ConfigDict(extra="forbid")

    document_number: str = Field(min_length=1, max_length=64, description="证照或文书编号")
    valid_until: date | None = None
    opinion: str = Field(default="符合条件，准予办理", max_length=500)


class DecidePart(BaseModel):
    """A participating site's decision on its part of a joint case."""

    model_config = ConfigDict(extra="forbid")

    approved: bool
    reason: str = Field(min_length=1, max_length=500)


class DenyCase(BaseModel):
    """不予许可: every reason, as the applicant will read it."""

    model_config = ConfigDict(extra="forbid")

    reasons: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(min_length=1,
                                                                              max_length=20)


class Approval:
    def __init__(self, host: ServiceHost, directory: Directory, calendar: WorkCalendar,
                 lead_days: int = 2) -> None:
        self.host, self.directory, self.calendar = host, directory, calendar
        self.lead_days = lead_days

    def on_routing_event(self, delivery: Delivery) -> Effect:
        """A case admitted from another site, or routed here to a local part of a joint case;
        or a parcel of originals this site signed for."""
        event = delivery.event
        if isinstance(event, ParcelReceived):
            return self._originals_signed_for(event, delivery.data)
        if isinstance(event, CaseAdmitted) or (
                isinstance(event, CaseRouted) and self.host.site in event.business_sites):
            return self._receive(event)
        return Effect()

    def _receive(self, routed: CaseRouted | CaseAdmitted) -> Effect:
        if self.host.store.load(ApprovalCase, routed.case_id) is not None:
            return Effect()
        matter = self.directory.matter(routed.matter_code)
        checked = matter is not None and matter.originals_checked_before_decision
        received = ApprovalCase.receive(routed, self._system(routed.correlation_id),
                                        self.calendar, checked)
        return Effect(aggregates=[received])

    def _originals_signed_for(self, parcel: ParcelReceived, raw: bytes) -> Effect:
        case = self.host.store.load(ApprovalCase, parcel.case_id)
        if case is None or not case.waits_for(parcel):
            return Effect()
        case.note(parcel, raw, self._system(parcel.correlation_id))
        return Effect(aggregates=[case])

    def _system(self, correlation_id: UUID) -> Context:
        return Context(self.host.site, system_actor("approval"), self.host.clock(),
                       correlation_id)

    def on_admitted(self, delivery: Delivery) -> Effect:
        """The receiving window forwarded the supplement this site asked for: the clock resumes."""
        event = delivery.event
        if not isinstance(event, SupplementForwarded) or event.to_site != self.host.site:
            return Effect()
        case = self.host.store.load(ApprovalCase, event.case_id)
        if case is None or case.paused is None or case.paused.cause != "supplement":
            return Effect()
        case.resume(self.calendar, Context(self.host.site, system_actor("approval"),
                                           self.host.clock(), event.correlation_id))
        return Effect(aggregates=[case])

    def tick_all(self, batch: int = 200) -> int:
        """The scheduler: the clocks of the cases whose warning or overdue day has come, and of
        those whose provisional due date the calendar can now compute; a batch of each per
        tick, so the writers' lock is held briefly whatever the number of cases."""
        ctx = Context(self.host.site, system_actor("approval"), self.host.clock())
        today = china_date(ctx.at)
        rows = [*self.host.store.read(read_side.checks_due(today, batch)),
                *self.host.store.read(read_side.provisional_known(self.calendar, today, batch))]
        raised, changed = 0, []
        for case_id in dict.fromkeys(UUID(row["id"]) for row in rows):
            case = self.get(case_id)
            if ticked := case.tick(self.calendar, self.lead_days, ctx):
                changed.append(case)
                raised += ticked
        if changed:
            self.host.store.record(*changed)  # one transaction for the batch
        return raised

    def sla(self) -> dict[str, dict[str, int]]:
        """By department: open cases on time, due soon or overdue; decided ones on time or late."""
        today = china_date(self.host.clock())
        soon = self.calendar.add(today, self.lead_days + 1) - timedelta(days=1)
        return read_side.sla_counts(self.host.store, today, soon)

    def queue(self, page: Page, claimant: str | None = None,
              department: str | None = None) -> list[dict[str, Any]]:
        """Undecided cases, soonest due first, with the working days left (negative: late)."""
        today = china_date(self.host.clock())
        rows = self.host.store.read(read_side.queue(page.limit, page.offset, claimant,
                                                    department))
        return [queue_view(row, self.calendar, today) for row in rows]

    def change(self, case_id: UUID, actor: Actor, correlation_id: UUID,
               command: Callable[[ApprovalCase, Context], object]) -> ApprovalCase:
        """Load a case, run one domain command on it as this approver, store the result."""
        case = self.get(case_id)
        command(case, Context(self.host.site, actor, self.host.clock(), correlation_id))
        self.host.store.record(case)
        return case

    def decide_part(self, case_id: UUID, body: DecidePart, actor: Actor,
                    correlation_id: UUID) -> ApprovalCase:
        case = self.get(case_id)
        case.decide_part(body.approved, body.reason,
                         Context(self.host.site, actor, self.host.clock(), correlation_id))
        self.host.store.record(case)
        return case

    def approve(self, case_id: UUID, body: ApproveCase, actor: Actor,
                correlation_id: UUID) -> ApprovalCase:
        case = self.get(case_id)
        ctx = Context(self.host.site, actor, self.host.clock(), correlation_id)
        matter = self.directory.matter(case.received.matter_code)
        result_type = matter.result_type if matter is not None else "document"
        case.approve(result_type, body.document_number, body.valid_until, body.opinion, ctx)
        self.host.store.record(case)
        return case

    def get(self, case_id: UUID) -> ApprovalCase:
        return self.host.store.get(ApprovalCase, case_id)

    def inbox(self, page: Page) -> list[dict[str, Any]]:
        """Cases received and not yet decided, oldest first."""
        return [row_view(row) for row in self.host.store.read(
            read_side.inbox(page.limit, page.offset))]


def received_view(e: CaseReceived) -> dict[str, Any]:
    return {"case_id": str(e.case_id), "case_number": e.case_number, "matter_name": e.matter_name,
            "department": e.department, "joint_role": e.joint_role,
            "receiving_site": e.receiving_site,
            "received_at": e.occurred_at.isoformat()}


def row_view(row: dict[str, Any]) -> dict[str, Any]:
    """What `received_view` shows, from the case's row in the read table."""
    return {"case_id": row["id"], **{k: row[k] for k in (
        "case_number", "matter_name", "department", "joint_role", "receiving_site",
        "received_at")}}


def queue_view(row: dict[str, Any], calendar: WorkCalendar, today: date) -> dict[str, Any]:
    due = date.fromisoformat(row["due_date"]) if row["due_date"] else None
    outstanding = row["originals_outstanding"]
    return {**row_view(row), "claimant": row["claimant"], "due_date": row["due_date"],
            "due_provisional": bool(row["due_provisional"]), "paused": bool(row["paused"]),
            "waiting_for_originals": bool(outstanding),
            "waiting_reason": waiting_reason(outstanding.split("、")) if outstanding else None,
            "working_days_left": working_days_left(calendar, due, today)}


def case_view(case: ApprovalCase) -> dict[str, Any]:
    view = {**received_view(case.received), "status": case.status, "claimant": case.claimant,
            "due_date": case.due.isoformat() if case.due else None,
            "due_provisional": case.provisional, "paused": case.paused is not None,
            "limit_days": case.limit_days, "deadline_approaching": case.approaching_noted,
            "overdue": case.overdue_noted, **originals_view(case)}
    if isinstance(case.decision, CaseApproved):
        view["document_number"] = case.decision.document_number
    return view


def originals_view(case: ApprovalCase) -> dict[str, Any]:
    """Why the approver cannot decide yet, if the originals are still on their way."""
    outstanding = case.originals_outstanding if not case.decided else []
    return {"waiting_for_originals": bool(outstanding),
            "waiting_reason": waiting_reason(outstanding) if outstanding else None}
