"""HTTP routes of delivery (结果送达) and evaluation (好差评)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Self
from uuid import UUID

from fastapi import FastAPI, Path, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.delivery import Recipient
from contracts.evaluation import Resolution, Scope, ServiceRated
from contracts.identity import ResidentIdNumber
from contracts.intake import DeliveryChannel
from services.delivery.application import ResultDelivery
from services.delivery.domain.rating import RatingRules
from services.delivery.receipt import delivery_receipt
from services.delivery.views import (
    case_view,
    rating_view,
    ratings_summary,
    review_view,
)
from services.runtime.access import allowed, applicant_route, staff_in
from services.runtime.http import CorrelationId
from services.runtime.misses_http import REFUSED_429, client_address
from services.runtime.paging import PageQuery

Text = Annotated[str, Field(min_length=1, max_length=500)]
TrackingNumber = Annotated[str, Path(max_length=40)]
Level = Annotated[int, Field(ge=1, le=5, description="1 非常满意 … 5 非常不满意")]


Clerk = staff_in("window")  # the receiving window: arrival, pickup, the applicant's choice
Mailroom = staff_in("delivery")  # 寄递: the business site's mailings
Reviewing = staff_in("supervisor", "window", "approver", "head", "delivery")
"""A bad rating's follow-up: its owner, who served, and supervisors (first, so one who is both
sees the evaluator as a supervisor)."""
Supervisor = staff_in("supervisor")

class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeliveryChoice(_Body):
    channel: DeliveryChannel
    address: str | None = Field(default=None, min_length=4, max_length=200)

    @model_validator(mode="after")
    def _address_for_mail(self) -> Self:
        if self.channel == "mail_to_applicant" and not self.address:
            raise ValueError("邮寄给申请人须填写收件地址")
        return self


class Mailing(_Body):
    recipient: Recipient
    carrier: str = Field(min_length=1, max_length=40)
    tracking_number: str = Field(max_length=40, pattern=r"^[0-9A-Za-z]{4,40}$")
    address: str | None = Field(default=None, min_length=4, max_length=200,
                                description="to the applicant: the address; by default the one "
                                            "given at the window")


class Delivered(_Body):
    signed_by: str = Field(min_length=1, max_length=64)


class Returned(_Body):
    reason: Text


class Arrival(_Body):
    tracking_number: str = Field(max_length=40, pattern=r"^[0-9A-Za-z]{4,40}$")
    intact: bool = True
    note: str = Field(default="", max_length=500)


class Pickup(_Body):
    id_number: ResidentIdNumber
    identity_method: str = Field(default="身份证读卡器", min_length=1, max_length=40)


class FormExplained(_Body):
    form: Text
    lookup_at: Text


class Rating(_Body):
    case_number: str = Field(min_length=1, max_length=50)
    id_number: ResidentIdNumber
    query_code: str = Field(min_length=1, max_length=16, description="查询码, on the receipt")
    scope: Scope
    visit_day: date | None = Field(default=None, description="for a visit: the day served")
    window_level: Level
    department_level: Level | None = Field(default=None, description="for a matter only")
    comment: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _fits_scope(self) -> Self:
        if self.scope == "visit" and self.visit_day is None:
            raise ValueError("对窗口服务的评价须写明服务日期（visit_day）")
        if self.scope == "visit" and self.department_level is not None:
            raise ValueError("一次一评只评价窗口，不评价业务部门")
        return self


class Callback(_Body):
    reached: bool
    verified: bool
    notes: Text


class Resolve(_Body):
    resolution: Resolution
    detail: Text


class Detail(_Body):
    detail: Text


class Appeal(_Body):
    reason: Text


class AppealDecision(_Body):
    upheld: bool
    opinion: Text


def add_routes(api: FastAPI, delivery: ResultDelivery) -> None:
    host, calendar = delivery.host, delivery.calendar
    rules: RatingRules = delivery.rules

    @api.get("/cases/{case_id}", tags=["delivery"], summary="the result and its way",
             dependencies=[allowed("window", "delivery", "supervisor")])
    async def read_case(case_id: UUID) -> dict[str, Any]:
        return case_view(await host.query(lambda: delivery.get(case_id)))

    @api.post("/cases/{case_id}/delivery-choice", tags=["window"],
              summary="变更送达方式: until the result is dispatched")
    async def change_choice(case_id: UUID, body: DeliveryChoice, actor: Clerk,
                            cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: delivery.change(
            case_id, actor, cid, lambda c, x: c.change_choice(
                body.channel, body.address, delivery.offered(c), delivery.owner_site(c), x))))

    @api.post("/cases/{case_id}/mailings", tags=["business site"],
              summary="邮寄: the paper result to the applicant or to the receiving window")
    async def mail(case_id: UUID, body: Mailing, actor: Mailroom,
                   cid: CorrelationId) -> dict[str, Any]:
        def address(c: Any) -> str:
            if body.recipient == "window":
                return delivery.window_address(c)
            return body.address or c.address or ""
        return case_view(await host.command(lambda: delivery.change(
            case_id, actor, cid, lambda c, x: c.mail(
                body.recipient, body.carrier, body.tracking_number, address(c), x))))

    @api.post("/cases/{case_id}/mailings/{tracking_number}/delivered", tags=["business site"],
              summary="妥投: the carrier's proof of delivery to the applicant")
    async def delivered(case_id: UUID, tracking_number: TrackingNumber, body: Delivered,
                        actor: Mailroom, cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: delivery.change(
            case_id, actor, cid, lambda c, x: c.record_delivered(
                tracking_number, body.signed_by, x))))

    @api.post("/cases/{case_id}/mailings/{tracking_number}/returned", tags=["business site"],
              summary="退件: the parcel came back; the result may be mailed again")
    async def returned(case_id: UUID, tracking_number: TrackingNumber, body: Returned,
                       actor: Mailroom, cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: delivery.change(
            case_id, actor, cid, lambda c, x: c.record_returned(tracking_number, body.reason, x))))

    @api.post("/cases/{case_id}/arrival", tags=["window"],
              summary="结果到达窗口: the window signs for the result parcel")
    async def arrival(case_id: UUID, body: Arrival, actor: Clerk,
                      cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: delivery.change(
            case_id, actor, cid, lambda c, x: c.record_arrival(
                body.tracking_number, body.intact, body.note, x))))

    @api.post("/cases/{case_id}/pickup", tags=["window"],
              summary="领取: after an identity check, once")
    async def pickup(case_id: UUID, body: Pickup, actor: Clerk,
                     cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: delivery.change(
            case_id, actor, cid, lambda c, x: c.hand_over(body.id_number, body.identity_method, x))))

    @api.post("/cases/{case_id}/form-explained", tags=["window"],
              summary="告知结果形式: a result without licence or document")
    async def form_explained(case_id: UUID, body: FormExplained, actor: Clerk,
                             cid: CorrelationId) -> dict[str, Any]:
        return case_view(await host.command(lambda: delivery.change(
            case_id, actor, cid, lambda c, x: c.explain_form(body.form, body.lookup_at, x))))

    @api.get("/cases/{case_id}/receipt", tags=["delivery"], response_class=HTMLResponse,
             summary="送达回证: printable, for a paper delivery",
             dependencies=[allowed("window", "delivery")])
    async def receipt(case_id: UUID) -> HTMLResponse:
        case = await host.query(lambda: delivery.get(case_id))
        return HTMLResponse(delivery_receipt(case, delivery.directory))

    @api.get("/window/awaiting-pickup", tags=["window"],
             summary="结果待领取: results signed for at this window, longest waiting first",
             dependencies=[allowed("window")])
    async def awaiting_pickup(page: PageQuery) -> list[dict[str, Any]]:
        return await host.query(lambda: delivery.listed("pickup_since", page.limit, page.offset))

    @api.get("/window/awaiting-arrival", tags=["window"],
             summary="待签收: results mailed to this window, not signed for yet, longest first",
             dependencies=[allowed("window")])
    async def awaiting_arrival(page: PageQuery) -> list[dict[str, Any]]:
        return await host.query(
            lambda: delivery.listed("arrival_since", page.limit, page.offset))

    @api.get("/dispatch", tags=["business site"],
             summary="待寄出: paper results to send, longest waiting first",
             dependencies=[allowed("delivery")])
    async def to_dispatch(page: PageQuery) -> list[dict[str, Any]]:
        return await host.query(
            lambda: delivery.listed("dispatch_since", page.limit, page.offset))

    @api.post("/ratings", tags=["evaluation"], status_code=201, responses=REFUSED_429,
              summary="好差评: the applicant rates a visit or the matter, with the query code",
              dependencies=[applicant_route])
    async def rate(body: Rating, request: Request, cid: CorrelationId) -> list[dict[str, Any]]:
        made: list[ServiceRated] = []

        def command(c: Any, x: Any) -> None:
            if body.scope == "visit":
                assert body.visit_day is not None
                made.extend(c.rate_visit(body.id_number, body.visit_day, body.window_level,
                                         body.comment, delivery.units(c), calendar, rules, x))
            else:
                made.extend(c.rate_matter(body.id_number, body.window_level,
                                          body.department_level, body.comment,
                                          delivery.units(c), calendar, rules, x))
        case = await delivery.rate(body.case_number, body.id_number, body.query_code,
                                   client_address(request), command, cid)
        return [rating_view(r, case) for r in made]

    @api.get("/ratings", tags=["evaluation"],
             summary="ratings of this site's units: the summary of all, a page of rated cases",
             dependencies=[allowed("supervisor", "head")])
    async def ratings(page: PageQuery) -> dict[str, Any]:
        def listed() -> dict[str, Any]:
            return {"summary": ratings_summary(delivery.ratings_by_level()),
                    "ratings": delivery.rated(page.limit, page.offset)}
        return await host.query(listed)

    @api.get("/reviews", tags=["evaluation"],
             summary="差评处理: open follow-ups, a page of cases, the longest open first")
    async def reviews(actor: Reviewing, page: PageQuery) -> list[dict[str, Any]]:
        return await host.query(lambda: delivery.reviewed(actor, page.limit, page.offset))

    @api.get("/cases/{case_id}/reviews/{rating_id}", tags=["evaluation"],
             summary="a bad rating's follow-up; the evaluator only for its owner and supervisors")
    async def read_review(case_id: UUID, rating_id: UUID, actor: Reviewing) -> dict[str, Any]:
        case = await host.query(lambda: delivery.get(case_id))
        return review_view(case, rating_id, actor)

    async def review_step(case_id: UUID, rating_id: UUID, actor: Any, cid: UUID,
                          command: Any) -> dict[str, Any]:
        case = await host.command(lambda: delivery.change(case_id, actor, cid, command))
        return review_view(case, rating_id, actor)

    @api.post("/cases/{case_id}/reviews/{rating_id}/callback", tags=["evaluation"],
              summary="回访核实")
    async def callback(case_id: UUID, rating_id: UUID, body: Callback, actor: Reviewing,
                       cid: CorrelationId) -> dict[str, Any]:
        return await review_step(case_id, rating_id, actor, cid, lambda c, x: c.call_back(
            rating_id, body.reached, body.verified, body.notes, x))

    @api.post("/cases/{case_id}/reviews/{rating_id}/resolution", tags=["evaluation"],
              summary="立行立改 / 整改台账 / 解释说明")
    async def resolution(case_id: UUID, rating_id: UUID, body: Resolve, actor: Reviewing,
                         cid: CorrelationId) -> dict[str, Any]:
        return await review_step(case_id, rating_id, actor, cid, lambda c, x: c.resolve(
            rating_id, body.resolution, body.detail, calendar, rules.fix_days, x))

    @api.post("/cases/{case_id}/reviews/{rating_id}/rectified", tags=["evaluation"],
              summary="整改完成")
    async def rectified(case_id: UUID, rating_id: UUID, body: Detail, actor: Reviewing,
                        cid: CorrelationId) -> dict[str, Any]:
        return await review_step(case_id, rating_id, actor, cid, lambda c, x:
                                 c.complete_rectification(rating_id, body.detail, x))

    @api.post("/cases/{case_id}/reviews/{rating_id}/appeal", tags=["evaluation"],
              summary="申诉: the rating is wrong or malicious")
    async def appeal(case_id: UUID, rating_id: UUID, body: Appeal, actor: Reviewing,
                     cid: CorrelationId) -> dict[str, Any]:
        return await review_step(case_id, rating_id, actor, cid, lambda c, x: c.appeal(
            rating_id, body.reason, calendar, rules.fix_days, x))

    @api.post("/cases/{case_id}/reviews/{rating_id}/appeal-decision", tags=["evaluation"],
              summary="申诉复核: by a supervisor")
    async def appeal_decision(case_id: UUID, rating_id: UUID, body: AppealDecision,
                              actor: Supervisor, cid: CorrelationId) -> dict[str, Any]:
        return await review_step(case_id, rating_id, actor, cid, lambda c, x: c.decide_appeal(
            rating_id, body.upheld, body.opinion, x))
