"""Events of the business site's approval (审批)."""

from __future__ import annotations

from datetime import date

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
