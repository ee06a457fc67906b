"""督办 (supervision): open supervision items of the site's exchange, how the site's
departments keep their time limits (时限执行), ratings (好差评) and the follow-ups of bad ones
with their deadlines, each step of a follow-up taken here with the person's own token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.console.calls import ServiceUnavailable
from services.console.pages import console_of, render, section
from services.console.sessions import Session

router = APIRouter(prefix="/supervision")
Staff = Annotated[Session, section("supervision")]
PAGE = 20
LEGS_ZH = {"parcel": "纸质材料移交", "transit": "流转在途", "review": "审批", "collection": "领取",
           "receiving_check": "收件审核", "delivery": "结果送达"}
SLA_ZH = (("on_time", "办理中·未超期"), ("due_soon", "办理中·临近时限"), ("overdue", "办理中·已超期"),
          ("decided_on_time", "已决定·按时"), ("decided_late", "已决定·超期"))
UNITS_ZH = {"window": "窗口", "department": "审批部门"}


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
