"""Events of bringing the result to the applicant (结果送达).

The business site issues the result and dispatches it (online, by mail to the applicant, or by
mail to the receiving window); the receiving window signs for a parcel, hands it over after an
identity check, and explains a result that is neither licence nor document.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from contracts.base import DivisionCode, DomainEvent, UtcDatetime
from contracts.intake import DeliveryChannel
from contracts.personal import Kept

ResultType = Literal["licence", "document", "none"]
Recipient = Literal["applicant", "window"]
Collector = Literal["applicant", "legal_representative", "agent"]


class ResultIssued(DomainEvent):
    """The result (licence, document) exists and has a number."""

    service = "delivery"
    result_type: ResultType
    document_number: str
    holder_name: Kept[str]
    valid_until: date | None = None
    receiving_site: DivisionCode
    personal = ("holder_name",)  # the applicant's name, for a person


class ResultPushedOnline(DomainEvent):
    """The electronic result was made available to the applicant, who was notified."""

    service = "delivery"
    document_number: str
    receiving_site: DivisionCode
    notified_at: UtcDatetime | None = None
    notice: str = ""  # what the applicant was told, and how (短信)
    lookup_at: str = ""  # where the electronic licence or document can be fetched


class DeliveryChoiceChanged(DomainEvent):
    """The applicant changed how the result reaches them, at the receiving window."""

    service = "delivery"
    channel: DeliveryChannel
    address: Kept[str] | None = None  # for mail to the applicant
    business_site: DivisionCode
    personal = ("address",)


class DeliveryChoiceTooLate(DomainEvent):
    """The business site had already dispatched the result when the change reached it."""

    service = "delivery"
    channel: DeliveryChannel
    dispatched: str  # how the result had gone, e.g. "已邮寄 1187654321306"
    receiving_site: DivisionCode


class ResultMailed(DomainEvent):
    """The business site handed the paper result to a carrier (邮寄送达)."""

    service = "delivery"
    recipient: Recipient
    to_site: DivisionCode  # the receiving site: its window, or the site of the applicant
    carrier: str = Field(min_length=1, max_length=40)
    tracking_number: str = Field(min_length=4, max_length=40)
    address: Kept[Annotated[str, StringConstraints(min_length=4, max_length=200)]]
    addressee: Kept[Annotated[str, StringConstraints(min_length=1, max_length=100)]]
    personal = ("address", "addressee")


class MailDelivered(DomainEvent):
    """The carrier's proof of delivery to the applicant: who signed, when."""

    service = "delivery"
    tracking_number: str
    signed_by: Kept[str]
    signed_at: UtcDatetime
    receiving_site: DivisionCode
    personal = ("signed_by",)


class MailReturned(DomainEvent):
    """The parcel came back undelivered; the result waits to be mailed again."""

    service = "delivery"
    tracking_number: str
    reason: str
    receiving_site: DivisionCode


class ResultArrivedAtWindow(DomainEvent):
    """The receiving window signed for the result parcel and checked it."""

    service = "delivery"
    tracking_number: str
    from_site: DivisionCode
    intact: bool
    note: str = ""


class ResultHandedToApplicant(DomainEvent):
    """The applicant (or their representative) showed ID, collected the result and signed."""

    service = "delivery"
    collected_by: Collector
    collector_name: Kept[str]
    identity_method: str
    document_number: Kept[str]
    from_site: DivisionCode
    personal = ("collector_name", "document_number")


class ResultFormExplained(DomainEvent):
    """No certificate or document: the window told the applicant the form of the result and
    where to look it up."""

    service = "delivery"
    form: str
    lookup_at: str
    business_site: DivisionCode


class CollectionReminded(DomainEvent):
    """The result waited at the window past the reminder threshold: the applicant was told."""

    service = "delivery"
    arrived_on: date
    working_days_waiting: int


class CollectionSupervised(DomainEvent):
    """督办: the result still waits at the window past the supervision threshold."""

    service = "delivery"
    arrived_on: date
    working_days_waiting: int
