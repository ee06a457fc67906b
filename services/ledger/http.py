"""HTTP routes of the ledger, for auditors: personal data masked everywhere, and read unmasked
only by the auditor role, on the record."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any
from uuid import UUID

import structlog
from fastapi import FastAPI, Query
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from contracts.identity import ResidentIdNumber
from services.ledger.application import Ledger
from services.ledger.exports import XLSX_MAX_ROWS, csv_header, csv_rows, work_ledger_xlsx
from services.ledger.last_verified import last_verification
from services.ledger.person_record_page import person_record_page
from services.ledger.work_ledger_query import CaseFilter
from services.runtime.access import allowed, staff_in
from services.runtime.http import ChinaDateTime, CorrelationId, IsoDate
from services.runtime.paging import Page, PageQuery


class CaseSelection(BaseModel):
    """Which cases of the 工作台账: every filter optional."""

    model_config = ConfigDict(extra="forbid")

    site: str | None = Field(default=None, pattern=r"^\d{6}$", max_length=6,
                             description="受理地或业务属地（行政区划代码）")
    matter: str | None = Field(default=None, max_length=64, description="事项编码")
    status: str | None = Field(default=None, max_length=32, description="状态")
    accepted_from: IsoDate | None = Field(default=None, description="受理日期自（YYYY-MM-DD）")
    accepted_to: IsoDate | None = Field(default=None, description="受理日期至（YYYY-MM-DD）")
    overdue: bool | None = Field(default=None, description="只看超期（true）或未超期（false）")
    case_number: str | None = Field(default=None, pattern=r"^[0-9A-Z]{1,32}$", max_length=32,
                                    description="办件编号")


class PersonAsked(Page):
    """Whose record: in the body, never in a URL that proxies and access logs keep."""

    id_number: ResidentIdNumber = Field(description="居民身份证号码")


class CasesPage(Page, CaseSelection):
    """A page of the 工作台账, filtered."""


CasesPageQuery = Annotated[CasesPage, Query()]
SelectionQuery = Annotated[CaseSelection, Query()]
AUDIT = [allowed("auditor", "supervisor")]  # what the ledger shows masked
Auditor = staff_in("auditor")  # who may read personal data, on the record
CSV = "text/csv; charset=utf-8"
log = structlog.get_logger()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_of(media_type: str) -> dict[int | str, dict[str, Any]]:
    """An export's 200 in OpenAPI: a file of its real type, not JSON."""
    return {200: {"description": "the file", "content": {
        media_type: {"schema": {"type": "string", "format": "binary"}}}}}


def case_filter(selection: CaseSelection) -> CaseFilter:
    return CaseFilter(selection.site, selection.matter, selection.status,
                      selection.accepted_from, selection.accepted_to, selection.overdue,
                      selection.case_number)


def add_routes(api: FastAPI, ledger: Ledger, site_name: str) -> None:
    host = ledger.host

    @api.get("/cases/{case_id}/timeline", tags=["auditor"], dependencies=AUDIT,
             summary="办件全过程: the timeline")
    async def timeline(case_id: UUID) -> dict[str, Any]:
        return await host.query(lambda: ledger.timeline(case_id))

    @api.get("/cases/{case_id}/legs", tags=["auditor"], dependencies=AUDIT,
             summary="time per leg and who held it")
    async def legs(case_id: UUID) -> dict[str, Any]:
        return await host.query(lambda: ledger.legs(case_id))

    @api.get("/cases/{case_id}/custody", tags=["auditor"], dependencies=AUDIT,
             summary="the chain of custody of the case's paper, both ways")
    async def custody(case_id: UUID) -> dict[str, Any]:
        return await host.query(lambda: ledger.custody(case_id))

    @api.get("/cases/{case_id}/state", tags=["auditor"], dependencies=AUDIT,
             summary="the case as the ledger knew it at a past moment")
    async def state(case_id: UUID, at: Annotated[ChinaDateTime, Query(
            description="ISO 8601 date-time, e.g. 2026-11-26T09:30:00+08:00; without an offset "
                        "it is read as China's time (Asia/Shanghai, UTC+8). "
                        "不带时区的时间按北京时间理解")]) -> dict[str, Any]:
        return await host.query(lambda: ledger.state_at(case_id, at))

    @api.get("/audit/cases", tags=["auditor"], dependencies=AUDIT,
             summary="工作台账, filtered, a page at a time, earliest accepted first")
    async def cases(page: CasesPageQuery) -> list[dict[str, Any]]:
        where = case_filter(page)
        return await host.query(lambda: ledger.cases(where, page))

    @api.get("/audit/work-ledger.csv", tags=["auditor"], dependencies=AUDIT,
             response_class=Response,
             responses=file_of(CSV),
             summary="工作台账 as CSV, the cases selected (all by default), streamed a page at a "
                     "time")
    async def work_ledger_as_csv(selection: SelectionQuery) -> Response:
        where = case_filter(selection)

        async def pages() -> AsyncIterator[bytes]:
            yield csv_header()
            rows, after = await host.query(lambda: ledger.work_ledger_pages(where))
            while rows:
                yield csv_rows(rows)
                rows, after = await host.query(
                    lambda after=after: ledger.work_ledger_pages(where, after))

        return StreamingResponse(pages(), media_type=CSV, headers={
            "Content-Disposition": f'attachment; filename="work-ledger-{host.site}.csv"'})

    @api.get("/audit/work-ledger.xlsx", tags=["auditor"], dependencies=AUDIT,
             response_class=Response,
             responses=file_of(XLSX),
             summary=f"工作台账 as XLSX, the cases selected, at most {XLSX_MAX_ROWS:,}")
    async def work_ledger_as_xlsx(selection: SelectionQuery) -> Response:
        where = case_filter(selection)
        book = await host.query(lambda: work_ledger_xlsx(
            ledger.work_ledger(where, XLSX_MAX_ROWS), site_name))
        return Response(book, media_type=XLSX, headers={
            "Content-Disposition": f'attachment; filename="work-ledger-{host.site}.xlsx"'})

    @api.get("/audit/legs", tags=["auditor"], dependencies=AUDIT,
             summary="time per leg per site and department (mean hours, cases)")
    async def legs_by_unit() -> list[dict[str, Any]]:
        return await host.query(ledger.legs_by_unit)

    @api.get("/audit/ratings", tags=["auditor"], dependencies=AUDIT,
             summary="好差评 and their follow-up, no evaluator: a page of rated cases")
    async def ratings(page: PageQuery) -> list[dict[str, Any]]:
        return await host.query(lambda: ledger.ratings(page))

    @api.get("/audit/personal-data-reads", tags=["auditor"], dependencies=[allowed("auditor")],
             summary="个人信息查阅记录: a page of cases read, each with its reads")
    async def personal_data_reads(page: PageQuery) -> list[dict[str, Any]]:
        return await host.query(lambda: ledger.personal_data_reads(page))

    @api.get("/audit/digests", tags=["auditor"], dependencies=AUDIT,
             summary="a digest of each read table (the sum of its rows' hashes, kept as they change)")
    async def digests() -> dict[str, Any]:
        return await host.query(ledger.digests)

    @api.get("/audit/verification", tags=["auditor"], dependencies=AUDIT,
             summary="核验状态: the last full verification (`tongban ledger verify`), when, its "
                     "result, and how many events were recorded since; one row, whatever the "
                     "history (the verification itself is never run per request)")
    async def verification() -> dict[str, Any]:
        return await host.query(lambda: last_verification(host.store))

    @api.post("/audit/person-record", tags=["auditor"],
              summary="个人信息处理情况: a person's cases here, the kinds of personal data each "
                      "holds, its unmasked reads (who, when, why) and what was destroyed; "
                      "auditors only, the ID number in the body")
    async def person_record(body: PersonAsked, actor: Auditor) -> dict[str, Any]:
        record = await host.query(lambda: ledger.person_record(body.id_number, actor, body))
        log.info("person_record_read", reader=actor.staff_id, cases=len(record["cases"]))
        return record

    @api.post("/audit/person-record/print", tags=["auditor"], response_class=HTMLResponse,
              summary="个人信息处理情况记录, printable (the same record as a page)")
    async def person_record_printed(body: PersonAsked, actor: Auditor) -> HTMLResponse:
        record = await host.query(lambda: ledger.person_record(body.id_number, actor, body))
        log.info("person_record_printed", reader=actor.staff_id, cases=len(record["cases"]))
        return HTMLResponse(person_record_page(record, site_name, actor.staff_id, host.clock()))

    @api.post("/audit/cases/{case_id}/applicant", tags=["auditor"],
              summary="the applicant unmasked: auditors only, recorded with who and why")
    async def applicant(case_id: UUID, actor: Auditor, cid: CorrelationId,
                        reason: Annotated[str, Query(min_length=2, max_length=500,
                                                     description="why it must be read")]
                        ) -> dict[str, Any]:
        return await host.command(lambda: ledger.read_personal_data(case_id, reason, actor, cid))
