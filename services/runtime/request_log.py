"""Each HTTP request's correlation id and its access-log line.

The id is the client's `X-Correlation-Id` when it is a UUID, else a new one; it is bound to
every log line written while the request runs (ours and the libraries'), handed to the route
(`services.runtime.http.correlation_id`, which stamps it on the events) and returned in the
response's `X-Correlation-Id`. The access line names the route's template, never the path or
query string, which can carry a case number or an ID number (`GET /progress?id_number=…`).
"""

from __future__ import annotations

import time
from uuid import UUID, uuid4

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.runtime.metrics import route_template

HEADER = "X-Correlation-Id"
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})  # polled: logged at debug
log = structlog.get_logger("tongban.http")


def chosen_id(scope: Scope) -> UUID:
    for name, value in scope.get("headers", ()):
        if name.lower() == HEADER.lower().encode():
            try:
                return UUID(value.decode("latin-1"))
            except ValueError:
                break  # not ours to repeat: a new one, and the route refuses the header
    return uuid4()


def request_correlation_id(scope: Scope) -> UUID | None:
    """The id RequestLog chose for this request (None outside it)."""
    found = scope.get("state", {}).get("correlation_id")
    return found if isinstance(found, UUID) else None


class RequestLog:
    """ASGI middleware: the correlation id and the access log around every request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation = chosen_id(scope)
        scope.setdefault("state", {})["correlation_id"] = correlation
        started, status = time.perf_counter(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)[HEADER] = str(correlation)
            await send(message)

        with structlog.contextvars.bound_contextvars(correlation_id=str(correlation)):
            failed: dict[str, str] = {}
            try:
                await self.app(scope, receive, sending)
            except Exception as error:  # the server logs its traceback; this line, the id
                failed["error"] = type(error).__name__
                raise
            finally:
                route = route_template(scope)
                write = log.error if failed else log.debug if route in QUIET_ROUTES else log.info
                write("http_request", method=scope["method"], route=route, status=status,
                      duration_ms=round((time.perf_counter() - started) * 1000, 1), **failed)
