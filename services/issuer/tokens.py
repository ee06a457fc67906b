"""Tokens the local issuer signs: an access token for the services (`aud` tongban, minutes)
and a refresh token only the issuer takes back (hours), both JWTs of its Ed25519 key."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import jwt

from contracts.staff import AUDIENCE, StaffClaims
from services.issuer.signing import SigningKey

REFRESH_AUDIENCE = "tongban-issuer-refresh"


def signed(key: SigningKey, claims: dict[str, Any]) -> str:
    return jwt.encode(claims, key.private, algorithm="EdDSA", headers={"kid": key.kid})


def access_token(key: SigningKey, issuer: str, staff: StaffClaims, now: datetime,
                 lifetime: timedelta) -> str:
    return signed(key, {**staff.model_dump(mode="json"), "roles": list(staff.roles),
                        "iss": issuer, "aud": AUDIENCE, "iat": int(now.timestamp()),
                        "exp": int((now + lifetime).timestamp()), "jti": str(uuid4())})


def refresh_token(key: SigningKey, issuer: str, staff_id: str, now: datetime,
                  lifetime: timedelta) -> str:
    return signed(key, {"sub": staff_id, "iss": issuer, "aud": REFRESH_AUDIENCE,
                        "iat": int(now.timestamp()), "exp": int((now + lifetime).timestamp()),
                        "jti": str(uuid4())})


def refreshed_staff_id(key: SigningKey, issuer: str, token: str, now: datetime) -> str | None:
    """Whose refresh token this is, if it is ours and still valid at `now`."""
    try:
        claims = jwt.decode(token, key.private.public_key(), algorithms=["EdDSA"],
                            audience=REFRESH_AUDIENCE, issuer=issuer,
                            options={"verify_exp": False, "require": ["exp", "sub"]})
    except jwt.PyJWTError:
        return None
    return claims["sub"] if claims["exp"] > now.timestamp() else None
