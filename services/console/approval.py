"""审批 (approval): the queue soonest due first, a case with its materials and files, and what
the approver (or the department head) does to it: 认领 claim, 分办 assign, 准予 approve,
不予许可 deny, 补正 supplement, 特别程序 special procedure, 延期 extension."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from services.console.calls import Refusal
from services.console.pages import console_of, form_of, refused, render, section, see_other
from services.console.proxied import not_given, streamed
from services.console.sessions import Session

router = APIRouter(prefix="/approval")
Staff = Annotated[Session, section("approval")]
PAGE = 20
Offset = Annotated[int, Query(ge=0, le=100_000)]

SPECIAL_KINDS_ZH = {"hearing": "听证", "expert_review": "专家评审", "inspection": "检验",
                    "testing": "检测", "appraisal": "鉴定", "quarantine": "检疫"}
DONE_ZH = {"claimed": "已认领，请审查后作出决定。", "assigned": "已分办。",
           "approved": "已准予，结果将按申请人选择的方式送达。", "denied": "已作出不予许可决定。",
           "supplement": "已一次性告知补正，办理时限暂停。",
           "special": "特别程序已启动，办理时限暂停。",
           "special_end": "特别程序已结束，办理时限恢复计算。", "resumed": "办理时限已恢复计算。",
           "extended": "已延长办理期限。"}


async def _queue(request: Request, session: Session, offset: int, mine: bool
                 ) -> dict[str, Any]:
    """A page of the queue (one row more, to know whether a next page exists)."""
    params: dict[str, Any] = {"limit": PAGE + 1, "offset": offset}
    if mine and session.staff is not None:
        params["claimant"] = session.staff.sub
    answer = await console_of(request).call(session, "approval", "GET", "/queue", params=params)
    rows = answer.json() if answer.status_code == 200 else []
    query = f"offset={offset}" + ("&mine=1" if mine else "")
    return {"rows": rows[:PAGE], "more": len(rows) > PAGE, "offset": offset, "mine": mine,
            "page_size": PAGE, "rows_url": f"/approval/queue/rows?{query}",
            "queue_refused": None if answer.status_code == 200 else Refusal.of(answer)}


@router.get("", response_class=HTMLResponse)
async def queue(request: Request, session: Staff, offset: Offset = 0,
                mine: bool = False) -> Response:
    return render(request, "approval_queue.html", **await _queue(request, session, offset, mine))


@router.get("/queue/rows", response_class=HTMLResponse)
async def queue_rows(request: Request, session: Staff, offset: Offset = 0,
                     mine: bool = False) -> Response:
    """The queue's rows alone: the page fetches them again every few seconds (data-live)."""
    return render(request, "approval_rows.html", **await _queue(request, session, offset, mine))


async def _case(request: Request, session: Session, case_id: UUID) -> dict[str, Any] | None:
    """The case as approval holds it, its paper (manifests) and files as routing holds them."""
    call = console_of(request).call
    answer = await call(session, "approval", "GET", f"/cases/{case_id}")
    if answer.status_code != 200:
        return None
    routed = await call(session, "routing", "GET", f"/cases/{case_id}")
    files = await call(session, "routing", "GET", f"/cases/{case_id}/files")
    case = answer.json()
    me = session.staff.sub if session.staff else ""
    open_ = case["status"] == "received"
    return {"case": case, "title": f"{case['case_number']} {case['matter_name']}",
            "manifests": routed.json()["manifests"] if routed.status_code == 200 else [],
            "files": files.json() if files.status_code == 200 else [],
            "may_claim": open_ and case["claimant"] is None and session.holds("approver"),
            "may_assign": open_ and session.holds("head"),
            "may_decide": open_ and case["claimant"] == me and not case["paused"],
            "may_move_clock": open_ and (case["claimant"] == me or session.holds("head")),
            "special_kinds": list(SPECIAL_KINDS_ZH.items())}


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case_page(request: Request, session: Staff, case_id: UUID,
                    done: str = "") -> Response:
    found = await _case(request, session, case_id)
    if found is None:
        return render(request, "refused.html", 404, title="未找到办件",
                      message="本站审批库中没有该办件。")
    return render(request, "approval_case.html", notice=DONE_ZH.get(done),
                  values={"approved_by": session.staff.sub if session.staff and session.holds("head")
                          else "",
                          "opinion": "符合条件，准予办理"}, **found)


@router.get("/cases/{case_id}/files/{sha256}")
async def file(request: Request, session: Staff, case_id: UUID, sha256: str) -> Response:
    """A material's file, read through routing (every read is on its record)."""
    if len(sha256) != 64:
        return not_given(request, Refusal(404, ({"reason": "没有该文件"},)))
    return await streamed(request, session, "routing", f"/cases/{case_id}/files/{sha256}")


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _body(action: str, form: dict[str, str]) -> dict[str, Any] | None:
    """What the service is sent for an action, from the form as typed; the service checks it."""
    if action == "approve":
        body = {"document_number": form.get("document_number", "").strip(),
                "valid_until": form.get("valid_until") or None}
        return body | ({"opinion": form["opinion"]} if form.get("opinion") else {})
    if action == "deny":
        return {"reasons": _lines(form.get("reasons"))}
    if action == "supplement-requests":
        return {"items": _lines(form.get("items"))}
    keys = {"assign": ("approver_staff_id",), "special-procedures": (
        "kind", "expected_days", "notice"), "special-procedures/end": ("outcome",),
        "extensions": ("extra_days", "reason", "approved_by")}.get(action)
    return {k: form.get(k, "").strip() for k in keys} if keys else None


ACTIONS = {"claim": "claimed", "assign": "assigned", "approve": "approved", "deny": "denied",
           "supplement-requests": "supplement", "special-procedures": "special",
           "special-procedures/end": "special_end", "clock/resume": "resumed",
           "extensions": "extended"}


async def _act(request: Request, session: Session, case_id: UUID, action: str) -> Response:
    answer = await console_of(request).call(session, "approval", "POST",
                                            f"/cases/{case_id}/{action}",
                                            json=_body(action, form_of(request)))
    if answer.status_code < 400:
        return see_other(f"/approval/cases/{case_id}?done={ACTIONS[action]}")
    refusal = Refusal.of(answer)
    found = await _case(request, session, case_id) or {"title": "审批", "case": None}
    names = {e.get("field", ""): e.get("field", "").split(".")[0] for e in refusal.errors}
    return refused(request, "approval_case.html", refusal, names, **found)


def _route(action: str) -> None:
    async def post(request: Request, session: Staff, case_id: UUID) -> Response:
        return await _act(request, session, case_id, action)
    post.__name__ = f"post_{action.replace('/', '_').replace('-', '_')}"
    router.add_api_route(f"/cases/{{case_id}}/{action}", post, methods=["POST"],
                         response_class=HTMLResponse)


for _action in ACTIONS:
    _route(_action)
