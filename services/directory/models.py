"""What a site and a matter are, with the rules every catalogue entry must keep."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from contracts.base import DivisionCode
from contracts.delivery import ResultType
from contracts.identity import CreditCode
from contracts.intake import DeliveryChannel
from contracts.routing import HandlingMode

Phone = str  # kept loose: hall numbers come as 0535-6921234, 12345 or 400-...


DEFAULT_PERSONAL_DATA_RETENTION_DAYS = 1825  # five years, unless the matter's norms say


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Location(_Frozen):
    """Where to go instead, for the one-time notice of a matter not handled in this hall."""

    place: str = Field(min_length=1)
    phone: Phone = Field(pattern=r"^[0-9\-]{5,20}$")


class Window(_Frozen):
    """A window of the hall: dedicated (专窗) to some matters, or comprehensive (综合窗口)."""

    id: str = Field(pattern=r"^[A-Z]\d{2}$")
    kind: Literal["dedicated", "comprehensive"]
    name: str
    matters: list[str] = []  # a dedicated window's matters; empty for a comprehensive one


class SiteKey(_Frozen):
    """One of a site's signing keys (Ed25519, raw public key in base64), valid for a period:
    several per site, so that a key can be rotated and retired."""

    id: str = Field(pattern=r"^[0-9A-Za-z._-]{1,40}$")
    public_key: str = Field(pattern=r"^[A-Za-z0-9+/]{43}=$")
    valid_from: AwareDatetime
    valid_until: AwareDatetime | None = None


class Site(_Frozen):
    code: DivisionCode
    name: str
    province: str
    hall: str = ""
    address: str = ""
    phone: Phone = ""
    credit_code: CreditCode | Literal[""] = ""  # the receiving unit's, printed on notices
    windows: list[Window] = []
    keys: list[SiteKey] = []


class Material(_Frozen):
    code: str = Field(pattern=r"^M\d{2}$")
    name: str
    key: bool = Field(description="要件: without it there is no acceptance, tolerant or not")
    form: Literal["original", "copy", "electronic"]
    copies: int = Field(ge=1, default=1)
    commitment_replaces: bool = Field(
        default=False, description="告知承诺制: the applicant's commitment replaces this proof")
    only_when: Literal["agent"] | None = Field(
        default=None, description="required only when someone applies for the applicant")


class Fee(_Frozen):
    item: str
    amount_yuan: Decimal = Field(ge=0)
    how_to_pay: str


class JointPart(_Frozen):
    site: DivisionCode
    department: str
    role: str


class Matter(_Frozen):
    code: str = Field(pattern=r"^[0-9A-Za-z]{1,33}$")
    name: str
    owner_site: DivisionCode
    department: str
    handling_mode: HandlingMode
    materials: list[Material] = Field(min_length=1)
    tolerant_acceptance: bool
    commitment_allowed: bool
    promised_days: int = Field(ge=0, description="承诺时限, working days")
    statutory_days: int = Field(ge=0, description="法定时限, working days")
    case_type: Literal["即办件", "承诺件"]
    fees: list[Fee] = []
    result_type: ResultType
    delivery_options: list[DeliveryChannel] = Field(min_length=1)
    in_hall: bool
    elsewhere: Location | None = None
    self_servable: bool
    joint_parts: list[JointPart] = []
    personal_data_retention_days: int = Field(
        default=DEFAULT_PERSONAL_DATA_RETENTION_DAYS, ge=1, le=36500,
        description="个人信息保存期限: days after the case ended (completed, denied, not "
        "accepted, terminated) that its personal data is kept; then every site destroys its keys")
    originals_checked_before_decision: bool = Field(
        default=False, description="原件核验: the business site decides only after it signed for "
        "the parcel of originals")

    @model_validator(mode="after")
    def check_rules(self) -> Self:
        if self.promised_days > self.statutory_days:
            raise ValueError(f"promised_days: {self.promised_days} exceeds statutory_days "
                             f"{self.statutory_days}")
        if not self.in_hall and self.elsewhere is None:
            raise ValueError("elsewhere: a matter not handled in this hall needs place and phone")
        if self.handling_mode == "joint" and len({p.site for p in self.joint_parts}) < 2:
            raise ValueError("joint_parts: joint handling needs parts at two or more sites")
        if self.commitment_allowed and not any(m.commitment_replaces for m in self.materials):
            raise ValueError("materials: commitment allowed but no material it can replace")
        if self.originals_checked_before_decision and (
                self.handling_mode == "online" or all(m.form != "original" for m in self.materials)):
            raise ValueError("originals_checked_before_decision: no original travels to the "
                             "business site")
        codes = [m.code for m in self.materials]
        if len(codes) != len(set(codes)):
            raise ValueError("materials: material codes repeat")
        return self

    def material(self, code: str) -> Material | None:
        return next((m for m in self.materials if m.code == code), None)

    @property
    def business_sites(self) -> list[str]:
        return sorted({p.site for p in self.joint_parts}) if self.joint_parts else [self.owner_site]


class Directory(BaseModel):
    sites: dict[str, Site]
    matters: dict[str, Matter]

    def matter(self, code: str) -> Matter | None:
        return self.matters.get(code)

    def site(self, code: str) -> Site | None:
        return self.sites.get(code)
