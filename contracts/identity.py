"""Identity numbers that cross the wire, checked by their national check digits."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def resident_id_check_digit(first17: str) -> str:
    """GB 11643: the 18th character of a resident ID number."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


_DIGITS = frozenset("0123456789")


def canonical_number(value: str) -> str:
    """One way to write an identity number: full-width characters (３７０６…, ｘ) folded by NFKC
    and letters upper-cased, so one person or company has one number however it was typed."""
    return unicodedata.normalize("NFKC", value).upper()


def _check_resident_id(value: str) -> str:
    value = canonical_number(value)
    if len(value) != 18 or not set(value[:17]) <= _DIGITS:
        raise ValueError("居民身份证号码应为18位，前17位为数字")
    if resident_id_check_digit(value[:17]) != value[17]:
        raise ValueError("居民身份证号码校验码不正确")
    return value


ResidentIdNumber = Annotated[str, StringConstraints(max_length=18),
                            AfterValidator(_check_resident_id)]

_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_character(first17: str) -> str:
    """GB 32100: the 18th character of a unified social credit code."""
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def _check_credit_code(value: str) -> str:
    value = canonical_number(value)
    if len(value) != 18:
        raise ValueError("统一社会信用代码应为18位")
    excluded = sorted({c for c in value if c not in _CREDIT_CHARS})
    if excluded:
        raise ValueError(f"统一社会信用代码不能含有字符 {''.join(excluded)}")
    if credit_code_check_character(value[:17]) != value[17]:
        raise ValueError("统一社会信用代码校验码不正确")
    return value


CreditCode = Annotated[str, StringConstraints(max_length=18), AfterValidator(_check_credit_code)]


Phone = Annotated[str, StringConstraints(max_length=13,
                                         pattern=r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")]


MASKING = "id 1+1, name surname"
"""How `masked()` masks, named: read tables that keep masked text are made again when it changes."""


def mask_id_number(value: str) -> str:
    """An ID number as a view shows it: the first and the last character only. The first six
    (the area of birth registration) and the last four (sequence and check digit) would leave
    the birth date alone unknown: one of some 20,000 days, some 2,000 of which fit the check
    digit shown."""
    return f"{value[:1]}{'*' * (len(value) - 2)}{value[-1:]}"


def mask_name(name: str) -> str:
    return f"{name[0]}{'*' * (len(name) - 1)}"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Person(_Frozen):
    """A natural person applying for themself. Personal data: masked where not needed."""

    kind: Literal["person"] = "person"
    name: str = Field(min_length=1, max_length=64)
    id_number: ResidentIdNumber
    phone: Phone

    def masked(self) -> str:
        return f"{mask_name(self.name)} {mask_id_number(self.id_number)}"

    def numbers(self) -> tuple[str, ...]:
        """The numbers that name this applicant (what a lookup's blind index is made of)."""
        return (self.id_number,)

    def identifies(self, number: str) -> bool:
        return canonical_number(number) in self.numbers()


class Agent(_Frozen):
    """Someone acting for the applicant on a written mandate (委托书)."""

    name: str = Field(min_length=1, max_length=64)
    id_number: ResidentIdNumber
    phone: Phone
    mandate_number: str = Field(min_length=1, max_length=50, description="委托书编号")


class Company(_Frozen):
    """A company or other organisation, present through its legal representative or an agent."""

    kind: Literal["company"] = "company"
    name: str = Field(min_length=1, max_length=100)
    credit_code: CreditCode
    legal_representative: str = Field(min_length=1, max_length=64)
    representative_id_number: ResidentIdNumber
    phone: Phone
    agent: Agent | None = None

    def masked(self) -> str:
        return f"{self.name} {self.credit_code}"  # the company itself is not personal data

    def numbers(self) -> tuple[str, ...]:
        """The company's code and its legal representative's ID number: either finds it."""
        return (self.credit_code, self.representative_id_number)

    def identifies(self, number: str) -> bool:
        return canonical_number(number) in self.numbers()


def _kind(value: object) -> str:
    """`kind` decides; without it, a credit code means a company."""
    if isinstance(value, dict):
        return str(value.get("kind") or ("company" if "credit_code" in value else "person"))
    return str(getattr(value, "kind", "person"))


APPLICANT_KINDS = frozenset({"person", "company"})
Applicant = Annotated[
    Annotated[Person, Tag("person")] | Annotated[Company, Tag("company")], Discriminator(_kind)
]
