"""Use cases of the approver: the inbox, a case, the decision; and receiving admitted cases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.approval import CaseApproved, CaseDenied, CaseReceived, JointPartDecided
from contracts.base import Actor
from contracts.intake import SupplementForwarded
from contracts.routing import CaseAdmitted, CaseRouted, ParcelReceived
from services.approval.domain import ApprovalCase
from services.approval.originals import waiting_reason
from services.directory import Directory
from services.runtime.aggregate import Context, system_actor
from services.runtime.consumer import Delivery, Effect
from services.runtime.host import ServiceHost
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

    reasons: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(min_length=1)


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

    def tick_all(self) -> int:
        """The scheduler: every undecided case's clock, against the injected time."""
        ctx = Context(self.host.site, system_actor("approval"), self.host.clock())
        raised = 0
        for case in self.open_cases():
            raised += case.tick(self.calendar, self.lead_days, ctx)
            self.host.store.record(case)
        return raised

    def open_cases(self) -> list[ApprovalCase]:
        return [c for c in self.received_cases() if not c.decided]

    def received_cases(self) -> list[ApprovalCase]:
        return [self.get(i) for i in self.host.store.case_ids(CaseReceived)]

    def sla(self) -> dict[str, dict[str, int]]:
        """By department: open cases on time, due soon or overdue; decided ones on time or late."""
        today = china_date(self.host.clock())
        table: dict[str, dict[str, int]] = {}
        for case in self.received_cases():
            row = table.setdefault(case.received.department, dict.fromkeys(
                ("on_time", "due_soon", "overdue", "decided_on_time", "decided_late"), 0))
            row[sla_state(case, self.calendar, self.lead_days, today)] += 1
        return table

    def queue(self) -> list[dict[str, Any]]:
        """Undecided cases, soonest due first, with the working days left (negative: late)."""
        today = china_date(self.host.clock())
        rows = [{**received_view(c.received), "claimant": c.claimant,
                 "due_date": c.due.isoformat() if c.due else None,
                 "due_provisional": c.provisional, "paused": c.paused is not None,
                 **originals_view(c),
                 "working_days_left": c.working_days_left(self.calendar, today)}
                for c in self.open_cases()]
        return sorted(rows, key=lambda r: (r["due_date"] or "9999", r["case_number"]))

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

    def inbox(self) -> list[dict[str, Any]]:
        """Cases received and not yet decided, oldest first."""
        waiting: dict[UUID, CaseReceived] = {}
        for event in self.host.store.scan():
            if isinstance(event, CaseReceived):
                waiting[event.case_id] = event
            elif isinstance(event, CaseApproved | CaseDenied | JointPartDecided):
                waiting.pop(event.case_id, None)
        return [received_view(e) for e in waiting.values()]


def received_view(e: CaseReceived) -> dict[str, Any]:
    return {"case_id": str(e.case_id), "case_number": e.case_number, "matter_name": e.matter_name,
            "department": e.department, "joint_role": e.joint_role,
            "receiving_site": e.receiving_site,
            "received_at": e.occurred_at.isoformat()}


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


def sla_state(case: ApprovalCase, calendar: WorkCalendar, lead_days: int, today: date) -> str:
    if case.decision is not None:
        decided_on = china_date(case.decision.occurred_at)
        return "decided_on_time" if case.due is None or decided_on <= case.due else "decided_late"
    left = case.working_days_left(calendar, today)
    return "overdue" if left < 0 else "due_soon" if left <= lead_days else "on_time"
