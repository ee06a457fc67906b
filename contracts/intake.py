"""Events of the window at the receiving site (受理地)."""

from __future__ import annotations

from typing import Literal

from contracts.base import DivisionCode, DomainEvent
from contracts.identity import Applicant

DeliveryChannel = Literal["online", "mail_to_applicant", "pickup_at_window"]


class CaseOpened(DomainEvent):
    """收件: the window took in an application for a matter."""

    service = "intake"
    matter_code: str
    matter_name: str
    applicant: Applicant
    receiving_site: DivisionCode
    delivery_channel: DeliveryChannel


class CaseAccepted(DomainEvent):
    """受理: the legal act that starts the clock; carries what routing needs to move the case."""

    service = "intake"
    matter_code: str
    matter_name: str
    applicant: Applicant
    receiving_site: DivisionCode
    delivery_channel: DeliveryChannel


class CaseCompleted(DomainEvent):
    """办结: the receiving window learned that the result reached the applicant."""

    service = "intake"
    business_site: DivisionCode
    delivery_channel: DeliveryChannel
