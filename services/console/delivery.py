"""送达 (delivery): the business site's mailroom sends results (寄出, 妥投, 退件); the receiving
window signs for the parcel (到件签收) and hands the result over after the ID check (领取); both
print the 送达回证. Each person sees only what their role does."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from services.console.calls import Refusal
from services.console.pages import console_of, form_of, refused, render, section, see_other
from services.console.proxied import printable
from services.console.sessions import Session

router = APIRouter(prefix="/delivery")
Staff = Annotated[Session, section("delivery")]
PAGE = 20
Offset = Annotated[int, Query(ge=0, le=100_000)]

# the lists, by who works them: (service path, the page's offset parameter)
LISTS = {"dispatch": ("delivery", "/dispatch", "dispatch_from"),
         "arrival": ("window", "/window/awaiting-arrival", "arrival_from"),
         "pickup": ("window", "/window/awaiting-pickup", "pickup_from")}
RECIPIENTS_ZH = [("window", "受理地窗口（申请人到窗口领取）"), ("applicant", "申请人（邮寄到家）")]
DONE_ZH = {"mailed": "已寄出。", "delivered": "已记录妥投。", "returned": "已记录退件，可重新寄出。",
           "arrived": "已签收到件，结果待申请人领取。", "collected": "已核验身份并交付，可打印送达回证。"}


async def _list(request: Request, session: Session, key: str, offset: int) -> dict[str, Any]:
    _, path, param = LISTS[key]
    answer = await console_of(request).call(session, "delivery", "GET", path,
                                            params={"limit": PAGE + 1, "offset": offset})
    rows = answer.json() if answer.status_code == 200 else []
    return {"rows": rows[:PAGE], "offset": offset, "param": param, "page_size": PAGE,
            "more": len(rows) > PAGE}


@router.get("", response_class=HTMLResponse)
async def start(request: Request, session: Staff, dispatch_from: Offset = 0,
                arrival_from: Offset = 0, pickup_from: Offset = 0) -> Response:
    offsets = {"dispatch": dispatch_from, "arrival": arrival_from, "pickup": pickup_from}
    lists = {key: await _list(request, session, key, offsets[key])
             for key, (role, _, _) in LISTS.items() if session.holds(role)}
    return render(request, "delivery_lists.html", title="送达", lists=lists)


async def _case(request: Request, session: Session, case_id: UUID) -> dict[str, Any] | None:
    answer = await console_of(request).call(session, "delivery", "GET", f"/cases/{case_id}")
    if answer.status_code != 200:
        return None
    case = answer.json()
    status = case["status"]
    mailroom, window = session.holds("delivery"), session.holds("window")
    return {"case": case, "title": f"{case['case_number']} {case['matter_name']}",
            "recipients": RECIPIENTS_ZH,
            "may_mail": mailroom and status in ("awaiting_dispatch", "returned"),
            "may_record_mail": mailroom and status == "mailed",
            "may_sign_arrival": window and status == "mailed_to_window",
            "may_hand_over": window and status == "at_window",
            "receipt": status in ("collected", "delivered")}


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case_page(request: Request, session: Staff, case_id: UUID,
                    done: str = "") -> Response:
    found = await _case(request, session, case_id)
    if found is None:
        return render(request, "refused.html", 404, title="未找到办件",
                      message="本站送达记录中没有该办件。")
    return render(request, "delivery_case.html", notice=DONE_ZH.get(done),
                  values={"carrier": "中国邮政EMS", "identity_method": "身份证读卡器"}, **found)


@router.get("/cases/{case_id}/receipt")
async def receipt(request: Request, session: Staff, case_id: UUID) -> Response:
    """送达回证 as the delivery service renders it, to print."""
    return await printable(request, session, "delivery", f"/cases/{case_id}/receipt")


def _call(action: str, form: dict[str, str]) -> tuple[str, dict[str, Any], dict[str, str]]:
    """The service's path (after the case's), its body, and its fields' names on the form."""
    text = {k: v.strip() for k, v in form.items()}
    if action == "mail":
        body = {k: text.get(k, "") for k in ("recipient", "carrier", "tracking_number")}
        return "mailings", body | ({"address": text["address"]} if text.get("address") else {}), {}
    if action in ("delivered", "returned"):
        number = text.get(f"{action}_tracking", "") or "-"
        body = ({"signed_by": text.get("signed_by", "")} if action == "delivered"
                else {"reason": text.get("returned_reason", "")})
        return (f"mailings/{number}/{action}", body,
                {"tracking_number": f"{action}_tracking", "reason": "returned_reason"})
    if action == "arrival":
        return "arrival", {"tracking_number": text.get("arrival_tracking", ""),
                           "intact": form.get("intact") == "yes",
                           "note": text.get("note", "")}, {"tracking_number": "arrival_tracking"}
    return "pickup", {k: text.get(k, "") for k in ("id_number", "identity_method")}, {}


DONE = {"mail": "mailed", "delivered": "delivered", "returned": "returned",
        "arrival": "arrived", "pickup": "collected"}


async def _act(request: Request, session: Session, case_id: UUID, action: str) -> Response:
    path, body, names = _call(action, form_of(request))
    answer = await console_of(request).call(session, "delivery", "POST",
                                            f"/cases/{case_id}/{path}", json=body)
    if answer.status_code < 400:
        return see_other(f"/delivery/cases/{case_id}?done={DONE[action]}")
    found = await _case(request, session, case_id) or {"title": "送达", "case": None}
    return refused(request, "delivery_case.html", Refusal.of(answer), names, **found)


def _route(action: str) -> None:
    async def post(request: Request, session: Staff, case_id: UUID) -> Response:
        return await _act(request, session, case_id, action)
    post.__name__ = f"post_{action}"
    router.add_api_route(f"/cases/{{case_id}}/{action}", post, methods=["POST"],
                         response_class=HTMLResponse)


for _action in DONE:
    _route(_action)
