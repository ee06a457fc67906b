"""Events of the exchange: where a case goes and which sites are its parties."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.base import DivisionCode, DomainEvent, UtcDatetime
from contracts.files import FileRef
from contracts.identity import Applicant
from contracts.intake import DeliveryChannel, HandlingMode, SubmittedItem
from contracts.personal import Kept
from contracts.text import PlainText


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Manifest(_Part):
    """移交清单: the paper one receiving department gets, item by item."""

    number: str
    to_site: DivisionCode
    department: str
    items: list[SubmittedItem] = Field(min_length=1)


class Discrepancy(_Part):
    material_code: str
    name: str
    expected_pages: int
    received_pages: int


class JointPart(_Part):
    """One participating site's part of a joint case (多地联办)."""

    site: DivisionCode
    department: str
    role: str


class _RouteFacts(DomainEvent):
    """What both ends of the exchange record about where a case goes (not itself an event)."""

    matter_code: str
    matter_name: str
    handling_mode: HandlingMode
    applicant: Kept[Applicant]
    personal = ("applicant",)
    receiving_site: DivisionCode
    business_sites: list[DivisionCode] = Field(min_length=1)
    department: str
    delivery_channel: DeliveryChannel
    manifests: list[Manifest] = Field(default_factory=list)  # none for 全程网办
    joint_parts: list[JointPart] = Field(default_factory=list)  # only for 多地联办
    decide_by: date | None = None  # the promised completion date
    accepted_on: date | None = None  # the clock starts here (受理), the day itself not counted
    promised_days: int = 0
    statutory_days: int = 0
    files: list[FileRef] = Field(default_factory=list)  # replicated to the business sites


class CaseRouted(_RouteFacts):
    """The receiving site sent the case to its business site(s)."""

    service = "routing"


class CaseAdmitted(_RouteFacts):
    """A business site's exchange admitted a case sent by its receiving site."""

    service = "routing"


class ParcelDispatched(DomainEvent):
    """The sender handed the parcel of a manifest to the carrier and signed for it."""

    service = "routing"
    manifest_number: str
    to_site: DivisionCode
    carrier: str
    tracking_number: str


class ParcelReceived(DomainEvent):
    """The receiving department checked the parcel against its manifest and signed for it."""

    service = "routing"
    manifest_number: str
    from_site: DivisionCode
    complete: bool
    discrepancies: list[Discrepancy] = Field(default_factory=list)


class HandoverConfirmed(DomainEvent):
    """The sender learned that the other side signed for its parcel: the hand-over is closed."""

    service = "routing"
    manifest_number: str
    received_by_site: DivisionCode
    received_by: str
    received_at: UtcDatetime
    complete: bool
    discrepancies: list[Discrepancy] = Field(default_factory=list)


class HandoverOverdue(DomainEvent):
    """A parcel not signed for within its threshold of working days (raised once)."""

    service = "routing"
    manifest_number: str
    dispatched_on: date
    threshold_days: int
    responsible_site: DivisionCode


class JointPartReported(DomainEvent):
    """The coordinating (receiving) site recorded one part's decision."""

    service = "routing"
    part_site: DivisionCode
    approved: bool
    reason: str


class JointCaseDecided(DomainEvent):
    """Every part approved, or one part denied: the joint case is decided."""

    service = "routing"
    approved: bool
    denied_part: DivisionCode | None = None
    reason: str


class JointSessionScheduled(DomainEvent):
    """联办会商: the sites meet (video, phone or network) at a time, by a link."""

    service = "routing"
    starts_at: UtcDatetime
    link: str
    participants: list[DivisionCode]


class JointSessionHeld(DomainEvent):
    service = "routing"
    minutes: str


class SupervisionNoted(DomainEvent):
    """督办: a leg of the case stalled past its threshold; names the leg and who answers for it."""

    service = "routing"
    leg: str
    responsible_site: DivisionCode
    detail: str


class RemoteConsultationRequested(DomainEvent):
    """The receiving window asks the business-site approver for live guidance or review."""

    service = "routing"
    with_site: DivisionCode
    channel: Literal["video", "phone", "network"]
    topic: str


class RemoteConsultationHeld(DomainEvent):
    """远程会商: what was asked and what the approver answered."""

    service = "routing"
    with_site: DivisionCode
    channel: Literal["video", "phone", "network"]
    approver: str
    summary: str


class DecisionReported(DomainEvent):
    """The receiving site learned the business site's decision: the decision leg is closed."""

    service = "routing"
    decided_by_site: DivisionCode
    approved: bool


PersonalDataKind = Literal["applicant_identity", "agent_mandate", "identity_check", "signatory",
                           "delivery_address", "addressee", "collector_identity", "evaluator"]
ShreddingBasis = Literal["retention", "erasure"]  # 保存期限届满 / 依法删除


class PersonalDataDestroyed(DomainEvent):
    """个人信息销毁 (crypto-shredding): this site destroyed every key it held to the case's
    personal fields, which read as 已销毁 here from now on; the events, their hashes and seals
    stay. Names the kinds of data and the basis, never a value: the retention period that ran
    out (`kept_until`, its last day), or a lawful erasure request with its written basis.
    `following`: the party whose record of shredding made this site shred too."""

    service = "routing"
    kinds: list[PersonalDataKind] = Field(max_length=20)
    basis: ShreddingBasis
    kept_until: date | None = None
    legal_basis: PlainText | None = Field(default=None, min_length=2, max_length=500)
    following: DivisionCode | None = None
