"""Who may call a route, declared on the route, checked on every request; refused if undeclared.

A staff route takes `actor: staff_in("window")` (or `dependencies=[allowed("auditor")]` when it
needs no actor): the caller's bearer token must be valid, of this site, and carry one of the
roles; the actor acts in the first of the route's roles the token has. An applicant's route
declares `applicant_route`, an operator's probe `ops_route`. A route that declares none of
these is refused at run time as well as by the test that walks every service's routes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import structlog
from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from contracts.base import Actor
from contracts.staff import ROLES, ROLES_ZH, StaffClaims
from services.runtime.bearer import IssuerKeys, IssuerUnreachable, Unauthenticated, verified

log = structlog.get_logger()
BEARER = HTTPBearer(auto_error=False, description="职员令牌（OpenID Connect, JWT）")


class Refused(Exception):
    """401: nobody proven; 403: proven, but not for this; 503: the issuer is unreachable."""

    def __init__(self, status: int, rule: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.rule, self.reason = status, rule, reason


@dataclass
class Gate:
    """What every request's check needs: this site, the issuer's keys and the clock."""

    site: str
    keys: IssuerKeys | None  # None: no issuer configured, so every staff route refuses
    clock: Callable[[], datetime]
    leeway_seconds: float = 30.0

    async def claims(self, token: str | None) -> StaffClaims:
        if token is None:
            raise Unauthenticated("token_missing", "请先登录：请求未携带职员令牌")
        if self.keys is None:
            raise Unauthenticated("issuer_unset", "本服务未配置身份认证服务，不接受职员请求")
        try:
            return await verified(token, self.keys, self.clock(), self.leeway_seconds)
        except IssuerUnreachable as error:
            log.error("issuer_unreachable", error=str(error))
            raise Refused(503, "issuer_unreachable", "身份认证服务暂不可用，请稍后再试") from None


@dataclass(frozen=True)
class Access:
    """The roles that may call a route, and whether only staff of this site may."""

    roles: tuple[str, ...]
    own_site: bool = True

    def __post_init__(self) -> None:
        unknown = set(self.roles) - set(ROLES)
        if unknown or not self.roles:
            raise ValueError(f"a route must name roles among {ROLES}, not {unknown or 'none'}")

    async def __call__(self, request: Request, credentials: Annotated[
            HTTPAuthorizationCredentials | None, Depends(BEARER)]) -> Actor:
        gate: Gate = request.app.state.gate
        claims: StaffClaims | None = None
        try:
            claims = await gate.claims(credentials.credentials if credentials else None)
            if self.own_site and claims.site != gate.site:
                raise Refused(403, "other_site", f"令牌属于{claims.site}的职员，"
                                                 f"不能在本地（{gate.site}）办理")
            role = next((r for r in self.roles if r in claims.roles), None)
            if role is None:
                wanted = "、".join(ROLES_ZH[r] for r in self.roles)
                raise Refused(403, "role_not_allowed", f"此操作仅限{wanted}")
        except Unauthenticated as error:
            refuse(request, claims, error.rule)
            raise Refused(401, error.rule, error.reason) from None
        except Refused as error:
            refuse(request, claims, error.rule)
            raise
        return Actor(staff_id=claims.sub, role=role)


@dataclass(frozen=True)
class Open:
    """A route without a staff token: the applicant's own (who proves themselves by what they
    know) or an operator's probe."""

    who: str

    def __call__(self) -> None:
        return None


applicant_route = Depends(Open("applicant"))
ops_route = Depends(Open("ops"))


def staff_in(*roles: str, own_site: bool = True) -> Any:
    """The actor of a route these roles may call: `actor: staff_in("approver", "head")`."""
    return Annotated[Actor, Depends(Access(roles, own_site))]


def allowed(*roles: str, own_site: bool = True) -> Any:
    """The same for a route that needs no actor: `dependencies=[allowed("auditor")]`."""
    return Depends(Access(roles, own_site))


def refuse(request: Request, claims: StaffClaims | None, rule: str) -> None:
    log.warning("access_refused", rule=rule, method=request.method, path=request.url.path,
                staff=claims.sub if claims else None, site=claims.site if claims else None,
                roles=list(claims.roles) if claims else None)


async def refused_answer(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Refused)
    headers = {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{exc.rule}"'
               } if exc.status == 401 else None
    return JSONResponse(status_code=exc.status, headers=headers, content={"errors": [
        {"field": "authorization", "reason": exc.reason, "rule": exc.rule}]})


def declared(route: APIRoute) -> Access | Open | None:
    """The access a route declares, found among its dependencies (looked up once per route)."""
    if "_declared_access" not in route.__dict__:
        route.__dict__["_declared_access"] = _declared(route)
    return route.__dict__["_declared_access"]


def _declared(route: APIRoute) -> Access | Open | None:
    def walk(dependant: Dependant) -> Access | Open | None:
        for sub in dependant.dependencies:
            if isinstance(sub.call, Access | Open):
                return sub.call
            if (found := walk(sub)) is not None:
                return found
        return None
    return walk(route.dependant)


async def deny_undeclared(request: Request) -> None:
    """Every route's first check: one that declares no access is refused, so a route added
    without thinking about who may call it is closed, not open."""
    route = request.scope.get("route")
    if isinstance(route, APIRoute) and declared(route) is None:
        refuse(request, None, "route_undeclared")
        raise Refused(403, "route_undeclared", "此地址未声明可办理的岗位，一律拒绝")
