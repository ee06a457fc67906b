"""Every request body bounded: one limit for every route, and a route that reads its body itself
(an upload) may name its own. A body over the limit answers 413 before any route acts: at once
if its declared length is over, or the moment it passes the limit as it streams in.

Not the framework's `max_body_size`: when a declared length is over that one, it swaps whatever
the app answers for a plain-text 413, dropping the `errors` body and an upload's own reason."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Request
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

F = TypeVar("F", bound=Callable[..., Any])


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413)
        self.limit = limit


def own_body_limit(max_bytes: int) -> Callable[[F], F]:
    """Mark a route's endpoint that reads its body itself and refuses what is over its own
    limit, with its own reason; the shared limit then counts against `max_bytes` instead."""
    def mark(endpoint: F) -> F:
        endpoint.body_max_bytes = max_bytes  # type: ignore[attr-defined]
        return endpoint
    return mark


def _own_limit(scope: Scope) -> int | None:
    endpoint = getattr(scope.get("route"), "endpoint", None)
    return getattr(endpoint, "body_max_bytes", None)


def _declared(headers: Headers) -> int | None:
    value = headers.get("content-length", "")
    return int(value) if value.isdigit() else None


class BodyLimit:
    """ASGI middleware: the body is counted as the route reads it (the route is known by then),
    so a body that declares no length is refused the moment it passes the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received, declared = 0, _declared(Headers(scope=scope))

        async def limited() -> Message:
            nonlocal received
            limit = _own_limit(scope) or self.max_bytes
            if declared is not None and declared > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited, send)


def body_within(max_bytes: int) -> Callable[[Request], Awaitable[None]]:
    """A dependency for every route: one that never reads its body would act and ignore it, so
    a declared length over the limit is refused before any route runs, and a body sent in chunks
    is read (through the limit) first. A route with a limit of its own says why itself."""
    async def body_within_limit(request: Request) -> None:
        if _own_limit(request.scope) is not None:
            return
        declared = _declared(request.headers)
        if declared is not None and declared > max_bytes:
            raise BodyTooLarge(max_bytes)
        if "chunked" in request.headers.get("transfer-encoding", ""):
            await request.body()
    return body_within_limit
