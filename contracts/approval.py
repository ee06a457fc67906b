"""Events of the business site's approval (审批)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from contracts.base import DivisionCode, DomainEvent
from contracts.delivery import ResultType
from contracts.identity import Applicant
from contracts.intake import DeliveryChannel
from contracts.personal import Withheld


class CaseReceived(DomainEvent):
    """The case entered the approval inbox of a department at the business site."""

    service = "approval"
    matter_code: str
    matter_name: str
    department: str
    joint_role: str | None = None  # this site's part of a joint case (多地联办)
    accepted_on: date | None = None
    limit_days: int = 0  # the promised limit in working days, from acceptance
    max_days: int = 0  # the most the norms allow with extensions
    due_date: date | None = None
    due_provisional: bool = False
    applicant: Applicant | Withheld
    receiving_site: DivisionCode
    delivery_channel: DeliveryChannel
    personal = ("applicant",)


class CaseApproved(DomainEvent):
    """准予: the approver decided for the applicant."""

    service = "approval"
    result_type: ResultType
    document_number: str
    valid_until: date | None = None
    opinion: str
    holder_name: str
    receiving_site: DivisionCode
    delivery_channel: DeliveryChannel


class JointPartDecided(DomainEvent):
    """A participating site decided its part of a joint case."""

    service = "approval"
    part_site: DivisionCode
    department: str
    role: str
    approved: bool
    reason: str


class CaseClaimed(DomainEvent):
    """An approver of the department took the case: review starts, and only they decide it."""

    service = "approval"
    approver_staff_id: str


APPEAL_RIGHTS = ("如不服本决定，可以自收到本决定之日起六十日内依法申请行政复议，"
                 "或者在六个月内依法向人民法院提起行政诉讼。")


class CaseDenied(DomainEvent):
    """不予许可: with the reasons and the applicant's right to review or to sue."""

    service = "approval"
    reasons: list[str] = Field(min_length=1)
    appeal_rights: str
    receiving_site: DivisionCode


class ClockPaused(DomainEvent):
    """The legal clock stops: a supplement requested (补正) or a special procedure running."""

    service = "approval"
    cause: Literal["supplement", "special_procedure"]
    detail: str


class ClockResumed(DomainEvent):
    service = "approval"
    paused_working_days: int
    due_date: date
    due_provisional: bool


class SupplementRequested(DomainEvent):
    """补正: what the applicant must supply; travels back to the receiving window."""

    service = "approval"
    items: list[str] = Field(min_length=1)
    receiving_site: DivisionCode


class SpecialProcedureStarted(DomainEvent):
    """听证、专家评审、检验检测…: excluded from the clock; the applicant is told the time needed."""

    service = "approval"
    kind: Literal["hearing", "expert_review", "inspection", "testing", "appraisal", "quarantine"]
    expected_days: int = Field(ge=1)
    notice: str


class SpecialProcedureEnded(DomainEvent):
    """The special procedure is over, with what it found; the clock resumes."""

    service = "approval"
    outcome: str


class DeadlineExtended(DomainEvent):
    """延期: with the head's approval and a reason, told to the applicant."""

    service = "approval"
    extra_days: int = Field(ge=1)
    reason: str
    approved_by: str
    due_date: date
    due_provisional: bool
    receiving_site: DivisionCode


class DeadlineApproaching(DomainEvent):
    service = "approval"
    due_date: date
    working_days_left: int


class CaseOverdue(DomainEvent):
    service = "approval"
    due_date: date


class DueDateRecomputed(DomainEvent):
    """A provisional due date computed again once its year's calendar is installed or configured."""

    service = "approval"
    previous_due_date: date
    due_date: date
    due_provisional: bool
