"""A case in a business-site department: received into the inbox, then decided once."""

from __future__ import annotations

from datetime import date
from typing import Literal, Self

from contracts.approval import CaseApproved, CaseReceived
from contracts.delivery import ResultType
from contracts.routing import CaseAdmitted
from services.runtime.aggregate import Aggregate, Context, DomainError

Status = Literal["received", "approved"]


class CaseAlreadyDecided(DomainError):
    def __init__(self) -> None:
        super().__init__("该办件已作出决定，不能再次决定")


class ApprovalCase(Aggregate):
    status: Status
    received: CaseReceived
    decision: CaseApproved | None = None

    @classmethod
    def receive(cls, admitted: CaseAdmitted, ctx: Context) -> Self:
        case = cls(admitted.case_id)
        case._trigger(
            CaseReceived, ctx, case_number=admitted.case_number,
            matter_code=admitted.matter_code, matter_name=admitted.matter_name,
            department=admitted.department, applicant=admitted.applicant,
            receiving_site=admitted.receiving_site, delivery_channel=admitted.delivery_channel,
        )
        return case

    def approve(self, result_type: ResultType, document_number: str, valid_until: date | None,
                opinion: str, ctx: Context) -> None:
        self.check_not_decided()
        r = self.received
        self._trigger(CaseApproved, ctx, result_type=result_type, document_number=document_number,
                      valid_until=valid_until, opinion=opinion, holder_name=r.applicant.name,
                      receiving_site=r.receiving_site, delivery_channel=r.delivery_channel)

    def check_not_decided(self) -> None:
        if self.decision is not None:
            raise CaseAlreadyDecided()

    def apply_case_received(self, event: CaseReceived) -> None:
        self.received, self.status = event, "received"

    def apply_case_approved(self, event: CaseApproved) -> None:
        self.decision, self.status = event, "approved"
