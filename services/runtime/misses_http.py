"""The applicant routes' side of `services.runtime.misses`: who is asking, and the 429 answered
as every refusal is, with the seconds to wait."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.runtime.http import error_body
from services.runtime.misses import TooManyMisses

REFUSED_429 = {429: {
    "description": "错误次数过多，稍后再试",
    "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}}}}
"""For an applicant route's `responses`: the refusal it adds to those every route documents."""


def client_address(request: Request) -> str:
    """Who is asking, as the connection says: behind a proxy, the proxy (so one limit for
    all behind it) — a forwarded-for header is whatever the caller typed."""
    return request.client.host if request.client else "unknown"


async def _too_many(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TooManyMisses)
    error = {"field": exc.field, "reason": exc.reason, "rule": exc.rule}
    return JSONResponse(status_code=429, content=error_body([error]),
                        headers={"Retry-After": str(exc.retry_after)})


def answer_too_many(api: FastAPI) -> None:
    """The 429 as every refusal is answered, with the seconds to wait in Retry-After."""
    api.add_exception_handler(TooManyMisses, _too_many)
