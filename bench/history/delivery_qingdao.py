"""Delivery at Qingdao (the business site): N cases of 王强's licence change received and
approved by its approval service a month ago (through delivery's own consumer, which issues the
paper licence), mailed to the Yantai window by the mailroom, then signed for, handed to 王强
and completed at Yantai (admitted from there). 20 more approved over the last ten days and not
sent yet. Then the list of results to dispatch."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from bench.history.feeding import Batch, event, fill_history
from bench.history.measure import client, listed, timed
from bench.history.window import WANG
from contracts.base import Actor
from services.delivery.main import build
from services.runtime.host import ServiceHost
from services.runtime.workdays import china_date
from tests.support.clock import FakeClock

SERVICE, SITE, TITLE = "delivery", "370202", "delivery at 370202 (business site)"
YANTAI, MATTER = "370671", "370202GT0001"
MAILROOM = Actor(staff_id="370202-D02", role="delivery")
WINDOW = "山东省烟台市高新区航天路101号 烟台高新区政务服务中心跨域通办窗口"
__all__ = ["build", "costs", "fill"]


def fill(host: ServiceHost, clock: FakeClock, finished: int) -> None:
    def picked_up(batch: Batch, n: int) -> None:
        case_id = approved(batch, n)
        batch.case(case_id).mail("window", "中国邮政EMS", f"11{n:011d}", WINDOW,
                                 batch.ctx(MAILROOM))
        collected(batch, case_id, f"11{n:011d}")

    fill_history(host, clock, finished, picked_up, approved)



def approved(batch: Batch, n: int) -> UUID:
    """Received and approved here now, for pickup at the Yantai window: the licence issued."""
    at, case_id = batch.host.clock(), uuid4()
    common = {"case_number": f"{YANTAI}{china_date(at):%Y%m%d}{n:07d}", "acting_site": SITE,
              "delivery_channel": "pickup_at_window"}
    batch.own("delivery-on-site-event", event(
        "approval.case_received.v1", case_id, at, **common, matter_code=MATTER,
        matter_name="个体工商户变更登记", department="青岛市市南区市场监督管理局",
        joint_role=None, applicant=WANG))
    batch.own("delivery-on-site-event", event("approval.case_approved.v1", case_id, at,
                                              **common))
    return case_id


def collected(batch: Batch, case_id: UUID, tracking_number: str) -> None:
    """Yantai signed for the licence, handed it to 王强 and completed the case."""
    at, number = batch.host.clock(), batch.case(case_id).case_number
    for type_key, changes in (
            ("delivery.result_arrived_at_window.v1", {"tracking_number": tracking_number}),
            ("delivery.result_handed_to_applicant.v1", {}),
            ("intake.case_completed.v1", {"delivery_channel": "pickup_at_window"})):
        batch.admitted("delivery-on-admitted", event(type_key, case_id, at, case_number=number,
                                                     **changes))


async def costs(host: ServiceHost, clock: FakeClock, runs: int) -> dict[str, Any]:
    async with client(host) as http:
        return {"dispatch": await timed(runs, listed(http, "/dispatch"))}
