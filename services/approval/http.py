"""HTTP routes of the approver."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field

from services.approval.application import (
    Approval,
    ApproveCase,
    DecidePart,
    DenyCase,
    case_view,
)
from services.approval.domain import SpecialKind
from services.runtime.access import allowed, staff_in
from services.runtime.http import CorrelationId
from services.runtime.paging import Page, PageQuery


class QueuePage(Page):
    """A page of the queue, of one approver's cases or one department's if asked."""

    claimant: str | None = Field(default=None, min_length=1, max_length=64,
                                 description="只看该审批人认领的办件")
    department: str | None = Field(default=None, min_length=1, max_length=100,
                                   description="只看该部门的办件")


QueuePageQuery = Annotated[QueuePage, Query()]
Approver = staff_in("approver")
Head = staff_in("head")
ClockKeeper = staff_in("approver", "head")  # the one holding the case, or the head


class Assignment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approver_staff_id: str = Field(min_length=1, max_length=64)


class SupplementList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1,
                                                                            max_length=50)


class SpecialProcedure(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: SpecialKind
    expected_days: int = Field(ge=1, le=365)
    notice: str = Field(min_length=1, max_length=500, description="书面告知所需时间")


class ProcedureOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: str = Field(min_length=1, max_length=1000)


class Extension(BaseModel):
    model_config = ConfigDict(extra="forbid")

    extra_days: int = Field(ge=1, le=15)
    reason: str = Field(min_length=1, max_length=500)
    approved_by: str = Field(min_length=1, max_length=64, description="批准延期的负责人")


def add_routes(api: FastAPI, approval: Approval) -> None:
    host = approval.host

    @api.get("/inbox", tags=["approver"], summary="待办: cases waiting for a decision",
             dependencies=[allowed("approver", "head")])
    async def inbox(page: PageQuery) -> list[dict[str, Any]]:
        return await host.query(lambda: approval.inbox(page))

    @api.get("/cases/{case_id}", tags=["approver"], summary="read a case",
             dependencies=[allowed("approver", "head", "supervisor")])
    async def read_case(case_id: UUID) -> dict[str, Any]:
        return case_view(await host.query(lambda: approval.get(case_id)))

    @api.post("/cases/{case_id}/claim", tags=["approver"], summary="认领: take the case")
    async def claim(case_id: UUID, actor: Approver, cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: approval.change(
            case_id, actor, cid, lambda c, x: c.claim(x))))

    @api.post("/cases/{case_id}/assign", tags=["approver"], summary="分办: the head assigns")
    async def assign(case_id: UUID, body: Assignment, actor: Head,
                     cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: approval.change(
            case_id, actor, cid, lambda c, x: c.assign(body.approver_staff_id, x))))

    @api.post("/cases/{case_id}/deny", tags=["approver"], summary="不予许可: deny a case")
    async def deny(case_id: UUID, body: DenyCase, actor: Approver,
                   cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: approval.change(
            case_id, actor, cid, lambda c, x: c.deny(body.reasons, x))))

    @api.get("/sla", tags=["supervision"], summary="时限执行: by department",
             dependencies=[allowed("head", "supervisor")])
    async def sla() -> dict[str, dict[str, int]]:
        return await host.query(approval.sla)

    @api.get("/queue", tags=["approver"], summary="待办队列: soonest due first",
             dependencies=[allowed("approver", "head")])
    async def queue(page: QueuePageQuery) -> list[dict[str, Any]]:
        return await host.query(lambda: approval.queue(page, page.claimant, page.department))

    @api.post("/cases/{case_id}/supplement-requests", tags=["clock"], summary="补正: clock pauses")
    async def supplement(case_id: UUID, body: SupplementList, actor: Approver,
                         cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: approval.change(
            case_id, actor, cid, lambda c, x: c.request_supplement(body.items, x))))

    @api.post("/cases/{case_id}/special-procedures", tags=["clock"], summary="特别程序: pauses")
    async def special(case_id: UUID, body: SpecialProcedure, actor: Approver,
                      cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: approval.change(
            case_id, actor, cid, lambda c, x: c.start_special_procedure(
                body.kind, body.expected_days, body.notice, x))))

    @api.post("/cases/{case_id}/special-procedures/end", tags=["clock"],
              summary="特别程序结束: the clock resumes")
    async def special_end(case_id: UUID, body: ProcedureOutcome, actor: ClockKeeper,
                          cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: approval.change(
            case_id, actor, cid, lambda c, x: c.end_special_procedure(
                body.outcome, approval.calendar, x))))

    @api.post("/cases/{case_id}/clock/resume", tags=["clock"],
              summary="the supplement arrived or the special procedure ended")
    async def resume(case_id: UUID, actor: ClockKeeper, cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: approval.change(
            case_id, actor, cid, lambda c, x: c.resume(approval.calendar, x))))

    @api.post("/cases/{case_id}/extensions", tags=["clock"], summary="延期 with the head's approval")
    async def extend(case_id: UUID, body: Extension, actor: ClockKeeper,
                     cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: approval.change(
            case_id, actor, cid, lambda c, x: c.extend(body.extra_days, body.reason,
                                                      body.approved_by, approval.calendar, x))))

    @api.post("/cases/{case_id}/decide-part", tags=["approver"],
              summary="多地联办: decide this site's part")
    async def decide_part(case_id: UUID, body: DecidePart, actor: Approver,
                          cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: approval.decide_part(case_id, body, actor,
                                                                          cid)))

    @api.post("/cases/{case_id}/approve", tags=["approver"], summary="准予: approve a case")
    async def approve(case_id: UUID, body: ApproveCase, actor: Approver,
                      cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: approval.approve(case_id, body, actor, cid)))
