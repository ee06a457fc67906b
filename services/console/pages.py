"""What every page shares: the templates, the signed-in person as a route's dependency (who may
see it, its forms' CSRF token), and answers for a session that expired, a page not theirs, a
service that does not answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from contracts.staff import ROLES_ZH
from services.console.calls import Refusal, ServiceCalls, ServiceUnavailable, SessionExpired
from services.console.sections import SECTIONS, roles_of
from services.console.sessions import COOKIE, Session, Sessions
from services.console.settings import ConsoleSettings

CHINA = ZoneInfo("Asia/Shanghai")


def china_time(value: str | None, seconds: bool = False) -> str:
    """An ISO instant as Beijing time, as the hall reads it (the services answer in UTC)."""
    if not value:
        return "—"
    return datetime.fromisoformat(value).astimezone(CHINA).strftime(
        "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.globals |= {"ROLES_ZH": ROLES_ZH}
TEMPLATES.env.filters["china_time"] = china_time
NOT_FORM_FIELDS = ("csrf", "_page")
SERVICES_ZH = {"intake": "受理服务", "routing": "流转服务", "approval": "审批服务",
               "delivery": "送达服务", "ledger": "台账服务", "issuer": "统一身份认证"}


@dataclass
class Console:
    settings: ConsoleSettings
    sessions: Sessions
    call: ServiceCalls


class SignInFirst(Exception):
    pass


class NotYours(Exception):
    pass


class BadFormToken(Exception):
    pass


class FormTooLarge(Exception):
    pass


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def staff_in(*roles: str) -> Any:
    """The signed-in person, if they hold one of `roles` (any role when none is named); a POST
    must carry the session's CSRF token, as a form field or the X-CSRF-Token header."""
    async def seated(request: Request) -> Session:
        session = console_of(request).sessions.get(request.cookies.get(COOKIE))
        if request.method == "POST":
            await _check_form(request, session)
        if session is None or not session.signed_in:
            raise SignInFirst
        if roles and not session.holds(*roles):
            raise NotYours
        request.state.session = session
        return session
    return Depends(seated)


def section(key: str) -> Any:
    """The person, if their roles may use this section of the console."""
    return staff_in(*roles_of(key))


async def _check_form(request: Request, session: Session | None) -> None:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > console_of(request).settings.upload_max_bytes:
        raise FormTooLarge  # before a byte of it is read, let alone spooled to disk
    token = request.headers.get("x-csrf-token")
    if token is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        request.state.form = {k: v for k, v in form.items() if isinstance(v, str)}
        token = request.state.form.get("csrf")
    if session is not None and token != session.csrf:
        raise BadFormToken


def form_of(request: Request) -> dict[str, str]:
    """The submitted fields (read by the guard), without the console's own."""
    form: dict[str, str] = getattr(request.state, "form", {})
    return {k: v for k, v in form.items() if k not in NOT_FORM_FIELDS}


def render(request: Request, template: str, status: int = 200, *,
           values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
           **context: Any) -> HTMLResponse:
    """A page for the signed-in person. `values`: what the forms show (what was typed, on a
    refusal); a draft kept when the session expired fills them otherwise."""
    session: Session | None = getattr(request.state, "session", None)
    draft = session.drafts.pop(request.url.path, {}) if session is not None else {}
    return TEMPLATES.TemplateResponse(request, template, status_code=status, context={
        "session": session, "staff": session.staff if session else None,
        "page_path": page_path(request),
        "sections": [s for s in SECTIONS if session is not None and session.holds(*s.roles)],
        "site": console_of(request).settings.site, "values": values or draft,
        "errors": errors or {}, **context})


def page_path(request: Request) -> str:
    """The page a form is on: after a refusal the page is shown again at the POST's address,
    so its forms keep naming the page they came from (where sign-in returns to)."""
    form: dict[str, str] = getattr(request.state, "form", {})
    came_from = form.get("_page", "")
    return came_from if came_from.startswith("/") and not came_from.startswith("//") else (
        request.url.path)


def refused(request: Request, template: str, refusal: Refusal,
            names: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    """The page again after a service refused: what was typed, each reason beside its field."""
    return render(request, template, refusal.status, values=form_of(request),
                  errors=refusal.by_field(names), **context)


def see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _sign_in_again(request: Request) -> Response:
    """To sign-in and back; a form's fields are kept as the page's draft meanwhile."""
    console = console_of(request)
    session = console.sessions.get(request.cookies.get(COOKIE))
    back = request.url.path if request.method == "GET" else None
    form = getattr(request.state, "form", None)
    if request.method == "POST" and form is not None:
        back = form.get("_page") or "/"
        if session is not None:
            session.drafts[back] = form_of(request)
    if back and request.url.query and request.method == "GET":
        back = f"{back}?{request.url.query}"
    return see_other(f"/sign-in?next={quote(back or '/', safe='/')}")


def add_page_answers(api: FastAPI) -> None:
    async def sign_in_first(request: Request, _: Exception) -> Response:
        return _sign_in_again(request)

    async def not_yours(request: Request, _: Exception) -> Response:
        return render(request, "refused.html", 403, title="无权访问",
                      message="您的岗位无权访问此页面。")

    async def bad_form(request: Request, _: Exception) -> Response:
        return render(request, "refused.html", 403, title="页面已过期",
                      message="此页面已过期，请返回重新打开后再提交。")

    async def too_large(request: Request, _: Exception) -> Response:
        most = console_of(request).settings.upload_max_bytes
        size = f"{most // 2**20} MB" if most >= 2**20 else f"{most // 2**10} KB"
        return render(request, "refused.html", 413, title="文件过大",
                      message=f"提交的内容超过 {size}，请压缩或分开上传。")

    async def unavailable(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceUnavailable)
        name = SERVICES_ZH.get(exc.service, exc.service)
        return render(request, "refused.html", 503, title="服务暂不可用",
                      message=f"{name}暂时无法连接，请稍后重试；已填写的内容请勿关闭页面。")

    api.add_exception_handler(SignInFirst, sign_in_first)
    api.add_exception_handler(SessionExpired, sign_in_first)
    api.add_exception_handler(NotYours, not_yours)
    api.add_exception_handler(BadFormToken, bad_form)
    api.add_exception_handler(FormTooLarge, too_large)
    api.add_exception_handler(ServiceUnavailable, unavailable)


Seated = Annotated[Session, staff_in()]
