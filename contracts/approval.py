"""Events of the business site's approval (审批)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from contracts.base import DivisionCode, DomainEvent
from contracts.delivery import ResultType
from contracts.identity import Applicant
from contracts.intake import DeliveryChannel


class CaseReceived(DomainEvent):
    """The case entered the approval inbox of a department at the business site."""

    service = "approval"
    matter_code: str
    matter_name: str
    department: str
    joint_role: str | None = None  # this site's part of a joint case (多地联办)
    applicant: Applicant
    receiving_site: DivisionCode
    delivery_channel: DeliveryChannel


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
