"""督办 (supervision): open supervision items of the site's exchange, how the site's
departments keep their time limits (时限执行), ratings (好差评) and the follow-ups of bad ones
with their deadlines, each step of a follow-up taken here with the person's own token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.console.calls import Refusal, ServiceUnavailable
from services.console.pages import console_of, form_of, render, section, see_other
from services.console.sessions import Session

router = APIRouter(prefix="/supervision")
Staff = Annotated[Session, section("supervision")]
PAGE = 20
LEGS_ZH = {"parcel": "纸质材料移交", "transit": "流转在途", "review": "审批", "collection": "领取",
           "receiving_check": "收件审核", "delivery": "结果送达"}
SLA_ZH = (("on_time", "办理中·未超期"), ("due_soon", "办理中·临近时限"), ("overdue", "办理中·已超期"),
          ("decided_on_time", "已决定·按时"), ("decided_late", "已决定·超期"))
UNITS_ZH = {"window": "窗口", "department": "审批部门"}
RESOLUTIONS = (("", "请选择"), ("fixed", "立行立改"), ("rectification", "列入整改台账"),
               ("explained", "解释说明"))
YES_NO = (("", "请选择"), ("true", "是"), ("false", "否"))
STEPS = {"callback": ("reached", "verified", "notes"), "resolution": ("resolution", "detail"),
         "rectified": ("detail",), "appeal": ("reason",), "appeal-decision": ("upheld", "opinion")}
BOOLEANS = ("reached", "verified", "upheld")


def offset_of(request: Request) -> int:
    value = request.query_params.get("offset", "0")
    return max(int(value), 0) if value.isdigit() else 0


@router.get("", response_class=HTMLResponse)
async def overview(request: Request, session: Staff) -> Response:
    """Open supervision items (a page) and the time limits by department; the site may have
    no approval service (a receiving site): that panel says so, the rest is shown."""
    call, offset = console_of(request).call, offset_of(request)
    items = await call(session, "routing", "GET", "/supervision",
                       params={"limit": PAGE, "offset": offset})
    sla: dict[str, Any] | None = None
    try:
        answer = await call(session, "approval", "GET", "/sla")
        sla = answer.json() if answer.status_code == 200 else None
    except ServiceUnavailable:
        sla = None
    listed = items.json() if items.status_code == 200 else []
    return render(request, "supervision_overview.html", title="督办", items=listed,
                  sla=sla, sla_columns=SLA_ZH, legs_zh=LEGS_ZH, offset=offset, page=PAGE,
                  more=bool(listed))


@router.get("/ratings", response_class=HTMLResponse)
async def ratings(request: Request, session: Staff) -> Response:
    """好差评 of the site's units: the summary, and a page of rated cases."""
    offset = offset_of(request)
    answer = await console_of(request).call(session, "delivery", "GET", "/ratings",
                                            params={"limit": PAGE, "offset": offset})
    body = answer.json() if answer.status_code == 200 else {"summary": None, "ratings": []}
    return render(request, "supervision_ratings.html", title="好差评", units_zh=UNITS_ZH,
                  summary=body["summary"], ratings=body["ratings"], offset=offset, page=PAGE,
                  more=bool(body["ratings"]))


@router.get("/reviews", response_class=HTMLResponse)
async def reviews(request: Request, session: Staff) -> Response:
    """Open follow-ups of bad ratings, the longest open first, with their deadlines."""
    offset = offset_of(request)
    answer = await console_of(request).call(session, "delivery", "GET", "/reviews",
                                            params={"limit": PAGE, "offset": offset})
    listed = answer.json() if answer.status_code == 200 else []
    return render(request, "supervision_reviews.html", title="差评整改", reviews=listed,
                  units_zh=UNITS_ZH, offset=offset, page=PAGE, more=bool(listed))


async def review_page(request: Request, session: Session, case_id: str, rating_id: str,
                      status: int = 200, errors: dict[str, str] | None = None) -> Response:
    answer = await console_of(request).call(
        session, "delivery", "GET", f"/cases/{case_id}/reviews/{rating_id}")
    if answer.status_code != 200:
        refusal = Refusal.of(answer)
        return render(request, "refused.html", refusal.status, title="差评整改",
                      message="；".join(e["reason"] for e in refusal.errors))
    return render(request, "supervision_review.html", status,
                  values=form_of(request) if errors else None, errors=errors,
                  title="差评整改", review=answer.json(), units_zh=UNITS_ZH,
                  resolutions=RESOLUTIONS, yes_no=YES_NO, resolutions_zh=dict(RESOLUTIONS[1:]))


@router.get("/reviews/{case_id}/{rating_id}", response_class=HTMLResponse)
async def review(request: Request, case_id: str, rating_id: str, session: Staff) -> Response:
    return await review_page(request, session, case_id, rating_id)


@router.post("/reviews/{case_id}/{rating_id}/{step}", response_class=HTMLResponse)
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
    return see_other(f"/supervision/reviews/{case_id}/{rating_id}")


def _value(name: str, typed: str) -> Any:
    """A yes/no as a boolean, text as typed."""
    return typed.strip() == "true" if name in BOOLEANS else typed.strip()
