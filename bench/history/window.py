"""The window (intake) at Yantai: N cases of 王强's licence change taken in, accepted and
completed through the domain's own commands (open, materials, identity check, accept,
complete), with the site's numbers allocated from its yearly sequences; then acceptance, the
progress query and the promise watch."""

from __future__ import annotations

import time
from typing import Any
from uuid import uuid4

from bench.history.feeding import BATCH
from bench.history.measure import client, job, percentiles, timed
from contracts.base import Actor
from contracts.identity import Person
from services.intake.application import Intake
from services.intake.domain.case import WindowCase
from services.intake.domain.inputs import HandedOver
from services.intake.main import build
from services.runtime.aggregate import Context
from services.runtime.host import ServiceHost
from services.runtime.workdays import calendar_for
from tests.support.applicant import receipt_query_code
from tests.support.clock import FakeClock
from tests.support.staff import staff

SERVICE, SITE, TITLE = "intake", "370671", "the window (intake) at 370671"
MATTER = "370202GT0001"
CLERK = Actor(staff_id="370671-W01", role="window")
HEADERS = staff(CLERK.staff_id, CLERK.role)
WANG = Person(name="王强", id_number="370602198803141233", phone="13805351234")
__all__ = ["build", "costs", "fill"]


def fill(host: ServiceHost, clock: FakeClock, count: int) -> None:
    """`count` cases of 王强's licence change taken in, accepted and completed."""
    intake = Intake(host, host.directory, calendar_for(host.settings))
    matter = intake.matter(MATTER)
    every = [HandedOver(material_code=m.code) for m in matter.materials]
    done = 0
    while done < count:
        ctx = Context(SITE, CLERK, host.clock(), uuid4())
        year = str(ctx.at.year)
        opened, accepted = intake.sequence(f"case:{year}"), intake.sequence(f"acceptance:{year}")
        cases = []
        for _ in range(min(BATCH, count - done)):
            case_id = uuid4()
            number = f"{SITE}{ctx.at:%Y%m%d}{opened.allocate(case_id, ctx):07d}"
            case = WindowCase.open(case_id, number, matter, WANG, "online", ctx)
            case.submit(every, matter, ctx)
            case.verify_identity("applicant", "id_card_reader", ctx)
            case.accept(matter, intake.calendar,
                        f"{SITE}受〔{year}〕{accepted.allocate(case_id, ctx):05d}号", ctx)
            case.complete("370202", ctx)
            cases.append(case)
            done += 1
        host.store.record(*cases, opened, accepted)


async def costs(host: ServiceHost, clock: FakeClock, runs: int) -> dict[str, Any]:
    async with client(host) as http:
        async def accept() -> None:
            case = (await http.post("/cases", headers=HEADERS, json={
                "matter_code": MATTER, "applicant": WANG.model_dump()})).json()
            items = [{"material_code": m["material_code"], "pages": 2}
                     for m in case["materials"] if m["state"] != "not_required"]
            await http.post(f"/cases/{case['case_id']}/materials", headers=HEADERS,
                            json={"items": items})
            await http.post(f"/cases/{case['case_id']}/identity", headers=HEADERS,
                            json={"subject": "applicant"})
            started = time.perf_counter()
            response = await http.post(f"/cases/{case['case_id']}/accept", headers=HEADERS)
            accept_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
            taken.append((case["case_number"], case["case_id"]))

        accept_ms: list[float] = []
        taken: list[tuple[str, str]] = []
        for _ in range(runs):
            await accept()
        sample, sample_id = taken[0]  # found among all the history, like any other
        query_code = await receipt_query_code(http, sample_id)  # as 王强 reads it

        async def progress() -> None:
            response = await http.get("/progress", params={
                "case_number": sample, "id_number": WANG.id_number, "query_code": query_code})
            assert response.status_code == 200, response.text

        return {
            "accept": percentiles(accept_ms),
            "progress query": await timed(runs, progress),
            "promise watch": await timed(max(5, runs // 5), job(host, "intake-promise-watch")),
        }
