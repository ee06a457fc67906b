"""Identity numbers that cross the wire, checked by their national check digits."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def resident_id_check_digit(first17: str) -> str:
    """GB 11643: the 18th character of a resident ID number."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def _check_resident_id(value: str) -> str:
    value = value.upper()
    if len(value) != 18 or not value[:17].isdigit():
        raise ValueError("居民身份证号码应为18位，前17位为数字")
    if resident_id_check_digit(value[:17]) != value[17]:
        raise ValueError("居民身份证号码校验码不正确")
    return value


ResidentIdNumber = Annotated[str, AfterValidator(_check_resident_id)]


class Applicant(BaseModel):
    """The person who applies. Personal data: masked in views that do not need it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    id_number: ResidentIdNumber

    def masked(self) -> str:
        return f"{self.name[0]}{'*' * (len(self.name) - 1)} {self.id_number[:6]}********{self.id_number[-4:]}"
