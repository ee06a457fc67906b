"""Bearer tokens of staff, verified against the keys their issuer publishes (OpenID Connect
discovery, then its JWKS). The keys are fetched when first needed and again when a token names
a key not seen yet (the provider rotated), at most once per `REFETCH_SECONDS`; while the issuer
cannot be reached, staff requests are refused at once (503) and it is asked again every
`RETRY_SECONDS`, so an outage does not hold every request for a timeout. Expiry is read against
the service's own clock, the one its events carry, never the machine's."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx
import jwt
from pydantic import ValidationError

from contracts.staff import AUDIENCE, StaffClaims

ALGORITHMS = ["EdDSA", "ES256", "RS256"]  # never "none", never a shared secret (HS*)
REFETCH_SECONDS = 30.0
RETRY_SECONDS = 5.0


class Unauthenticated(Exception):
    """The token proves nobody: missing, malformed, expired, of another issuer or key."""

    def __init__(self, rule: str, reason: str) -> None:
        super().__init__(reason)
        self.rule, self.reason = rule, reason


class IssuerUnreachable(Exception):
    """The issuer's keys could not be fetched, so no token can be checked just now."""


class IssuerKeys:
    def __init__(self, issuer: str, timeout: float = 5.0) -> None:
        self.issuer = issuer.rstrip("/")
        self.timeout = timeout
        self._keys: dict[str, jwt.PyJWK] = {}
        self._asked_at: float | None = None
        self._unreachable: str | None = None  # why the last attempt failed
        self._lock = asyncio.Lock()

    async def key(self, kid: str | None) -> jwt.PyJWK:
        if kid not in self._keys:
            async with self._lock:
                if kid not in self._keys and self._may_ask():
                    await self._fetch()
        if kid in self._keys:
            return self._keys[kid]
        if self._unreachable is not None:
            raise IssuerUnreachable(self._unreachable)
        raise Unauthenticated("unknown_key", "令牌的签名密钥不属于本系统信任的认证服务")

    def _may_ask(self) -> bool:
        if self._asked_at is None:
            return True
        wait = RETRY_SECONDS if self._unreachable is not None else REFETCH_SECONDS
        return asyncio.get_running_loop().time() - self._asked_at >= wait

    async def _fetch(self) -> None:
        self._asked_at = asyncio.get_running_loop().time()
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as http:
                discovery = (await http.get(
                    f"{self.issuer}/.well-known/openid-configuration")).raise_for_status().json()
                jwks = (await http.get(discovery["jwks_uri"])).raise_for_status().json()
            keys = jwt.PyJWKSet.from_dict(jwks).keys
        except (httpx.HTTPError, KeyError, ValueError, jwt.PyJWKSetError) as error:
            self._unreachable = f"{self.issuer}: {type(error).__name__}: {error}"
            return
        self._unreachable = None
        self._keys = {k.key_id: k for k in keys if k.key_id}


async def verified(token: str, keys: IssuerKeys, now: datetime,
                   leeway_seconds: float = 30.0) -> StaffClaims:
    """The claims of a token signed by the issuer's key, for us, and valid `now`."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise Unauthenticated("token_malformed", "令牌格式不正确") from None
    key = await keys.key(header.get("kid"))
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key.key, algorithms=ALGORITHMS, audience=AUDIENCE, issuer=keys.issuer,
            options={"require": ["exp", "iat", "sub", "iss", "aud"], "verify_exp": False,
                     "verify_iat": False, "verify_nbf": False})
    except jwt.InvalidAudienceError:
        raise Unauthenticated("token_audience", "令牌不是签发给本系统的") from None
    except jwt.InvalidIssuerError:
        raise Unauthenticated("token_issuer", "令牌不是本系统信任的认证服务签发的") from None
    except jwt.PyJWTError:
        raise Unauthenticated("token_signature", "令牌签名无效") from None
    at = now.timestamp()
    if claims["exp"] <= at - leeway_seconds:
        raise Unauthenticated("token_expired", "令牌已过期，请重新登录")
    if claims["iat"] > at + leeway_seconds or claims.get("nbf", 0) > at + leeway_seconds:
        raise Unauthenticated("token_not_yet_valid", "令牌尚未生效")
    try:
        return StaffClaims.model_validate(claims)
    except ValidationError:
        raise Unauthenticated("token_claims", "令牌未载明有效的人员、所属地或岗位") from None
