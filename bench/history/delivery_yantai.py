"""Delivery at the Yantai window (the receiving site): N cases of 王强's licence change opened
and accepted at the window a month ago (through delivery's own consumer), the licence issued
and mailed by Qingdao (admitted from there), signed for at the window, handed to 王强, the case
completed, and 王强's rating of the visit (非常满意). 20 more whose licence arrived over the last
ten days and waits for him, and one newly opened case per timed rating. Then the list awaiting
pickup, a rating (found by case number among all of them), the ratings list with its summary,
and the watch job."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from bench.history.feeding import Batch, event, fill_history
from bench.history.measure import client, job, listed, timed
from bench.history.window import WANG
from contracts.base import Actor
from services.delivery.application import ResultDelivery
from services.delivery.main import build
from services.runtime.host import ServiceHost
from services.runtime.workdays import calendar_for, china_date
from tests.support.applicant import query_code_of
from tests.support.clock import FakeClock

SERVICE, SITE, TITLE = "delivery", "370671", "delivery at 370671 (window)"
QINGDAO, MATTER = "370202", "370202GT0001"
CLERK = Actor(staff_id="370671-W03", role="window")
APPLICANT = Actor(staff_id="applicant", role="applicant")
__all__ = ["build", "costs", "fill"]


def fill(host: ServiceHost, clock: FakeClock, finished: int) -> None:
    delivery = ResultDelivery(host, host.directory, calendar_for(host.settings))

    def rated(batch: Batch, n: int) -> None:
        case = batch.case(arrived(batch, n))
        case.hand_over(WANG.id_number, "身份证读卡器", batch.ctx(CLERK))
        batch.own("delivery-on-site-event", event(
            "intake.case_completed.v1", case.id, clock.now,
            case_number=case.case_number, delivery_channel="pickup_at_window"))
        case.rate_visit(WANG.id_number, china_date(clock.now), 1, "办事很快",
                        delivery.units(case), delivery.calendar, delivery.rules,
                        batch.ctx(APPLICANT))

    fill_history(host, clock, finished, rated, arrived)


def opened(batch: Batch, n: int) -> UUID:
    """Opened and accepted at this window now."""
    at, case_id = batch.host.clock(), uuid4()
    common = {"case_number": f"{SITE}{china_date(at):%Y%m%d}{n:07d}",
              "delivery_channel": "pickup_at_window", "matter_code": MATTER,
              "matter_name": "个体工商户变更登记", "applicant": WANG,
              "handling_mode": "remote_proxy"}
    batch.own("delivery-on-site-event", event("intake.case_opened.v1", case_id, at, **common))
    batch.own("delivery-on-site-event", event("intake.case_accepted.v1", case_id, at, **common))
    return case_id


def arrived(batch: Batch, n: int) -> UUID:
    """Opened here, the licence issued and mailed by Qingdao, signed for at the window now."""
    case_id = opened(batch, n)
    at, number, tracking = batch.host.clock(), batch.case(case_id).case_number, f"11{n:011d}"
    batch.admitted("delivery-on-admitted", event("delivery.result_issued.v1", case_id, at,
                                                 case_number=number))
    batch.admitted("delivery-on-admitted", event("delivery.result_mailed.v1", case_id, at,
                                                 case_number=number,
                                                 tracking_number=tracking))
    batch.case(case_id).record_arrival(tracking, True, "", batch.ctx(CLERK))
    return case_id


async def costs(host: ServiceHost, clock: FakeClock, runs: int) -> dict[str, Any]:
    first = 10_000_000  # numbers beyond the history's
    with Batch(host) as batch:
        fresh = [(batch.case(case_id).case_number, query_code_of(host, case_id))
                 for case_id in (opened(batch, first + n) for n in range(runs))]
    watch = job(host, "delivery-watch")
    await watch()  # the reminders due for the open cases: the timed rounds find no more
    async with client(host) as http:
        def rate() -> Any:
            number, query_code = fresh.pop()  # the code on the case's receipt
            return listed(http, "/ratings", method="POST", status=201, json={
                "case_number": number, "id_number": WANG.id_number, "query_code": query_code,
                "scope": "visit",
                "visit_day": date.isoformat(china_date(clock.now)), "window_level": 1})()
        return {
            "awaiting pickup": await timed(runs, listed(http, "/window/awaiting-pickup")),
            "rating": await timed(runs, rate),
            "ratings": await timed(runs, listed(http, "/ratings")),
            "watch": await timed(max(5, runs // 5), watch),
        }
