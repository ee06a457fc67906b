"""The exchange at Yantai (the receiving site): N cases of 王强's licence change, each with a
licence scan, routed when accepted (CaseAccepted through the exchange's own consumer: a
parcel of originals to Qingdao, the scan held), the parcel dispatched by the registry, signed
for and the case approved at Qingdao (through the gateway), completed at the window a month
ago (its files kept for the retention period). 20 more accepted over the last ten days: their
parcels dispatched and not signed for, no decision yet. Then the open parcels, the
supervision list, the supervision sweep and the file retention job.

The exchange's own CaseRouted is not fed back through its consumer: carrying it copies the
case's files to the other party over NATS."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from bench.history.feeding import Batch, event, fill_history
from bench.history.measure import client, job, listed, timed
from contracts.base import Actor
from contracts.intake import CaseAccepted
from services.routing.main import build
from services.runtime.host import ServiceHost
from services.runtime.workdays import china_date
from tests.support.clock import FakeClock

SERVICE, SITE, TITLE = "routing", "370671", "routing at 370671"
QINGDAO = "370202"
REGISTRY = Actor(staff_id="370671-R01", role="registry")
__all__ = ["build", "costs", "fill"]


def fill(host: ServiceHost, clock: FakeClock, finished: int) -> None:
    def closed(batch: Batch, n: int) -> None:
        finish(batch, *dispatched(batch, n))

    fill_history(host, clock, finished, closed, dispatched)  # open: late parcels and decisions



def dispatched(batch: Batch, n: int) -> tuple[UUID, str]:
    """Accepted at the window now, routed, its parcel of originals sent to Qingdao."""
    at = batch.host.clock()
    golden = _accepted(event("intake.case_accepted.v1", uuid4(), at))
    scan = golden.files[0].model_copy(update={"sha256": uuid4().hex + uuid4().hex})
    accepted = golden.model_copy(update={
        "case_number": f"{SITE}{china_date(at):%Y%m%d}{n:07d}", "files": [scan],
        "promised_date": china_date(at) + timedelta(days=5)})
    batch.own("routing-exchange", accepted)
    case = batch.case(accepted.case_id)
    [manifest] = case.manifests
    case.dispatch(manifest, "中国邮政EMS", f"11{n:011d}", batch.ctx(REGISTRY))
    return accepted.case_id, manifest


def finish(batch: Batch, case_id: UUID, manifest: str) -> None:
    """Qingdao signs for the parcel and approves; the window completes the case."""
    at, number = batch.host.clock(), batch.case(case_id).case_number
    batch.inbound("routing-gateway", event(
        "routing.parcel_received.v1", case_id, at, case_number=number, manifest_number=manifest,
        complete=True, discrepancies=[]))
    batch.inbound("routing-gateway", event("approval.case_approved.v1", case_id, at,
                                           case_number=number))
    batch.own("routing-exchange", event("intake.case_completed.v1", case_id, at,
                                        case_number=number))


def _accepted(golden: Any) -> CaseAccepted:
    assert isinstance(golden, CaseAccepted)
    return golden


async def costs(host: ServiceHost, clock: FakeClock, runs: int) -> dict[str, Any]:
    sweep = job(host, "routing-supervision")
    await sweep()  # the open cases' late parcels and decisions: the timed sweeps find no more
    async with client(host) as http:
        return {
            "parcels": await timed(runs, listed(http, "/parcels")),
            "supervision": await timed(runs, listed(http, "/supervision")),
            "sweep": await timed(max(5, runs // 5), sweep),
            "file retention": await timed(max(5, runs // 5),
                                          job(host, "routing-file-retention")),
        }
