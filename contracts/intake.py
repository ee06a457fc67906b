"""Events of the receiving site's hall: the guide desk (引导台) and the window (窗口)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.base import DivisionCode, DomainEvent
from contracts.files import FileRef
from contracts.identity import Applicant
from contracts.personal import Kept

DeliveryChannel = Literal["online", "mail_to_applicant", "pickup_at_window"]
HandlingMode = Literal["online", "remote_proxy", "joint"]  # 全程网办 / 异地代收代办 / 多地联办
Destination = Literal["dedicated_window", "comprehensive_window", "self_service", "elsewhere"]


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Place(_Part):
    place: str
    phone: str


class SubmittedItem(_Part):
    material_code: str
    name: str
    form: Literal["original", "copy", "electronic"]
    copies: int = Field(ge=1)
    pages: int = Field(ge=1)


class Defect(_Part):
    material_code: str
    name: str
    problem: Literal["missing", "defective"]
    detail: str = Field(min_length=1, max_length=200)


class FeeItem(_Part):
    item: str
    amount_yuan: Decimal
    how_to_pay: str


# Guide desk: the "case" of these events is the visit.

class VisitorTriaged(DomainEvent):
    """引导分流: where the guide sent a visitor, and why."""

    service = "intake"
    matter_code: str | None
    matter_name: str | None
    destination: Destination
    window_id: str | None = None
    elsewhere: Place | None = None


class TicketIssued(DomainEvent):
    """取号: a queue ticket, numbered per window per day."""

    service = "intake"
    window_id: str
    day: date
    number: int = Field(ge=1)
    ticket: str


# The window.

class _ApplicationFacts(DomainEvent):
    """What the window knows of an application (not itself an event)."""

    matter_code: str
    matter_name: str
    handling_mode: HandlingMode
    applicant: Kept[Applicant]
    receiving_site: DivisionCode
    delivery_channel: DeliveryChannel
    personal = ("applicant",)


class CaseOpened(_ApplicationFacts):
    """收件: the window took in an application; the actor owns the case to its end (首问负责)."""

    service = "intake"
    owner_staff_id: str


class ProxyServiceAuthorized(DomainEvent):
    """帮办/代办: staff help or act for the applicant; 代办 rests on a written mandate."""

    service = "intake"
    kind: Literal["assisted", "proxy"]
    mandate_number: Kept[str] | None
    personal = ("mandate_number",)
    staff_id: str


class MaterialsSubmitted(DomainEvent):
    """The materials handed over at the window (the receipt of materials lists them)."""

    service = "intake"
    items: list[SubmittedItem] = Field(min_length=1)
    supplement_to_notice: int | None = None  # set when this answers a one-time notice


class IdentityVerified(DomainEvent):
    """身份核验: whose identity was checked, and how."""

    service = "intake"
    subject: Literal["applicant", "legal_representative", "agent"]
    person_name: Kept[str]
    personal = ("person_name",)
    method: Literal["id_card_reader", "face_match", "document_check"]


class CorrectionNoticeIssued(DomainEvent):
    """一次性告知 / 补正: every missing or defective item, in one notice."""

    service = "intake"
    notice_number: int = Field(ge=1)
    defects: list[Defect] = Field(min_length=1)
    reply_by: date | None = None


class CommitmentSigned(DomainEvent):
    """告知承诺: the applicant's signed commitment replaces the named proofs."""

    service = "intake"
    material_codes: list[str] = Field(min_length=1)
    signed_by: Kept[str]
    statement: str
    personal = ("signed_by",)


class FeeGuidanceGiven(DomainEvent):
    """The window told the applicant what to pay and how; the applicant pays directly."""

    service = "intake"
    fees: list[FeeItem]


class CaseAccepted(_ApplicationFacts):
    """受理: the legal act that starts the clock; carries what routing needs to move the case."""

    service = "intake"
    acceptance_number: str
    case_type: Literal["即办件", "承诺件"]
    promised_days: int
    promised_date: date
    paper_items: list[SubmittedItem] = Field(default_factory=list)  # none for 全程网办
    pending_materials: list[str] = Field(default_factory=list)  # 容缺受理: not yet supplied
    promise_due: date | None = None
    committed_materials: list[str] = Field(default_factory=list)  # 告知承诺 replaced these
    files: list[FileRef] = Field(default_factory=list)  # scans and electronic materials


class PromisedMaterialsDelivered(DomainEvent):
    """容缺: a material promised at tolerant acceptance arrived."""

    service = "intake"
    items: list[SubmittedItem] = Field(min_length=1)
    all_delivered: bool


class CaseRejected(DomainEvent):
    """不予受理: with the reason, where to apply instead and the right to review or sue."""

    service = "intake"
    reason: str
    apply_instead: str | None


class CaseTerminated(DomainEvent):
    """终止: a tolerant acceptance whose promised materials did not arrive in time."""

    service = "intake"
    reason: str
    missing_materials: list[str]


class BusinessSupplementRequested(DomainEvent):
    """The business site asked for a supplement; the window tells the applicant (补正)."""

    service = "intake"
    requested_by_site: DivisionCode
    items: list[str] = Field(min_length=1)


class SupplementForwarded(DomainEvent):
    """The window took the supplement from the applicant and sent it on to the business site."""

    service = "intake"
    to_site: DivisionCode
    items: list[SubmittedItem] = Field(min_length=1)


class ExtensionNotified(DomainEvent):
    """The window tells the applicant the business site extended the limit, and why."""

    service = "intake"
    extended_by_site: DivisionCode
    extra_days: int
    reason: str
    due_date: date


class CaseCompleted(DomainEvent):
    """办结: the receiving window learned that the result reached the applicant."""

    service = "intake"
    business_site: DivisionCode
    delivery_channel: DeliveryChannel
    outcome: Literal["approved", "denied"] = "approved"
