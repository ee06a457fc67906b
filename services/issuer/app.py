"""The local issuer's HTTP surface: OpenID Connect discovery, its keys, and the token endpoint
(OAuth 2.0: the password grant for sign-in at a window PC, refresh_token to stay signed in)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Form
from fastapi.responses import JSONResponse

from services.issuer.accounts import Accounts
from services.issuer.signing import SigningKey
from services.issuer.tokens import access_token, refresh_token, refreshed_staff_id


def issuer_api(url: str, key: SigningKey, accounts: Accounts, clock: Callable[[], datetime],
               access_lifetime: timedelta = timedelta(minutes=15),
               refresh_lifetime: timedelta = timedelta(hours=10)) -> FastAPI:
    api = FastAPI(title="tongban local issuer", version="0.1.0")

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
    async def token(grant_type: Annotated[Literal["password", "refresh_token"], Form()],
                    username: Annotated[str | None, Form(max_length=64)] = None,
                    password: Annotated[str | None, Form(max_length=256)] = None,
                    refresh: Annotated[str | None, Form(alias="refresh_token",
                                                        max_length=4096)] = None,
                    ) -> JSONResponse:
        now = clock()
        if grant_type == "password":
            account = accounts.signed_in(username or "", password or "")
            refused = "用户名或密码错误"
        else:
            staff_id = refreshed_staff_id(key, url, refresh or "", now)
            account = accounts.get(staff_id) if staff_id else None
            refused = "登录已过期，请重新登录"
        if account is None:
            return JSONResponse(status_code=400, content={
                "error": "invalid_grant", "error_description": refused,
                "errors": [{"field": grant_type, "reason": refused, "rule": "invalid_grant"}]})
        return JSONResponse(headers={"Cache-Control": "no-store"}, content={
            "access_token": access_token(key, url, account.claims(), now, access_lifetime),
            "token_type": "Bearer", "expires_in": int(access_lifetime.total_seconds()),
            "refresh_token": refresh_token(key, url, account.staff_id, now, refresh_lifetime),
            "staff": account.claims().model_dump(mode="json")})

    return api
