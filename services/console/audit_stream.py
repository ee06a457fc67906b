"""A service's file passed on as it streams (the 工作台账 CSV grows with the years kept): never
held whole in the console, fetched with the person's own token like every other call."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask

from services.console.calls import Refusal, ServiceUnavailable, SessionExpired
from services.console.pages import console_of, render
from services.console.sessions import Session

PASSED_ON = ("content-type", "content-disposition")


async def proxied_file(request: Request, session: Session, path: str,
                       params: dict[str, Any]) -> Response:
    """The ledger's file at `path` as an attachment, streamed; its refusal as a page."""
    calls = console_of(request).call
    answer = await _open(calls, session, path, params)
    if answer.status_code == 401 and await calls.refresh(session):
        await answer.aclose()
        answer = await _open(calls, session, path, params)
    if answer.status_code == 401:
        await answer.aclose()
        session.expire()
        raise SessionExpired
    if answer.status_code != 200:
        await answer.aread()
        await answer.aclose()
        refusal = Refusal.of(answer)
        return render(request, "refused.html", refusal.status, title="导出工作台账",
                      message="；".join(e["reason"] for e in refusal.errors))
    return StreamingResponse(answer.aiter_bytes(), status_code=200,
                             headers={k: answer.headers[k] for k in PASSED_ON
                                      if k in answer.headers},
                             background=BackgroundTask(answer.aclose))


async def _open(calls: Any, session: Session, path: str,
                params: dict[str, Any]) -> httpx.Response:
    if not session.signed_in:
        raise SessionExpired
    url = f"{calls.settings.url_of('ledger')}{path}"
    sent = calls.http.build_request("GET", url, params=params, headers={
        "Authorization": f"Bearer {session.access_token}"})
    try:
        return await calls.http.send(sent, stream=True)
    except httpx.TransportError:
        raise ServiceUnavailable("ledger") from None
