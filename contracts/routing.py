"""Events of the exchange: where a case goes and which sites are its parties."""

from __future__ import annotations

from pydantic import Field

from contracts.base import DivisionCode, DomainEvent
from contracts.identity import Applicant
from contracts.intake import DeliveryChannel, HandlingMode, SubmittedItem


class _RouteFacts(DomainEvent):
    """What both ends of the exchange record about where a case goes (not itself an event)."""

    matter_code: str
    matter_name: str
    handling_mode: HandlingMode
    applicant: Applicant
    receiving_site: DivisionCode
    business_sites: list[DivisionCode] = Field(min_length=1)
    department: str
    delivery_channel: DeliveryChannel
    paper_items: list[SubmittedItem] = Field(default_factory=list)  # originals sent by parcel


class CaseRouted(_RouteFacts):
    """The receiving site sent the case to its business site(s)."""

    service = "routing"


class CaseAdmitted(_RouteFacts):
    """A business site's exchange admitted a case sent by its receiving site."""

    service = "routing"
