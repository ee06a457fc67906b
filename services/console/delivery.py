"""送达: (to be built)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.console.pages import render, section
from services.console.sessions import Session

router = APIRouter(prefix="/delivery")
Staff = Annotated[Session, section("delivery")]


@router.get("", response_class=HTMLResponse)
async def start(request: Request, session: Staff) -> Response:
    return render(request, "section_stub.html", title="送达")
