"""审计 (audit): the 工作台账 searched a page at a time and downloaded, a case's timeline across
sites, its state at a past moment, its paper's custody and legs, the unmasked applicant read
with a reason on the record. Everything comes from the site's ledger, as the auditor."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.console.audit_names import EVENTS_ZH, LEGS_ZH, RESPONSIBLE_ZH
from services.console.calls import Refusal
from services.console.pages import (
    SERVICES_ZH,
    console_of,
    form_of,
    render,
    section,
)
from services.console.proxied import streamed
from services.console.sessions import Session

router = APIRouter(prefix="/audit")
Staff = Annotated[Session, section("audit")]
PAGE = 20
FILTERS = ("case_number", "site", "matter", "status", "accepted_from", "accepted_to", "overdue")
STATUSES = (("", "全部"), ("opened", "收件"), ("accepted", "已受理"), ("decided", "已决定"),
            ("completed", "已办结"), ("rejected", "不予受理"), ("terminated", "已终止"))
OVERDUE = (("", "全部"), ("true", "只看超期"), ("false", "只看未超期"))
STATUSES_ZH = dict(STATUSES[1:])
NAMES = {"events": EVENTS_ZH, "legs": LEGS_ZH, "responsible": RESPONSIBLE_ZH,
         "services": SERVICES_ZH}




def filters_of(request: Request) -> dict[str, str]:
    """The search's filters as typed (blank ones left out), for the ledger and the links."""
    return {k: v.strip() for k in FILTERS if (v := request.query_params.get(k, "")).strip()}


def offset_of(request: Request) -> int:
    value = request.query_params.get("offset", "0")
    return max(int(value), 0) if value.isdigit() else 0


@router.get("", response_class=HTMLResponse)
async def search(request: Request, session: Staff) -> Response:
    """The 工作台账: the first page without filters, or the cases the filters select."""
    filters, offset = filters_of(request), offset_of(request)
    answer = await console_of(request).call(session, "ledger", "GET", "/audit/cases",
                                            params={**filters, "limit": PAGE, "offset": offset})
    context: dict[str, Any] = {"title": "审计 · 工作台账", "statuses": STATUSES,
                               "overdue_options": OVERDUE, "query": urlencode(filters)}
    if answer.status_code != 200:
        return render(request, "audit_search.html", Refusal.of(answer).status, values=filters,
                      errors=Refusal.of(answer).by_field({"matter": "matter"}), cases=[],
                      **context)
    cases = answer.json()
    return render(request, "audit_search.html", values=filters, cases=cases,
                  offset=offset, more=len(cases) == PAGE, page=PAGE, **context)


@router.get("/work-ledger.csv")
async def work_ledger_csv(request: Request, session: Staff) -> Response:
    return await streamed(request, session, "ledger", "/audit/work-ledger.csv",
                          filters_of(request))


@router.get("/work-ledger.xlsx")
async def work_ledger_xlsx(request: Request, session: Staff) -> Response:
    return await streamed(request, session, "ledger", "/audit/work-ledger.xlsx",
                          filters_of(request))


async def case_page(request: Request, session: Session, case_id: str, status: int = 200,
                    values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                    **extra: Any) -> Response:
    """A case: its timeline across sites, legs, paper custody, and its state at `?at=`."""
    call, ledger = console_of(request).call, f"/cases/{case_id}"
    timeline = await call(session, "ledger", "GET", f"{ledger}/timeline")
    if timeline.status_code != 200:
        refusal = Refusal.of(timeline)
        return render(request, "refused.html", refusal.status, title="办件查询",
                      message="；".join(e["reason"] for e in refusal.errors))
    legs = await call(session, "ledger", "GET", f"{ledger}/legs")
    custody = await call(session, "ledger", "GET", f"{ledger}/custody")
    at, state, errors = request.query_params.get("at", "").strip(), None, dict(errors or {})
    if at:
        answer = await call(session, "ledger", "GET", f"{ledger}/state", params={"at": at})
        if answer.status_code == 200:
            state = answer.json()
        else:
            status = answer.status_code
            errors |= Refusal.of(answer).by_field({"case_id": "at"})
    case = timeline.json()
    return render(request, "audit_case.html", status, values={"at": at, **(values or {})},
                  errors=errors, title=f"办件 {case['case_number']}", case=case,
                  case_id=case_id, legs=legs.json().get("legs", []) if legs.is_success else [],
                  custody=custody.json().get("steps", []) if custody.is_success else [],
                  state=state, names=NAMES, statuses_zh=STATUSES_ZH, **extra)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case(request: Request, case_id: str, session: Staff) -> Response:
    return await case_page(request, session, case_id)


@router.post("/cases/{case_id}/applicant", response_class=HTMLResponse)
async def applicant(request: Request, case_id: str, session: Staff) -> Response:
    """The applicant unmasked, on this page only: the ledger records who read it and why; the
    console keeps nothing of it."""
    reason = form_of(request).get("reason", "").strip()
    answer = await console_of(request).call(session, "ledger", "POST",
                                            f"/audit/cases/{case_id}/applicant",
                                            params={"reason": reason} if reason else {})
    if answer.status_code != 200:
        refusal = Refusal.of(answer)
        return await case_page(request, session, case_id, refusal.status,
                               values=form_of(request), errors=refusal.by_field())
    return await case_page(request, session, case_id, values=form_of(request),
                           unmasked=answer.json())


@router.get("/ledger", response_class=HTMLResponse)
async def ledger_status(request: Request, session: Staff) -> Response:
    """台账核验状态: the last full verification as the ledger recorded it, and its digests."""
    call = console_of(request).call
    verification = await call(session, "ledger", "GET", "/audit/verification")
    digests = await call(session, "ledger", "GET", "/audit/digests")
    return render(request, "audit_ledger.html", title="台账核验状态",
                  verification=verification.json() if verification.is_success else None,
                  digests=digests.json() if digests.is_success else {})


@router.get("/personal-data-reads", response_class=HTMLResponse)
async def personal_data_reads(request: Request, session: Staff) -> Response:
    offset = offset_of(request)
    answer = await console_of(request).call(session, "ledger", "GET",
                                            "/audit/personal-data-reads",
                                            params={"limit": PAGE, "offset": offset})
    reads = answer.json() if answer.status_code == 200 else []
    return render(request, "audit_reads.html", title="个人信息查阅记录", reads=reads,
                  offset=offset, page=PAGE, more=answer.status_code == 200 and bool(reads))
