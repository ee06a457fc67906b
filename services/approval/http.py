"""HTTP routes of the approver."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import FastAPI

from services.approval.application import (
    Approval,
    ApproveCase,
    DecidePart,
    DenyCase,
    case_view,
)
from services.runtime.http import ActingStaff, CorrelationId


def add_routes(api: FastAPI, approval: Approval) -> None:
    host = approval.host

    @api.get("/inbox", tags=["approver"], summary="待办: cases waiting for a decision")
    async def inbox() -> list[dict[str, Any]]:
        return await host.query(approval.inbox)

    @api.get("/cases/{case_id}", tags=["approver"], summary="read a case")
    async def read_case(case_id: UUID) -> dict[str, Any]:
        return case_view(await host.query(lambda: approval.get(case_id)))

    @api.post("/cases/{case_id}/claim", tags=["approver"], summary="认领: take the case")
    async def claim(case_id: UUID, actor: ActingStaff, cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: approval.change(
            case_id, actor, cid, lambda c, x: c.claim(x))))

    @api.post("/cases/{case_id}/deny", tags=["approver"], summary="不予许可: deny a case")
    async def deny(case_id: UUID, body: DenyCase, actor: ActingStaff,
                   cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: approval.change(
            case_id, actor, cid, lambda c, x: c.deny(body.reasons, x))))

    @api.post("/cases/{case_id}/decide-part", tags=["approver"],
              summary="多地联办: decide this site's part")
    async def decide_part(case_id: UUID, body: DecidePart, actor: ActingStaff,
                          cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: approval.decide_part(case_id, body, actor,
                                                                          cid)))

    @api.post("/cases/{case_id}/approve", tags=["approver"], summary="准予: approve a case")
    async def approve(case_id: UUID, body: ApproveCase, actor: ActingStaff,
                      cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: approval.approve(case_id, body, actor, cid)))
