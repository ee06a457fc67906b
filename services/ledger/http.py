"""HTTP routes of the ledger, for auditors: personal data masked everywhere, and read unmasked
only by the auditor role, on the record."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import FastAPI, Query
from fastapi.responses import Response

from services.ledger.application import Ledger
from services.ledger.exports import work_ledger_csv, work_ledger_xlsx
from services.runtime.http import ActingStaff, ChinaDateTime, CorrelationId

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def add_routes(api: FastAPI, ledger: Ledger, site_name: str) -> None:
    host = ledger.host

    @api.get("/cases/{case_id}/timeline", tags=["auditor"], summary="办件全过程: the timeline")
    async def timeline(case_id: UUID) -> dict[str, Any]:
        return await host.query(lambda: ledger.timeline(case_id))

    @api.get("/cases/{case_id}/legs", tags=["auditor"], summary="time per leg and who held it")
    async def legs(case_id: UUID) -> dict[str, Any]:
        return await host.query(lambda: ledger.legs(case_id))

    @api.get("/cases/{case_id}/custody", tags=["auditor"],
             summary="the chain of custody of the case's paper, both ways")
    async def custody(case_id: UUID) -> dict[str, Any]:
        return await host.query(lambda: ledger.custody(case_id))

    @api.get("/cases/{case_id}/state", tags=["auditor"],
             summary="the case as the ledger knew it at a past moment")
    async def state(case_id: UUID, at: Annotated[ChinaDateTime, Query(
            description="ISO 8601 date-time, e.g. 2026-11-26T09:30:00+08:00; without an offset "
                        "it is read as China's time (Asia/Shanghai, UTC+8). "
                        "不带时区的时间按北京时间理解")]) -> dict[str, Any]:
        return await host.query(lambda: ledger.state_at(case_id, at))

    @api.get("/audit/cases", tags=["auditor"], summary="工作台账, filtered")
    async def cases(site: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
                    matter: str | None = None, status: str | None = None,
                    accepted_from: date | None = None, accepted_to: date | None = None,
                    overdue: bool | None = None) -> list[dict[str, Any]]:
        return await host.query(lambda: ledger.cases(site, matter, status, accepted_from,
                                                      accepted_to, overdue))

    @api.get("/audit/work-ledger.csv", tags=["auditor"], summary="工作台账 as CSV")
    async def work_ledger_as_csv() -> Response:
        rows = await host.query(ledger.work_ledger)
        return Response(work_ledger_csv(rows), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="work-ledger-{host.site}.csv"'})

    @api.get("/audit/work-ledger.xlsx", tags=["auditor"], summary="工作台账 as XLSX")
    async def work_ledger_as_xlsx() -> Response:
        rows = await host.query(ledger.work_ledger)
        return Response(work_ledger_xlsx(rows, site_name), media_type=XLSX, headers={
            "Content-Disposition": f'attachment; filename="work-ledger-{host.site}.xlsx"'})

    @api.get("/audit/legs", tags=["auditor"],
             summary="time per leg per site and department (mean hours, cases)")
    async def legs_by_unit() -> list[dict[str, Any]]:
        return await host.query(ledger.legs_by_unit)

    @api.get("/audit/ratings", tags=["auditor"], summary="好差评 and their follow-up, no evaluator")
    async def ratings() -> list[dict[str, Any]]:
        return await host.query(ledger.ratings)

    @api.get("/audit/personal-data-reads", tags=["auditor"], summary="个人信息查阅记录")
    async def personal_data_reads() -> list[dict[str, Any]]:
        return await host.query(ledger.personal_data_reads)

    @api.get("/audit/digests", tags=["auditor"], summary="a digest of each projection")
    async def digests() -> dict[str, Any]:
        def read() -> dict[str, Any]:
            with ledger.projector.lock:
                return {"position": ledger.projector.position, **ledger.projector.digests()}
        return await host.query(read)

    @api.post("/audit/cases/{case_id}/applicant", tags=["auditor"],
              summary="the applicant unmasked: auditors only, recorded with who and why")
    async def applicant(case_id: UUID, actor: ActingStaff, cid: CorrelationId,
                        reason: Annotated[str, Query(min_length=2, max_length=500,
                                                     description="why it must be read")]
                        ) -> dict[str, Any]:
        return await host.command(lambda: ledger.read_personal_data(case_id, reason, actor, cid))
