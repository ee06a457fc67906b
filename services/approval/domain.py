"""A case in a business-site department: received into the inbox, then decided once."""

from __future__ import annotations

from datetime import date
from typing import Literal, Self

from contracts.approval import (
    APPEAL_RIGHTS,
    CaseApproved,
    CaseClaimed,
    CaseDenied,
    CaseReceived,
    JointPartDecided,
    SpecialProcedureEnded,
    SpecialProcedureStarted,
    SupplementRequested,
)
from contracts.delivery import ResultType
from contracts.routing import CaseAdmitted, CaseRouted
from services.approval.clock import EXTENSION_DAYS, LegalClock
from services.approval.originals import OriginalsAwaited, OriginalsCheck, parcels_to_wait_for
from services.runtime.aggregate import SYSTEM_ROLE, Context, DomainError
from services.runtime.workdays import WorkCalendar

Status = Literal["received", "approved", "denied"]
SpecialKind = Literal["hearing", "expert_review", "inspection", "testing", "appraisal",
                      "quarantine"]


class CaseAlreadyDecided(DomainError):
    def __init__(self) -> None:
        super().__init__("该办件已作出决定，不能再次决定")


class ApprovalCase(LegalClock, OriginalsCheck):
    status: Status
    received: CaseReceived
    decision: CaseApproved | CaseDenied | JointPartDecided | None = None
    claimant: str | None = None

    @classmethod
    def receive(cls, routed: CaseRouted | CaseAdmitted, ctx: Context,
                calendar: WorkCalendar | None = None, originals_checked: bool = False) -> Self:
        """Into this site's inbox: the whole case, or this site's part of a joint one; the
        clock runs from the acceptance at the receiving site. Where the matter checks
        originals first, the parcels addressed here are awaited before any decision."""
        part = next((p for p in routed.joint_parts if p.site == ctx.site), None)
        due = (calendar.due(routed.accepted_on, routed.promised_days)
               if calendar is not None and routed.accepted_on is not None else None)
        case = cls(routed.case_id)
        case._trigger(
            CaseReceived, ctx, case_number=routed.case_number,
            matter_code=routed.matter_code, matter_name=routed.matter_name,
            department=part.department if part else routed.department,
            joint_role=part.role if part else None, applicant=routed.applicant,
            receiving_site=routed.receiving_site, delivery_channel=routed.delivery_channel,
            accepted_on=routed.accepted_on, limit_days=routed.promised_days,
            max_days=routed.statutory_days + EXTENSION_DAYS[bool(routed.joint_parts)],
            due_date=due.day if due else None, due_provisional=due.provisional if due else False,
        )
        if parcels := parcels_to_wait_for(routed, ctx.site, originals_checked):
            case._trigger(OriginalsAwaited, ctx, manifest_numbers=parcels)
        return case

    @property
    def decided(self) -> bool:
        return self.decision is not None

    @property
    def receiving_site_of_case(self) -> str:
        return self.received.receiving_site

    def request_supplement(self, items: list[str], ctx: Context) -> None:
        """补正: the list goes back to the receiving window and the clock stops."""
        self.check_may_decide(ctx)
        self.check_running()
        self._trigger(SupplementRequested, ctx, items=items,
                      receiving_site=self.received.receiving_site)
        self.pause("supplement", "；".join(items), ctx)

    def start_special_procedure(self, kind: SpecialKind, expected_days: int, notice: str,
                                ctx: Context) -> None:
        self.check_may_decide(ctx)
        self.check_running()
        self._trigger(SpecialProcedureStarted, ctx, kind=kind, expected_days=expected_days,
                      notice=notice)
        self.pause("special_procedure", notice, ctx)

    def claim(self, ctx: Context) -> None:
        """认领: only an approver, and only a case nobody else holds."""
        self.check_not_decided()
        if ctx.actor.role != "approver":
            raise NotAnApprover(ctx.actor.role)
        if self.claimant is not None and self.claimant != ctx.actor.staff_id:
            raise ClaimedByAnother(self.claimant)
        if self.claimant is None:
            self._trigger(CaseClaimed, ctx, approver_staff_id=ctx.actor.staff_id)

    def assign(self, approver_staff_id: str, ctx: Context) -> None:
        """分办: the department head gives the case to an approver."""
        self.check_not_decided()
        if ctx.actor.role != "head":
            raise NotAHead(ctx.actor.role)
        if self.claimant != approver_staff_id:
            self._trigger(CaseClaimed, ctx, approver_staff_id=approver_staff_id)

    def deny(self, reasons: list[str], ctx: Context) -> None:
        self.check_ready_to_decide(ctx)
        if self.received.joint_role is not None:
            raise JointPartNeedsPartDecision()
        self._trigger(CaseDenied, ctx, reasons=reasons, appeal_rights=APPEAL_RIGHTS,
                      receiving_site=self.received.receiving_site)

    def decide_part(self, approved: bool, reason: str, ctx: Context) -> None:
        self.check_ready_to_decide(ctx)
        if self.received.joint_role is None:
            raise NotAJointPart()
        self._trigger(JointPartDecided, ctx, part_site=ctx.site,
                      department=self.received.department, role=self.received.joint_role,
                      approved=approved, reason=reason)

    def approve(self, result_type: ResultType, document_number: str, valid_until: date | None,
                opinion: str, ctx: Context) -> None:
        self.check_ready_to_decide(ctx)
        if self.received.joint_role is not None:
            raise JointPartNeedsPartDecision()
        r = self.received
        self._trigger(CaseApproved, ctx, result_type=result_type, document_number=document_number,
                      valid_until=valid_until, opinion=opinion, holder_name=r.applicant.name,
                      receiving_site=r.receiving_site, delivery_channel=r.delivery_channel)

    def check_not_decided(self) -> None:
        if self.decision is not None:
            raise CaseAlreadyDecided()

    def resume(self, calendar: WorkCalendar, ctx: Context) -> None:
        self.check_may_change_clock(ctx)
        super().resume(calendar, ctx)

    def extend(self, extra_days: int, reason: str, approved_by: str, calendar: WorkCalendar,
               ctx: Context) -> None:
        self.check_may_change_clock(ctx)
        super().extend(extra_days, reason, approved_by, calendar, ctx)

    def check_may_change_clock(self, ctx: Context) -> None:
        """The legal clock is the applicant's guarantee: only the approver holding the case or
        the department head moves it (or the service, when the supplement asked for arrives),
        and nobody once the case is decided."""
        self.check_not_decided()
        if (ctx.actor.role not in ("head", SYSTEM_ROLE)
                and self.claimant != ctx.actor.staff_id):
            raise NotHolderOrHead(self.claimant)

    def check_may_decide(self, ctx: Context) -> None:
        """A decision is made once, by the approver who claimed the case."""
        self.check_not_decided()
        if self.claimant != ctx.actor.staff_id:
            raise NotClaimedByYou(self.claimant)

    def check_ready_to_decide(self, ctx: Context) -> None:
        """The decision itself also waits for the originals the matter checks first."""
        self.check_may_decide(ctx)
        self.check_originals_signed_for()

    def apply_case_received(self, event: CaseReceived) -> None:
        self.received, self.status = event, "received"
        self.accepted_on, self.limit_days = event.accepted_on, event.limit_days
        self.max_days, self.due, self.provisional = (event.max_days, event.due_date,
                                                     event.due_provisional)

    def apply_supplement_requested(self, event: SupplementRequested) -> None:
        pass

    def end_special_procedure(self, outcome: str, calendar: WorkCalendar, ctx: Context) -> None:
        self.check_may_change_clock(ctx)
        if self.paused is None or self.paused.cause != "special_procedure":
            raise NoSpecialProcedure()
        self._trigger(SpecialProcedureEnded, ctx, outcome=outcome)
        self.resume(calendar, ctx)

    def apply_special_procedure_started(self, event: SpecialProcedureStarted) -> None:
        pass

    def apply_special_procedure_ended(self, event: SpecialProcedureEnded) -> None:
        pass

    def apply_case_claimed(self, event: CaseClaimed) -> None:
        self.claimant = event.approver_staff_id

    def apply_case_denied(self, event: CaseDenied) -> None:
        self.decision, self.status = event, "denied"

    def apply_case_approved(self, event: CaseApproved) -> None:
        self.decision, self.status = event, "approved"

    def apply_joint_part_decided(self, event: JointPartDecided) -> None:
        self.decision, self.status = event, "approved" if event.approved else "denied"


class NotAJointPart(DomainError):
    def __init__(self) -> None:
        super().__init__("该办件不是本地参与的多地联办事项，应直接作出决定")


class JointPartNeedsPartDecision(DomainError):
    def __init__(self) -> None:
        super().__init__("多地联办事项由各参与地就本地部分作出决定")


class NotAnApprover(DomainError):
    status = 403
    field = "authorization"

    def __init__(self, role: str) -> None:
        super().__init__(f"岗位“{role}”不能认领或决定办件")


class ClaimedByAnother(DomainError):
    def __init__(self, claimant: str) -> None:
        super().__init__(f"该办件已由 {claimant} 认领")


class NotClaimedByYou(DomainError):
    def __init__(self, claimant: str | None) -> None:
        super().__init__("请先认领该办件再作决定" if claimant is None
                         else f"该办件由 {claimant} 认领，只能由其作出决定")


class NotAHead(DomainError):
    status = 403
    field = "authorization"

    def __init__(self, role: str) -> None:
        super().__init__(f"岗位“{role}”不能分办，须由部门负责人分办")


class NotHolderOrHead(DomainError):
    status = 403
    field = "authorization"

    def __init__(self, claimant: str | None) -> None:
        super().__init__("办理时限只能由认领该办件的审批人员或部门负责人调整" +
                         (f"（当前由 {claimant} 认领）" if claimant else "（尚无人认领）"))


class NoSpecialProcedure(DomainError):
    def __init__(self) -> None:
        super().__init__("没有正在进行的特别程序")
