"""What a request or a job costs as years of cases pile up: each service built by its own
`build()` on a real store, filled with N finished cases through the real domain code, then each
request timed over HTTP (in process, through the ASGI app) and each job called as its scheduler
calls it. The figure to watch is the ratio of each cost at the largest N to its cost at N = 0.

The bulk loader runs the domain's own commands (the window: open, materials, identity check,
accept, complete) and stores them through the service's store, 500 cases per transaction, so
the read tables are filled exactly as in service.

    python -m bench.history --sizes 0,10000,100000 [--store postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx

from contracts.base import Actor
from contracts.identity import Person
from services.intake.application import Intake
from services.intake.domain.case import WindowCase
from services.intake.domain.inputs import HandedOver
from services.intake.main import build as build_intake
from services.runtime.aggregate import Context
from services.runtime.host import ServiceHost
from services.runtime.settings import for_service
from tests.support.clock import FakeClock

SITE, MATTER = "370671", "370202GT0001"
CLERK = Actor(staff_id="370671-W01", role="window")
HEADERS = {"X-Staff-Id": CLERK.staff_id, "X-Staff-Role": CLERK.role}
WANG = Person(name="王强", id_number="370602198803141233", phone="13805351234")
BATCH = 500


def fill_window(host: ServiceHost, intake: Intake, count: int) -> list[str]:
    """`count` cases of 王强's licence change taken in, accepted and completed at the Yantai
    window; returns their numbers."""
    matter = intake.matter(MATTER)
    every = [HandedOver(material_code=m.code) for m in matter.materials]
    numbers: list[str] = []
    while len(numbers) < count:
        ctx = Context(SITE, CLERK, host.clock(), uuid4())
        year = str(ctx.at.year)
        opened, accepted = intake.sequence(f"case:{year}"), intake.sequence(f"acceptance:{year}")
        cases = []
        for _ in range(min(BATCH, count - len(numbers))):
            case_id = uuid4()
            number = f"{SITE}{ctx.at:%Y%m%d}{opened.allocate(case_id, ctx):07d}"
            case = WindowCase.open(case_id, number, matter, WANG, "online", ctx)
            case.submit(every, matter, ctx)
            case.verify_identity("applicant", "id_card_reader", ctx)
            case.accept(matter, intake.calendar,
                        f"{SITE}受〔{year}〕{accepted.allocate(case_id, ctx):05d}号", ctx)
            case.complete("370202", ctx)
            cases.append(case)
            numbers.append(number)
        host.store.record(*cases, opened, accepted)
    return numbers


async def timed(runs: int, call: Callable[[], Awaitable[Any]]) -> dict[str, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50": round(statistics.median(times), 2),
            "p99": round(times[min(len(times) - 1, int(len(times) * 0.99))], 2)}


async def window_costs(host: ServiceHost, runs: int) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=host.api)
    async with httpx.AsyncClient(transport=transport, base_url="http://intake") as http:
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
            taken.append(case["case_number"])

        accept_ms: list[float] = []
        taken: list[str] = []
        for _ in range(runs):
            await accept()
        accept_ms.sort()
        sample = taken[0]  # found among all the history, like any other

        async def progress() -> None:
            response = await http.get("/progress", params={"case_number": sample,
                                                           "id_number": WANG.id_number})
            assert response.status_code == 200, response.text

        watch = next(job for _, name, job in host.periodic if name == "intake-promise-watch")
        return {
            "accept": {"p50": round(statistics.median(accept_ms), 2),
                       "p99": round(accept_ms[min(runs - 1, int(runs * 0.99))], 2)},
            "progress query": await timed(runs, progress),
            "promise watch": await timed(max(5, runs // 5), lambda: host.command(watch)),
        }


def store_settings(kind: str, data_dir: Path, postgres: dict[str, Any]) -> dict[str, Any]:
    return {"store": kind, "data_dir": data_dir, **(postgres if kind == "postgres" else {})}


async def measure(sizes: list[int], runs: int, kind: str, postgres: dict[str, Any]
                  ) -> list[dict[str, Any]]:
    rows = []
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            settings = for_service("intake", site=SITE,
                                   **store_settings(kind, Path(tmp), postgres))
            host = build_intake(settings, FakeClock())
            intake = Intake(host, host.directory, host_calendar(host))
            started = time.perf_counter()
            fill_window(host, intake, size)
            filled = time.perf_counter() - started
            costs = await window_costs(host, runs)
            host.store.close()
        rows.append({"cases": size, "fill_seconds": round(filled, 1), **costs})
        print(f"  {size:>7,} cases filled in {filled:.0f} s", flush=True)
    return rows


def host_calendar(host: ServiceHost) -> Any:
    from services.runtime.workdays import calendar_for
    return calendar_for(host.settings)


def table(rows: list[dict[str, Any]]) -> None:
    names = [k for k in rows[0] if isinstance(rows[0][k], dict)]
    print("cases in history | " + " | ".join(f"{n} p50 / p99 ms" for n in names))
    for row in rows:
        print(f"{row['cases']:>16,} | " + " | ".join(
            f"{row[n]['p50']} / {row[n]['p99']}" for n in names))
    first, last = rows[0], rows[-1]
    print(f"{'ratio':>16} | " + " | ".join(
        f"×{last[n]['p50'] / first[n]['p50']:.2f} / ×{last[n]['p99'] / first[n]['p99']:.2f}"
        for n in names))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="0,10000,100000")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    postgres: dict[str, Any] = {}
    cluster = None
    if args.store == "postgres":
        from tests.support.postgres import PostgresCluster
        cluster = PostgresCluster().start()
        postgres = {"postgres_port": cluster.port, "postgres_user": cluster.user,
                    "postgres_dbname": cluster.create_database(f"bench_{uuid4().hex[:8]}")}
    try:
        rows = asyncio.run(measure([int(s) for s in args.sizes.split(",")], args.runs,
                                   args.store, postgres))
    finally:
        if cluster is not None:
            cluster.stop()
    print(f"the window (intake) on {args.store}:")
    table(rows)
    if args.out:
        (args.out / f"history-{args.store}.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
