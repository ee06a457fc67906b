"""HTTP routes of the guide desk and the window: each parses, calls one use case, returns."""

from __future__ import annotations

import tempfile
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from contracts.text import PlainText
from services.intake import read_side
from services.intake.application import IdentitySubject, Intake, OpenCase
from services.intake.documents import DocumentKind, render_document
from services.intake.domain.inputs import HandedOver, NamedDefect
from services.intake.domain.state import STATUS_ZH
from services.intake.guide_desk import GuideDesk, TriageVisitor, visit_view
from services.intake.views import case_view, progress_view
from services.runtime import files
from services.runtime.access import allowed, applicant_route, staff_in
from services.runtime.body_limit import own_body_limit
from services.runtime.http import CorrelationId
from services.runtime.misses_http import REFUSED_429, client_address
from services.runtime.paging import PageQuery
from services.runtime.workdays import china_date

Guide = staff_in("guide", "window")  # 导服: the guide desk, or a window clerk doing it
Clerk = staff_in("window")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Materials(_Body):
    items: list[HandedOver] = Field(min_length=1, max_length=100)


class VerifyIdentity(_Body):
    subject: IdentitySubject = "applicant"
    method: Literal["id_card_reader", "face_match", "document_check"] = "id_card_reader"


class Proxy(_Body):
    kind: Literal["assisted", "proxy"]
    mandate_number: str | None = Field(default=None, max_length=50)


class Notice(_Body):
    defects: list[NamedDefect] = Field(min_length=1, max_length=50)
    reply_by: date | None = None


class Commitment(_Body):
    material_codes: list[Annotated[str, Field(min_length=1, max_length=10)]] = Field(
        min_length=1, max_length=100)
    signed_by: str = Field(min_length=1, max_length=64)


class TolerantAcceptance(_Body):
    due_date: date


class Rejection(_Body):
    reason: str = Field(min_length=1, max_length=500)
    apply_instead: str | None = Field(default=None, max_length=200)


class FileForm(_Body):
    """The fields that name an uploaded file, checked before any byte of it is stored."""

    file_name: PlainText = Field(min_length=1, max_length=200, pattern=r"^[^/\\]+$")
    material_code: str = Field(max_length=3, pattern=r"^M\d{2}$")
    pages: int = Field(default=1, ge=1, le=9999)

    @classmethod
    def read(cls, received: files.Received) -> FileForm:
        fields = {k: v for k, v in received.fields.items() if k in ("material_code", "pages")}
        try:
            return cls.model_validate({"file_name": received.file_name, **fields})
        except ValidationError as error:
            raise RequestValidationError(error.errors()) from None


UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file", "material_code"], "properties": {
        "file": {"type": "string", "format": "binary", "description":
                 "the scan or file; its name at most 200 characters, no control characters"},
        "material_code": {"type": "string", "maxLength": 3, "pattern": r"^M\d{2}$"},
        "pages": {"type": "integer", "minimum": 1, "maximum": 9999, "default": 1}}}}}}}


def add_guide_routes(api: FastAPI, desk: GuideDesk) -> None:
    host = desk.host

    @api.post("/guide/visits", status_code=201, tags=["guide desk"], summary="引导分流: triage")
    async def triage(body: TriageVisitor, actor: Guide, cid: CorrelationId) -> dict[str, Any]:
        return visit_view(await host.command(lambda: desk.triage(body, actor, cid)))

    @api.get("/guide/queues/{window_id}", tags=["guide desk"], summary="a window's queue",
             dependencies=[allowed("guide", "window")])
    async def queue(window_id: Annotated[str, Path(max_length=16)],
                    day: date | None = None) -> list[dict[str, Any]]:
        today = day or china_date(host.clock())
        return await host.query(lambda: desk.queue(window_id, today))


def add_window_routes(api: FastAPI, intake: Intake) -> None:
    host = intake.host

    async def change(case_id: UUID, actor: Any, cid: UUID, command: Any) -> dict[str, Any]:
        case = await host.command(lambda: intake.change(case_id, actor, cid, command))
        return case_view(case, intake.matter(case.opened.matter_code))

    @api.post("/cases", status_code=201, tags=["window"], summary="收件: open a case")
    async def open_case(body: OpenCase, actor: Clerk, cid: CorrelationId) -> dict[str, Any]:
        case = await host.command(lambda: intake.open_case(body, actor, cid))
        return case_view(case, intake.matter(body.matter_code))

    @api.get("/cases", tags=["window"],
             summary="在办件: the signed-in clerk's own cases not yet ended, newest first")
    async def my_open_cases(actor: Clerk, page: PageQuery) -> list[dict[str, Any]]:
        rows = await host.query(lambda: host.store.read(
            read_side.open_cases_of(actor.staff_id, page.limit, page.offset)))
        return [{"case_id": r["id"], "case_number": r["case_number"],
                 "matter_code": r["matter_code"], "status": r["status"],
                 "status_zh": STATUS_ZH[r["status"]], "opened_at": r["opened_at"]}
                for r in rows]

    @api.get("/cases/{case_id}", tags=["window"], summary="a case as the window sees it",
             dependencies=[allowed("window", "supervisor")])
    async def read_case(case_id: UUID) -> dict[str, Any]:
        case = await host.query(lambda: intake.get(case_id))
        return case_view(case, intake.matter(case.opened.matter_code))

    @api.post("/cases/{case_id}/proxy", tags=["window"], summary="帮办/代办")
    async def proxy(case_id: UUID, body: Proxy, actor: Clerk,
                    cid: CorrelationId) -> dict[str, Any]:
        return await change(case_id, actor, cid, lambda c, m, x: c.authorize_proxy(
            body.kind, body.mandate_number, x))

    @api.post("/cases/{case_id}/materials", tags=["window"], summary="materials handed over")
    async def materials(case_id: UUID, body: Materials, actor: Clerk,
                        cid: CorrelationId) -> dict[str, Any]:
        return await change(case_id, actor, cid, lambda c, m, x: c.submit(body.items, m, x))

    @api.post("/cases/{case_id}/files", tags=["window"], openapi_extra=UPLOAD_BODY,
              summary="扫描件/电子材料: a file of one material (PDF, JPEG, PNG, OFD)")
    @own_body_limit(host.settings.files_max_bytes + files.FORM_ALLOWANCE)
    async def attach_file(case_id: UUID, request: Request, actor: Clerk,
                          cid: CorrelationId) -> dict[str, Any]:
        with tempfile.TemporaryFile(prefix="tb-upload-") as spool:
            received = await files.receive(
                request.stream(), request.headers.get("content-type"),
                request.headers.get("content-length"), host.settings.files_max_bytes, spool)
            form = FileForm.read(received)
            case = await intake.attach_file(case_id, spool, form.file_name, received.declared,
                                            form.material_code, form.pages, actor, cid)
        return case_view(case, intake.matter(case.opened.matter_code))

    @api.post("/cases/{case_id}/identity", tags=["window"], summary="身份核验")
    async def identity(case_id: UUID, body: VerifyIdentity, actor: Clerk,
                       cid: CorrelationId) -> dict[str, Any]:
        return await change(case_id, actor, cid, lambda c, m, x: c.verify_identity(
            body.subject, body.method, x))

    @api.post("/cases/{case_id}/notices", tags=["window"], summary="一次性告知")
    async def notice(case_id: UUID, body: Notice, actor: Clerk,
                     cid: CorrelationId) -> dict[str, Any]:
        return await change(case_id, actor, cid, lambda c, m, x: c.issue_notice(
            body.defects, body.reply_by, m, x))

    @api.post("/cases/{case_id}/supplements", tags=["window"], summary="补正材料")
    async def supplement(case_id: UUID, body: Materials, actor: Clerk,
                         cid: CorrelationId) -> dict[str, Any]:
        return await change(case_id, actor, cid, lambda c, m, x: c.supplement(body.items, m, x))

    @api.post("/cases/{case_id}/commitment", tags=["window"], summary="告知承诺")
    async def commitment(case_id: UUID, body: Commitment, actor: Clerk,
                         cid: CorrelationId) -> dict[str, Any]:
        return await change(case_id, actor, cid, lambda c, m, x: c.sign_commitment(
            body.material_codes, body.signed_by, m, x))

    @api.post("/cases/{case_id}/fee-guidance", tags=["window"], summary="fees told")
    async def fees(case_id: UUID, actor: Clerk, cid: CorrelationId) -> dict[str, Any]:
        return await change(case_id, actor, cid, lambda c, m, x: c.give_fee_guidance(m, x))

    @api.post("/cases/{case_id}/accept", tags=["window"], summary="受理")
    async def accept(case_id: UUID, actor: Clerk, cid: CorrelationId) -> dict[str, Any]:
        case = await host.command(lambda: intake.accept(case_id, actor, cid))
        return case_view(case, intake.matter(case.opened.matter_code))

    @api.post("/cases/{case_id}/accept-tolerantly", tags=["window"], summary="容缺受理")
    async def accept_tolerantly(case_id: UUID, body: TolerantAcceptance, actor: Clerk,
                                cid: CorrelationId) -> dict[str, Any]:
        case = await host.command(lambda: intake.accept(case_id, actor, cid, body.due_date))
        return case_view(case, intake.matter(case.opened.matter_code))

    @api.post("/cases/{case_id}/reject", tags=["window"], summary="不予受理")
    async def reject(case_id: UUID, body: Rejection, actor: Clerk,
                     cid: CorrelationId) -> dict[str, Any]:
        return await change(case_id, actor, cid, lambda c, m, x: c.reject(
            body.reason, body.apply_instead, x))

    @api.post("/cases/{case_id}/business-supplements", tags=["window"],
              summary="补正 asked by the business site: take it in and send it on")
    async def business_supplement(case_id: UUID, body: Materials, actor: Clerk,
                                  cid: CorrelationId) -> dict[str, Any]:
        return await change(case_id, actor, cid, lambda c, m, x: c.forward_supplement(
            body.items, m, x))

    @api.post("/cases/{case_id}/promised-materials", tags=["window"], summary="容缺材料补齐")
    async def promised(case_id: UUID, body: Materials, actor: Clerk,
                       cid: CorrelationId) -> dict[str, Any]:
        return await change(case_id, actor, cid, lambda c, m, x: c.deliver_promised(
            body.items, m, x))

    @api.get("/cases/{case_id}/documents/{kind}", response_class=HTMLResponse, tags=["window"],
             summary="a window document, printable", dependencies=[allowed("window")])
    async def document(case_id: UUID, kind: DocumentKind,
                       notice: Annotated[int | None, Query(ge=1)] = None) -> HTMLResponse:
        case = await host.query(lambda: intake.get(case_id))
        site = intake.directory.site(host.site)
        assert site is not None
        html = render_document(kind, case, intake.matter(case.opened.matter_code), site, notice,
                               intake.query_codes.code(case.id))
        return HTMLResponse(html)

    @api.get("/progress", tags=["applicant"], responses=REFUSED_429,
             summary="办件进度查询 for the applicant, with the receipt's query code",
             dependencies=[applicant_route])
    async def progress(case_number: Annotated[str, Query(min_length=1, max_length=50)],
                       id_number: Annotated[str, Query(min_length=1, max_length=18)],
                       query_code: Annotated[str, Query(min_length=1, max_length=16)],
                       request: Request) -> dict[str, Any]:
        case = await intake.progress(case_number, id_number, query_code, client_address(request))
        return progress_view(case, intake.matter(case.opened.matter_code))
