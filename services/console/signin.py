"""登录 / 退出: staff sign in with the password of the site's identity provider, which the
console exchanges for tokens at the provider's /token and keeps in the session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from services.console.pages import Seated, console_of, render, see_other
from services.console.sessions import COOKIE, Session

router = APIRouter()


def _safe_next(path: str) -> str:
    """Only a path of this console: never another host (an open redirect)."""
    return path if path.startswith("/") and not path.startswith("//") else "/"


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request, next: str = "/") -> Response:
    console = console_of(request)
    session = console.sessions.get(request.cookies.get(COOKIE)) or console.sessions.new()
    response = render(request, "sign_in.html", next=_safe_next(next), csrf=session.csrf,
                      values={"username": session.staff.sub if session.staff else ""})
    _set_cookie(request, response, session)
    return response


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request, username: Annotated[str, Form(max_length=64)],
                  password: Annotated[str, Form(max_length=256)],
                  csrf: Annotated[str, Form(max_length=64)] = "",
                  next: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    console = console_of(request)
    session = console.sessions.get(request.cookies.get(COOKIE))
    if session is None or csrf != session.csrf:
        return see_other(f"/sign-in?next={_safe_next(next)}")
    answer = await console.call.sign_in(username.strip(), password)
    if answer.status_code != 200:
        reason = ("尝试次数过多，账号已暂时锁定，请稍后再试" if answer.status_code == 429
                  else "工号或密码不正确")
        return render(request, "sign_in.html", 401 if answer.status_code != 429 else 429,
                      next=_safe_next(next), csrf=session.csrf,
                      values={"username": username}, errors={"password": reason})
    if session.staff is not None and session.staff.sub != username.strip():
        session.drafts.clear()  # someone else's unfinished forms are not theirs to see
    session.take_tokens(answer.json())
    return see_other(_safe_next(next))


@router.post("/sign-out")
async def sign_out(request: Request, session: Seated) -> Response:
    console_of(request).sessions.drop(session.id)
    response = see_other("/sign-in")
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, session: Seated) -> Response:
    return render(request, "home.html")


def _set_cookie(request: Request, response: Response, session: Session) -> None:
    response.set_cookie(COOKIE, session.id, httponly=True, samesite="strict", path="/",
                        secure=console_of(request).settings.cookie_secure)
