"""The business site's approval at Qingdao: N cases of 王强's licence change admitted by the
exchange (CaseAdmitted through the service's own consumer), claimed and approved by the
approver a month ago; 20 more admitted over the last ten days and still waiting. Then the
queue, the inbox, the SLA counts and the legal clock's tick."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from bench.history.feeding import Batch, event, fill_history
from bench.history.measure import client, job, listed, timed
from contracts.base import Actor
from services.approval.main import build
from services.runtime.host import ServiceHost
from services.runtime.workdays import china_date
from tests.support.clock import FakeClock

SERVICE, SITE, TITLE = "approval", "370202", "approval at 370202"
APPROVER = Actor(staff_id="370202-A07", role="approver")
__all__ = ["build", "costs", "fill"]


def fill(host: ServiceHost, clock: FakeClock, finished: int) -> None:
    def decided(batch: Batch, n: int) -> None:
        case = batch.case(admit(batch, n))
        ctx = batch.ctx(APPROVER)
        case.claim(ctx)
        case.approve("licence", f"3702026{case.received.case_number[-8:]}", None,
                     "材料齐全，准予变更", ctx)

    fill_history(host, clock, finished, decided, admit)  # open: some overdue, some due soon



def admit(batch: Batch, n: int) -> UUID:
    """The exchange admitted the case accepted at Yantai today."""
    at = batch.host.clock()
    admitted = event("routing.case_admitted.v1", uuid4(), at,
                     case_number=f"370671{china_date(at):%Y%m%d}{n:07d}",
                     accepted_on=china_date(at))
    batch.own("approval-on-routing", admitted)
    return admitted.case_id


async def costs(host: ServiceHost, clock: FakeClock, runs: int) -> dict[str, Any]:
    tick = job(host, "approval-clock")
    await tick()  # the open cases' warnings: the timed ticks find nothing more due
    async with client(host) as http:
        return {
            "queue": await timed(runs, listed(http, "/queue")),
            "inbox": await timed(runs, listed(http, "/inbox")),
            "sla": await timed(runs, listed(http, "/sla")),
            "approval clock": await timed(max(5, runs // 5), tick),
        }
