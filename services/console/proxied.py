"""Documents a service renders or holds, passed to the browser as they are, fetched with the
person's own token: a material's file streamed a chunk at a time (never whole in the console's
memory), a printable page (a few kilobytes) as the service wrote it."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from services.console.calls import Refusal
from services.console.pages import console_of, render
from services.console.sessions import Session

PASSED_ON = ("content-type", "content-length", "content-disposition", "content-range",
             "accept-ranges")


async def streamed(request: Request, session: Session, service: str, path: str,
                   params: dict[str, Any] | None = None) -> Response:
    """A file as the service sends it (a Range asked for is passed on); a refusal as a page."""
    asked = {"Range": request.headers["range"]} if "range" in request.headers else {}
    answer = await console_of(request).call.opened(session, service, path, params, asked)
    if answer.status_code >= 400:
        await answer.aread()
        await answer.aclose()
        return not_given(request, Refusal.of(answer))
    headers = {k: v for k, v in answer.headers.items() if k.lower() in PASSED_ON}
    return StreamingResponse(answer.aiter_raw(), status_code=answer.status_code,
                             headers=headers, background=BackgroundTask(answer.aclose))


async def printable(request: Request, session: Session, service: str, path: str) -> Response:
    """A printable page the service renders, as it rendered it."""
    answer = await console_of(request).call(session, service, "GET", path)
    if answer.status_code >= 400:
        return not_given(request, Refusal.of(answer))
    return HTMLResponse(answer.text, status_code=200)


def not_given(request: Request, refusal: Refusal) -> Response:
    reasons = "；".join(e.get("reason", "") for e in refusal.errors)
    return render(request, "refused.html", refusal.status, title="未能打开", message=reasons)
