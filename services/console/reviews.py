"""差评整改: the follow-ups of bad ratings (好差评), each with its deadlines, and their steps —
回访核实, 处理, 整改完成, 申诉 by the follow-up's owner (the clerk or department that served),
申诉复核 by a supervisor — taken here with the person's own token. The service shows each
person the follow-ups that are theirs, and a supervisor all of the site's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.console.calls import Refusal
from services.console.pages import console_of, form_of, render, section, see_other
from services.console.sessions import Session
from services.console.supervision import PAGE, UNITS_ZH, offset_of

router = APIRouter(prefix="/reviews")
Staff = Annotated[Session, section("reviews")]
RESOLUTIONS = (("", "请选择"), ("fixed", "立行立改"), ("rectification", "列入整改台账"),
               ("explained", "解释说明"))
YES_NO = (("", "请选择"), ("true", "是"), ("false", "否"))
STEPS = {"callback": ("reached", "verified", "notes"), "resolution": ("resolution", "detail"),
         "rectified": ("detail",), "appeal": ("reason",), "appeal-decision": ("upheld", "opinion")}
BOOLEANS = ("reached", "verified", "upheld")


@router.get("", response_class=HTMLResponse)
async def reviews(request: Request, session: Staff) -> Response:
    """Open follow-ups of bad ratings, the longest open first, with their deadlines."""
    offset = offset_of(request)
    answer = await console_of(request).call(session, "delivery", "GET", "/reviews",
                                            params={"limit": PAGE, "offset": offset})
    listed = answer.json() if answer.status_code == 200 else []
    return render(request, "reviews_list.html", title="差评整改", reviews=listed,
                  units_zh=UNITS_ZH, offset=offset, page=PAGE, more=bool(listed))


async def review_page(request: Request, session: Session, case_id: str, rating_id: str,
                      status: int = 200, errors: dict[str, str] | None = None) -> Response:
    answer = await console_of(request).call(
        session, "delivery", "GET", f"/cases/{case_id}/reviews/{rating_id}")
    if answer.status_code != 200:
        refusal = Refusal.of(answer)
        return render(request, "refused.html", refusal.status, title="差评整改",
                      message="；".join(e["reason"] for e in refusal.errors))
    return render(request, "reviews_case.html", status,
                  values=form_of(request) if errors else None, errors=errors,
                  title="差评整改", review=answer.json(), units_zh=UNITS_ZH,
                  resolutions=RESOLUTIONS, yes_no=YES_NO, resolutions_zh=dict(RESOLUTIONS[1:]))


@router.get("/{case_id}/{rating_id}", response_class=HTMLResponse)
async def review(request: Request, case_id: str, rating_id: str, session: Staff) -> Response:
    return await review_page(request, session, case_id, rating_id)


@router.post("/{case_id}/{rating_id}/{step}", response_class=HTMLResponse)
async def review_step(request: Request, case_id: str, rating_id: str, step: str,
                      session: Staff) -> Response:
    """回访核实, 处理, 整改完成, 申诉, 申诉复核: the form's fields as the service names them."""
    if step not in STEPS:
        return render(request, "refused.html", 404, title="差评整改", message="没有这个办理步骤。")
    typed = form_of(request)
    body = {name: _value(name, typed[name]) for name in STEPS[step]
            if typed.get(name, "").strip()}  # left blank: the service names the field
    answer = await console_of(request).call(
        session, "delivery", "POST", f"/cases/{case_id}/reviews/{rating_id}/{step}", json=body)
    if answer.status_code != 200:
        refusal = Refusal.of(answer)
        return await review_page(request, session, case_id, rating_id, refusal.status,
                                 refusal.by_field())
    return see_other(f"/reviews/{case_id}/{rating_id}")


def _value(name: str, typed: str) -> Any:
    """A yes/no as a boolean, text as typed."""
    return typed.strip() == "true" if name in BOOLEANS else typed.strip()
