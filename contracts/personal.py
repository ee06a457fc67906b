"""Personal data in events: which fields hold it, and what a field reads as once it cannot be
read any more.

An event class names its personal fields in `personal` (the applicant, an addressee, who
signed). Stored and on the wire each such field is an envelope instead of its value:

    {"sealed": "tb-pd1", "site": "<the site whose key sealed it>", "ct": "<base64>"}

`ct` is the field's JSON, encrypted with AES-256-GCM under that site's data key for the case
(12-byte nonce first; associated data `tb-pd1|<case_id>|<site>|<field>`). The event's hash and
seal cover the envelope, so destroying the key later (crypto-shredding) leaves every chain and
signature intact. A party site asks the sealing site for its key; nobody else gets it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Discriminator, Tag

ENVELOPE = "tb-pd1"
DESTROYED_ZH = "已销毁"
UNREADABLE_ZH = "（无权查看）"


class Withheld(BaseModel):
    """A personal field as read without its value: its key was destroyed (`destroyed`, shown
    已销毁), or this reader holds no key for it (`sealed`). Answers the questions views ask of
    an applicant (name, ID number, masked form) with the same words, never a value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["withheld"] = "withheld"
    why: Literal["destroyed", "sealed"] = "destroyed"

    def __str__(self) -> str:
        return DESTROYED_ZH if self.why == "destroyed" else UNREADABLE_ZH

    @property
    def name(self) -> str:
        return str(self)

    id_number = phone = credit_code = legal_representative = name
    representative_id_number = mandate_number = name

    @property
    def agent(self) -> None:
        return None

    def masked(self) -> str:
        return str(self)

    def numbers(self) -> tuple[str, ...]:
        return ()

    def identifies(self, number: str) -> bool:
        return False


# What kind of personal data each personal field holds, as a record of shredding names it
# (never the value): one name per field, whatever event holds it.
DATA_KINDS: dict[str, str] = {
    "applicant": "applicant_identity",
    "holder_name": "applicant_identity",  # the name a licence or decision is issued to
    "mandate_number": "agent_mandate",
    "person_name": "identity_check",
    "signed_by": "signatory",
    "address": "delivery_address",
    "addressee": "addressee",
    "collector_name": "collector_identity",
    "document_number": "collector_identity",
    "evaluator": "evaluator",
}
DATA_KINDS_ZH: dict[str, str] = {
    "applicant_identity": "申请人身份信息", "agent_mandate": "委托代理信息",
    "identity_check": "身份核验信息", "signatory": "签字人姓名", "delivery_address": "送达地址",
    "addressee": "收件人", "collector_identity": "领取人身份信息", "evaluator": "评价人信息",
}


DESTROYED = Withheld(why="destroyed")
SEALED = Withheld(why="sealed")


def _kept_as(value: Any) -> str:
    if isinstance(value, Withheld) or (isinstance(value, dict) and value.get("kind") == "withheld"):
        return "withheld"
    return "value"


T = TypeVar("T")
Kept = Annotated[Annotated[T, Tag("value")] | Annotated[Withheld, Tag("withheld")],
                 Discriminator(_kept_as)]
"""A personal field's type as events hold it: its value, or `Withheld` — told apart by `kind`,
so a bad value is reported against the value's own rules only."""
