"""The case as the receiving window sees it: opened, accepted (受理), completed (办结)."""

from __future__ import annotations

from typing import Literal, Self
from uuid import UUID

from contracts.identity import Applicant
from contracts.intake import CaseAccepted, CaseCompleted, CaseOpened, DeliveryChannel
from services.directory import Matter
from services.runtime.aggregate import Aggregate, Context, DomainError

Status = Literal["opened", "accepted", "completed"]


class CaseAlreadyAccepted(DomainError):
    def __init__(self) -> None:
        super().__init__("该办件已受理，不能重复受理")


class CaseNotAccepted(DomainError):
    def __init__(self) -> None:
        super().__init__("该办件尚未受理")


class WindowCase(Aggregate):
    status: Status
    opened: CaseOpened

    @classmethod
    def open(
        cls, case_id: UUID, case_number: str, matter: Matter, applicant: Applicant,
        delivery_channel: DeliveryChannel, ctx: Context,
    ) -> Self:
        case = cls(case_id)
        case._trigger(
            CaseOpened, ctx, case_number=case_number, matter_code=matter.code,
            matter_name=matter.name, applicant=applicant, receiving_site=ctx.site,
            delivery_channel=delivery_channel,
        )
        return case

    def accept(self, ctx: Context) -> None:
        self.check_not_accepted()
        o = self.opened
        self._trigger(
            CaseAccepted, ctx, matter_code=o.matter_code, matter_name=o.matter_name,
            applicant=o.applicant, receiving_site=o.receiving_site,
            delivery_channel=o.delivery_channel,
        )

    def complete(self, business_site: str, ctx: Context) -> None:
        """Idempotent: a result reported twice completes the case once."""
        if self.status == "completed":
            return
        if self.status != "accepted":
            raise CaseNotAccepted()
        self._trigger(CaseCompleted, ctx, business_site=business_site,
                      delivery_channel=self.opened.delivery_channel)

    def check_not_accepted(self) -> None:
        if self.status != "opened":
            raise CaseAlreadyAccepted()

    def apply_case_opened(self, event: CaseOpened) -> None:
        self.opened, self.status = event, "opened"

    def apply_case_accepted(self, event: CaseAccepted) -> None:
        self.status = "accepted"

    def apply_case_completed(self, event: CaseCompleted) -> None:
        self.status = "completed"
