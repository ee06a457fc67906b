"""HTTP routes of the exchange: parties, parcels and custody."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import FastAPI, Path
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.routing.application import Exchange
from services.routing.views import case_view, custody_view
from services.runtime.access import allowed, staff_in
from services.runtime.http import CorrelationId
from services.runtime.paging import PageQuery

Custodian = staff_in("window", "delivery", "approver", "head")  # who hands paper over, signs for it
JointHandler = staff_in("approver", "head")  # 联办: the departments that decide
Consulting = staff_in("window", "approver", "head")  # 远程会商: the window asks, they answer
ManifestNumber = Annotated[str, Path(max_length=64, description="移交清单编号")]


class Dispatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    carrier: str = Field(min_length=1, max_length=32, description="承运快递公司")
    tracking_number: str = Field(min_length=6, max_length=32, pattern=r"^[0-9A-Za-z]+$")


class ReceivedItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    material_code: str = Field(min_length=1, max_length=10)
    pages: int = Field(ge=0, le=2000)


class JointSession(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: AwareDatetime
    link: str = Field(min_length=1, max_length=200, description="视频会议链接或电话")


class SessionMinutes(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minutes: str = Field(min_length=1, max_length=2000)


class Consultation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    with_site: str = Field(max_length=6, pattern=r"^\d{6}$")
    channel: Literal["video", "phone", "network"]
    topic: str = Field(min_length=1, max_length=500)


class ConsultationRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approver: str = Field(min_length=1, max_length=64)
    summary: str = Field(min_length=1, max_length=2000)


class Receipt(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[ReceivedItem] = Field(max_length=100)


def add_routes(api: FastAPI, exchange: Exchange) -> None:
    host = exchange.host

    @api.get("/cases/{case_id}", tags=["exchange"], summary="parties and manifests of a case",
             dependencies=[allowed("window", "delivery", "approver", "head", "supervisor")])
    async def read_case(case_id: UUID) -> dict[str, Any]:
        return case_view(await host.query(lambda: exchange.get(case_id)))

    @api.get("/cases/{case_id}/custody", tags=["custody"], summary="where each paper item is",
             dependencies=[allowed("window", "delivery", "approver", "supervisor", "auditor")])
    async def custody_of(case_id: UUID) -> list[dict[str, Any]]:
        return custody_view(await host.query(lambda: exchange.get(case_id)))

    @api.post("/cases/{case_id}/parcels/{number}/dispatch", tags=["custody"], summary="寄出")
    async def dispatch(case_id: UUID, number: ManifestNumber, body: Dispatch, actor: Custodian,
                       cid: CorrelationId) -> dict[str, Any]:
        case = await host.command(lambda: exchange.change(case_id, actor, cid, lambda c, x: (
            c.dispatch(number, body.carrier, body.tracking_number, x))))
        return {"custody": custody_view(case)}

    @api.post("/cases/{case_id}/parcels/{number}/hand-over", tags=["custody"],
              summary="本地移交: to a department of this site, by hand")
    async def hand_over(case_id: UUID, number: ManifestNumber, actor: Custodian,
                        cid: CorrelationId) -> dict[str, Any]:
        case = await host.command(lambda: exchange.change(
            case_id, actor, cid, lambda c, x: c.hand_over_locally(number, x)))
        return {"custody": custody_view(case)}

    @api.post("/cases/{case_id}/parcels/{number}/receive", tags=["custody"], summary="签收核对")
    async def receive(case_id: UUID, number: ManifestNumber, body: Receipt, actor: Custodian,
                      cid: CorrelationId) -> dict[str, Any]:
        pages = {i.material_code: i.pages for i in body.items}
        case = await host.command(lambda: exchange.change(case_id, actor, cid, lambda c, x: (
            c.receive(number, pages, x))))
        return {"custody": custody_view(case)}

    @api.post("/cases/{case_id}/joint-session", tags=["joint"], summary="安排联办会商")
    async def schedule(case_id: UUID, body: JointSession, actor: JointHandler,
                       cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: exchange.change(
            case_id, actor, cid, lambda c, x: c.schedule_session(body.starts_at, body.link, x))))

    @api.post("/cases/{case_id}/joint-session/held", tags=["joint"], summary="会商纪要")
    async def held(case_id: UUID, body: SessionMinutes, actor: JointHandler,
                   cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: exchange.change(
            case_id, actor, cid, lambda c, x: c.record_session(body.minutes, x))))

    @api.post("/cases/{case_id}/consultations", tags=["consultation"], summary="发起远程会商")
    async def consult(case_id: UUID, body: Consultation, actor: Consulting,
                      cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: exchange.change(
            case_id, actor, cid, lambda c, x: c.request_consultation(
                body.with_site, body.channel, body.topic, x))))

    @api.post("/cases/{case_id}/consultations/held", tags=["consultation"], summary="会商记录")
    async def consulted(case_id: UUID, body: ConsultationRecord, actor: Consulting,
                        cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: exchange.change(
            case_id, actor, cid, lambda c, x: c.record_consultation(body.approver, body.summary,
                                                                    x))))

    @api.get("/supervision", tags=["supervision"],
             summary="督办: open supervision items (the page counts cases)",
             dependencies=[allowed("supervisor", "head")])
    async def supervision(page: PageQuery) -> list[dict[str, Any]]:
        return await host.query(lambda: exchange.supervision_list(page.limit, page.offset))

    @api.get("/parcels", tags=["custody"],
             summary="this site's open parcels (the page counts cases)",
             dependencies=[allowed("window", "delivery", "supervisor")])
    async def parcels(page: PageQuery) -> list[dict[str, Any]]:
        return await host.query(lambda: exchange.open_parcels(page.limit, page.offset))
