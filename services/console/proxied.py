"""Documents a service renders or holds, passed to the browser as they are, fetched with the
person's own token: a material's file streamed a chunk at a time (never whole in the console's
memory), a printable page (a few kilobytes) as the service wrote it."""

from __future__ import annotations

import httpx
from fastapi import Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from services.console.calls import Refusal, ServiceUnavailable, SessionExpired
from services.console.pages import console_of, render
from services.console.sessions import Session

PASSED_ON = ("content-type", "content-length", "content-disposition", "content-range",
             "accept-ranges")


async def _opened(request: Request, session: Session, service: str, path: str,
                  headers: dict[str, str]) -> httpx.Response:
    """The service's answer, its body not read yet; one token refresh as `calls` does."""
    calls = console_of(request).call

    async def send() -> httpx.Response:
        asked = calls.http.build_request(
            "GET", f"{calls.settings.url_of(service)}{path}",
            headers={**headers, "Authorization": f"Bearer {session.access_token}"})
        try:
            return await calls.http.send(asked, stream=True)
        except httpx.TransportError:
            raise ServiceUnavailable(service) from None

    if not session.signed_in:
        raise SessionExpired
    answer = await send()
    if answer.status_code == 401:
        await answer.aclose()
        if await calls.refresh(session):
            answer = await send()
        if answer.status_code == 401:
            await answer.aclose()
            session.expire()
            raise SessionExpired
    return answer


async def streamed(request: Request, session: Session, service: str, path: str) -> Response:
    """A file as the service sends it (a Range asked for is passed on); a refusal as a page."""
    asked = {"Range": request.headers["range"]} if "range" in request.headers else {}
    answer = await _opened(request, session, service, path, asked)
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
