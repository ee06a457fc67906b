"""综合窗口: the clerk's own open cases, 收件 for a person or a company, the checklist of
materials, identity check, proxy, electronic files, fee guidance; then one decision (一次性告知,
受理, 容缺受理, 告知承诺, 不予受理) and its document printed; supplements afterwards. Every step
is the intake service's, called with the clerk's own token."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from services.console import catalogue
from services.console import window_forms as forms
from services.console.calls import Refusal
from services.console.pages import console_of, form_of, refused, render, section, see_other
from services.console.sessions import Session

router = APIRouter(prefix="/window")
Staff = Annotated[Session, section("window")]
PAGE = 20
DONE = {"opened": "已收件，请登记收到的材料。", "materials": "已登记收到的材料。",
        "supplements": "已收取补正材料。", "promised-materials": "已补交容缺材料。",
        "business-supplements": "已收取业务属地要求的补正材料，并已转送。",
        "identity": "身份已核验。", "proxy": "已登记帮办代办。", "fee-guidance": "已告知收费标准。",
        "files": "电子材料已上传。", "notices": "已出具一次性告知书，请打印交申请人。",
        "accept": "已受理，请打印受理通知书和收件凭证。",
        "accept-tolerantly": "已容缺受理，请打印容缺受理通知书。",
        "commitment": "已签署告知承诺书。", "reject": "已决定不予受理，请打印不予受理通知书。"}
MaterialStep = Literal["materials", "supplements", "promised-materials", "business-supplements"]


def _call(request: Request, session: Session) -> Callable[..., Any]:
    async def call(method: str, path: str, **kwargs: Any) -> Any:
        return await console_of(request).call(session, "intake", method, path, **kwargs)
    return call


@router.get("", response_class=HTMLResponse)
async def my_cases(request: Request, session: Staff,
                   offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> Response:
    """我的在办件: a page of the clerk's cases not yet ended, each loaded for its masked
    applicant and next step (at most a page of calls)."""
    call = _call(request, session)
    listed = await call("GET", "/cases", params={"limit": PAGE, "offset": offset})
    if listed.status_code != 200:
        return render(request, "refused.html", listed.status_code, title="我的在办件",
                      message="；".join(Refusal.of(listed).by_field().values()))
    listed_rows = listed.json()
    cases = await asyncio.gather(*(call("GET", f"/cases/{row['case_id']}")
                                   for row in listed_rows))  # a page's cases at once
    rows = []
    for row, case in zip(listed_rows, cases, strict=True):
        shown = case.json() if case.status_code == 200 else {}
        rows.append({**row,
                     "matter_name": shown.get("matter_name", row["matter_code"]),
                     "applicant": shown.get("applicant", ""),
                     "next_step": shown.get("next_step", "")})
    return render(request, "window_cases.html", title="我的在办件", rows=rows, offset=offset,
                  page=PAGE)


@router.get("/new", response_class=HTMLResponse)
@router.get("/cases", response_class=HTMLResponse, include_in_schema=False)
async def new_case(request: Request, session: Staff) -> Response:
    """The form; also at /window/cases, where a refused form was shown, so that signing in
    again after it comes back to the form with its draft."""
    return _new_page(request)


def _new_page(request: Request, refusal: Refusal | None = None,
              names: dict[str, str] | None = None) -> Response:
    site = catalogue.site_of(console_of(request).settings.site)
    matters = ([m for m in catalogue.directory().matters.values() if m.in_hall]
               if site else [])
    context = {"title": "收件", "matters": matters, "kinds": forms.KINDS,
               "channels": forms.CHANNELS}
    if refusal is not None:
        return refused(request, "window_new.html", refusal, names, **context)
    return render(request, "window_new.html", **context)


@router.post("/cases", response_class=HTMLResponse)
async def open_case(request: Request, session: Staff) -> Response:
    body, names = forms.opening(form_of(request))
    answer = await _call(request, session)("POST", "/cases", json=body)
    if answer.status_code != 201:
        return _new_page(request, Refusal.of(answer), names)
    return see_other(f"/window/cases/{answer.json()['case_id']}?done=opened")


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case_page(request: Request, session: Staff, case_id: UUID, done: str = "") -> Response:
    return await _case_page(request, session, case_id, done=DONE.get(done, ""))


async def _case_page(request: Request, session: Session, case_id: UUID, *,
                     refusal: Refusal | None = None, names: dict[str, str] | None = None,
                     done: str = "") -> Response:
    answer = await _call(request, session)("GET", f"/cases/{case_id}")
    if answer.status_code != 200:
        return render(request, "refused.html", answer.status_code, title="办件",
                      message="；".join(Refusal.of(answer).by_field().values()))
    case = answer.json()
    matter = catalogue.matter_of(case["matter_code"])
    context = {"title": f"办件 {case['case_number']}", "case": case, "matter": matter,
               "documents": forms.documents(case), "done": done, "f_": forms,
               "material_step": _material_step(case)}
    if refusal is not None:
        return refused(request, "window_case.html", refusal, names, **context)
    defaults = {f"defect_{m['material_code']}": "missing" for m in case["materials"]
                if m["state"] == "missing" and request.url.path not in session.drafts}
    return render(request, "window_case.html", values=defaults, **context)


def _material_step(case: dict[str, Any]) -> tuple[str, str] | None:
    """Which handing-over the checklist is for now: (step, its button)."""
    status = case["status"]
    if status == "opened":
        return "materials", "登记收到的材料"
    if status == "awaiting_supplement":
        return "supplements", "提交补正材料"
    if status == "accepted" and any(m["state"] == "promised" for m in case["materials"]):
        return "promised-materials", "补交容缺材料"
    return None


async def _step(request: Request, session: Session, case_id: UUID, path: str,
                body: dict[str, Any] | None, names: dict[str, str] | None = None) -> Response:
    """One step of the case at intake: back to the case page, or the page again with the
    reason beside the field."""
    answer = await _call(request, session)("POST", f"/cases/{case_id}/{path}", json=body)
    if answer.status_code >= 400:
        return await _case_page(request, session, case_id, refusal=Refusal.of(answer),
                                names=names)
    return see_other(f"/window/cases/{case_id}?done={path}")


@router.post("/cases/{case_id}/handed-over/{step}", response_class=HTMLResponse)
async def hand_over(request: Request, session: Staff, case_id: UUID,
                    step: MaterialStep) -> Response:
    body, names = forms.handed_over(form_of(request))
    return await _step(request, session, case_id, step, body, names)


@router.post("/cases/{case_id}/identity", response_class=HTMLResponse)
async def identity(request: Request, session: Staff, case_id: UUID) -> Response:
    form = form_of(request)
    return await _step(request, session, case_id, "identity", {
        "subject": form.get("subject", "applicant"),
        "method": form.get("method", "id_card_reader")})


@router.post("/cases/{case_id}/proxy", response_class=HTMLResponse)
async def proxy(request: Request, session: Staff, case_id: UUID) -> Response:
    form = form_of(request)
    return await _step(request, session, case_id, "proxy", {
        "kind": form.get("proxy_kind", ""),
        "mandate_number": form.get("mandate_number", "").strip() or None},
        {"kind": "proxy_kind"})


@router.post("/cases/{case_id}/fee-guidance", response_class=HTMLResponse)
async def fee_guidance(request: Request, session: Staff, case_id: UUID) -> Response:
    return await _step(request, session, case_id, "fee-guidance", None)


@router.post("/cases/{case_id}/notices", response_class=HTMLResponse)
async def notice(request: Request, session: Staff, case_id: UUID) -> Response:
    body, names = forms.notice(form_of(request))
    return await _step(request, session, case_id, "notices", body, names)


@router.post("/cases/{case_id}/accept", response_class=HTMLResponse)
async def accept(request: Request, session: Staff, case_id: UUID) -> Response:
    return await _step(request, session, case_id, "accept", None)


@router.post("/cases/{case_id}/accept-tolerantly", response_class=HTMLResponse)
async def accept_tolerantly(request: Request, session: Staff, case_id: UUID) -> Response:
    due = form_of(request).get("due_date", "").strip()
    return await _step(request, session, case_id, "accept-tolerantly", {"due_date": due})


@router.post("/cases/{case_id}/commitment", response_class=HTMLResponse)
async def commitment(request: Request, session: Staff, case_id: UUID) -> Response:
    return await _step(request, session, case_id, "commitment",
                       forms.commitment(form_of(request)), {"material_codes": "commit"})


@router.post("/cases/{case_id}/reject", response_class=HTMLResponse)
async def reject(request: Request, session: Staff, case_id: UUID) -> Response:
    return await _step(request, session, case_id, "reject", forms.rejection(form_of(request)))


@router.post("/cases/{case_id}/files", response_class=HTMLResponse)
async def upload(request: Request, session: Staff, case_id: UUID) -> Response:
    """The scan goes on to intake as it came (spooled by the form parser, read in chunks by
    the client), never whole in memory."""
    form = await request.form()  # parsed once, by the guard's CSRF check
    file = form.get("file")
    fields = {"material_code": str(form.get("material_code", "")),
              "pages": str(form.get("file_pages", "") or "1")}
    names = {"file_name": "file", "pages": "file_pages", "material_code": "file_material"}
    if not isinstance(file, UploadFile) or not file.filename:
        refusal = Refusal(422, ({"field": "file", "reason": "请选择要上传的文件",
                                 "rule": "file_missing"},))
        return await _case_page(request, session, case_id, refusal=refusal, names=names)
    answer = await _call(request, session)(
        "POST", f"/cases/{case_id}/files", data=fields,
        files={"file": (file.filename, file.file, file.content_type or
                        "application/octet-stream")})
    if answer.status_code >= 400:
        return await _case_page(request, session, case_id, refusal=Refusal.of(answer),
                                names=names)
    return see_other(f"/window/cases/{case_id}?done=files")


DocumentKind = Literal["receipt", "one_time_notice", "acceptance_notice",
                       "non_acceptance_notice", "tolerant_acceptance_notice", "commitment"]


@router.get("/cases/{case_id}/documents/{kind}", response_class=HTMLResponse)
async def document(request: Request, session: Staff, case_id: UUID, kind: DocumentKind,
                   notice: Annotated[int | None, Query(ge=1)] = None) -> Response:
    """The document as intake renders it, fetched with the clerk's token, shown as it is."""
    params = {"notice": notice} if notice else None
    answer = await _call(request, session)("GET", f"/cases/{case_id}/documents/{kind}",
                                           params=params)
    if answer.status_code != 200:
        return render(request, "refused.html", answer.status_code, title="文书不可打印",
                      message="；".join(Refusal.of(answer).by_field().values()))
    return HTMLResponse(answer.text)
