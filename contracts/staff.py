"""Who a staff member is, as the identity provider's token says: the claims every service
reads from a bearer token (OpenID Connect ID/access token, JWT), whoever issued it."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

Role = Literal["guide", "window", "approver", "head", "delivery", "supervisor", "auditor",
               "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
ROLES_ZH: dict[str, str] = {
    "guide": "导服人员", "window": "窗口受理人员", "approver": "审批人员",
    "head": "部门负责人", "delivery": "寄递送达人员", "supervisor": "督查人员",
    "auditor": "审计人员", "admin": "系统管理员"}
AUDIENCE = "tongban"
"""The `aud` every staff token carries: tokens the provider issues for other systems are not
ours."""

SYSTEM_ROLE = "system"
"""What a service acting on its own records (a deadline, a timeout). No token may carry it:
a clerk's step must never look automatic."""


class StaffClaims(BaseModel):
    """The claims of a verified token: the person, their site, department and roles. Roles
    this system does not know are dropped; `system` refuses the whole token."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sub: str = Field(min_length=1, max_length=64, description="staff id, e.g. 370671-W01")
    name: str = Field(default="", max_length=64)
    site: str = Field(pattern=r"^\d{6}$", description="division code of the staff's site")
    department: str = Field(default="", max_length=64)
    roles: tuple[str, ...] = Field(default=(), max_length=32)

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if SYSTEM_ROLE in value:
            raise ValueError("no token may carry the system role")
        return tuple(r for r in value if r in ROLES)
