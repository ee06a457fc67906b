"""The local issuer's HTTP surface: OpenID Connect discovery, its keys, and the token endpoint
(OAuth 2.0: the password grant for sign-in at a window PC, refresh_token to stay signed in)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse

from services.issuer.accounts import Accounts, StaffAccount
from services.issuer.signing import SigningKey
from services.issuer.tokens import access_token, refresh_token, refreshed_staff_id
from services.runtime.docs import add_local_docs
from services.runtime.misses import MissLimiter, MissLimits


class WrongPassword(Exception):
    pass


class SignInExpired(Exception):
    pass


class TooManySignIns(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


SIGN_IN_LIMITS = MissLimits(per_case=5, per_address=50, window=timedelta(minutes=15))
"""Wrong passwords per account and per address: an account locks for a quarter of an hour
after five, so nobody finds a clerk's password by trying them all."""


def issuer_api(url: str, key: SigningKey, accounts: Accounts, clock: Callable[[], datetime],
               access_lifetime: timedelta = timedelta(minutes=15),
               refresh_lifetime: timedelta = timedelta(hours=10),
               sign_in_limits: MissLimits = SIGN_IN_LIMITS) -> FastAPI:
    api = FastAPI(title="tongban local issuer", version="0.1.0", docs_url=None, redoc_url=None)
    add_local_docs(api)
    misses = MissLimiter(clock, sign_in_limits, WrongPassword, TooManySignIns)

    async def signed_in(username: str, password: str, address: str) -> StaffAccount:
        async def check() -> StaffAccount:
            account = await asyncio.to_thread(accounts.signed_in, username, password)
            if account is None:
                raise WrongPassword
            return account
        return await misses.attempt(username, address, check)

    def refreshed(token: str, now: datetime) -> StaffAccount:
        """The account of a refresh token still valid, as it is now (its roles may have
        changed; a removed account signs in no more)."""
        staff_id = refreshed_staff_id(key, url, token, now)
        account = accounts.get(staff_id) if staff_id else None
        if account is None:
            raise SignInExpired
        return account

    @api.get("/.well-known/openid-configuration")
    async def discovery() -> dict[str, Any]:
        return {"issuer": url, "jwks_uri": f"{url}/jwks.json", "token_endpoint": f"{url}/token",
                "grant_types_supported": ["password", "refresh_token"],
                "id_token_signing_alg_values_supported": ["EdDSA"],
                "claims_supported": ["sub", "name", "site", "department", "roles"]}

    @api.get("/jwks.json")
    async def jwks() -> dict[str, Any]:
        return key.jwks()

    @api.post("/token", summary="登录或续期: a bearer token for the services")
    async def token(request: Request,
                    grant_type: Annotated[Literal["password", "refresh_token"], Form()],
                    username: Annotated[str | None, Form(max_length=64)] = None,
                    password: Annotated[str | None, Form(max_length=256)] = None,
                    refresh: Annotated[str | None, Form(alias="refresh_token",
                                                        max_length=4096)] = None,
                    ) -> JSONResponse:
        now = clock()
        try:
            if grant_type == "password":
                address = request.client.host if request.client else ""
                account = await signed_in(username or "", password or "", address)
            else:
                account = refreshed(refresh or "", now)
        except WrongPassword:
            return refusal(400, "invalid_grant", grant_type, "用户名或密码错误")
        except SignInExpired:
            return refusal(400, "invalid_grant", grant_type, "登录已过期，请重新登录")
        except TooManySignIns as locked:
            minutes = max(1, -(-locked.retry_after // 60))
            return refusal(429, "slow_down", "password", f"密码错误次数过多，请{minutes}分钟后再试",
                           {"Retry-After": str(locked.retry_after)})
        return JSONResponse(headers={"Cache-Control": "no-store"}, content={
            "access_token": access_token(key, url, account.claims(), now, access_lifetime),
            "token_type": "Bearer", "expires_in": int(access_lifetime.total_seconds()),
            "refresh_token": refresh_token(key, url, account.staff_id, now, refresh_lifetime),
            "staff": account.claims().model_dump(mode="json")})

    return api


def refusal(status: int, error: str, field: str, reason: str,
            headers: dict[str, str] | None = None) -> JSONResponse:
    """OAuth 2.0's error body, and ours beside it."""
    return JSONResponse(status_code=status, headers=headers, content={
        "error": error, "error_description": reason,
        "errors": [{"field": field, "reason": reason, "rule": error}]})
