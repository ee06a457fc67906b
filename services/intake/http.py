"""HTTP routes of the window: a few lines each."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import FastAPI

from services.intake.application import Intake, OpenCase, case_view
from services.runtime.http import ActingStaff, CorrelationId


def add_routes(api: FastAPI, intake: Intake) -> None:
    host = intake.host

    @api.post("/cases", status_code=201, tags=["window"], summary="收件: open a case")
    async def open_case(body: OpenCase, actor: ActingStaff, cid: CorrelationId) -> dict[str, Any]:
        case = await host.command(lambda: intake.open_case(body, actor, cid))
        return case_view(case)

    @api.post("/cases/{case_id}/accept", tags=["window"], summary="受理: accept a case")
    async def accept_case(case_id: UUID, actor: ActingStaff, cid: CorrelationId) -> dict[str, Any]:
        case = await host.command(lambda: intake.accept_case(case_id, actor, cid))
        return case_view(case)

    @api.get("/cases/{case_id}", tags=["window"], summary="办件进度: read a case")
    async def read_case(case_id: UUID) -> dict[str, Any]:
        return case_view(await host.query(lambda: intake.get(case_id)))
