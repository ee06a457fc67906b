"""The console's web application: sign-in, the sections by role, its own scripts and styles
(nothing is fetched from elsewhere: a hall's network has no way out)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.console import (
    approval,
    audit,
    delivery,
    guide,
    person_record,
    reviews,
    signin,
    supervision,
    window,
)
from services.console.calls import ServiceCalls
from services.console.pages import Console, add_page_answers
from services.console.sessions import Sessions
from services.console.settings import ConsoleSettings

STATIC = Path(__file__).parent / "static"
PAGES = (signin, guide, window, approval, delivery, supervision, reviews, audit, person_record)
"""The modules of the console's pages, each with its `router`."""


def build_console(settings: ConsoleSettings,
                  mounts: dict[str, httpx.AsyncBaseTransport] | None = None) -> FastAPI:
    """`mounts`: transports by URL prefix, for tests that run the services in-process."""
    http = httpx.AsyncClient(timeout=settings.call_timeout_seconds, mounts=mounts)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await http.aclose()

    api = FastAPI(title=f"tongban console {settings.site}", docs_url=None, redoc_url=None,
                  openapi_url=None, lifespan=lifespan)
    api.state.console = Console(settings, Sessions(settings.sessions_max),
                                ServiceCalls(settings, http))
    api.mount("/static", StaticFiles(directory=STATIC), name="static")
    add_page_answers(api)
    for module in PAGES:
        api.include_router(module.router)

    @api.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}
    return api
