"""Events of the window at the receiving site (受理地)."""

from __future__ import annotations

from typing import Literal

from contracts.base import DivisionCode, DomainEvent
from contracts.identity import Applicant

DeliveryChannel = Literal["online", "mail_to_applicant", "pickup_at_window"]


class _ApplicationFacts(DomainEvent):
    """What the window knows of an application (not itself an event)."""

    matter_code: str
    matter_name: str
    applicant: Applicant
    receiving_site: DivisionCode
    delivery_channel: DeliveryChannel


class CaseOpened(_ApplicationFacts):
    """收件: the window took in an application for a matter."""

    service = "intake"


class CaseAccepted(_ApplicationFacts):
    """受理: the legal act that starts the clock; carries what routing needs to move the case."""

    service = "intake"


class CaseCompleted(DomainEvent):
    """办结: the receiving window learned that the result reached the applicant."""

    service = "intake"
    business_site: DivisionCode
    delivery_channel: DeliveryChannel
