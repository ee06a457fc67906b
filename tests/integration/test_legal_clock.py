"""The approval scheduler on a real nats-server: the deadline warning and the overdue notice are
raised once each, also when the approval service restarts between the two."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from contracts.approval import CaseOverdue, DeadlineApproaching
from services.runtime.nats_server import LocalNatsServer
from services.runtime.settings import for_service
from services.runtime.store import CaseStore
from tests.support.clock import FakeClock, FileClock
from tests.support.processes import serve
from tests.support.stack import (
    APPROVER,
    GT_CHANGE,
    WANG_QIANG,
    WINDOW_CLERK,
    Stack,
    eventually,
    settings_factory,
    take_in_and_accept,
)
from tests.support.staff import on_duty

A, B = "370671", "370202"


async def test_warning_and_overdue_fire_once_each_across_a_restart(
    nats_server: LocalNatsServer, store_overrides: dict[str, Any], clock: FakeClock,
) -> None:
    settings_for = settings_factory(nats_server, store_overrides)
    stack = Stack(settings_for)
    await stack.start([A], ["intake", "routing", "ledger"], clock)
    await stack.start([B], ["routing", "approval"], clock)
    try:
        async with stack.client(A, "intake") as intake, stack.client(B, "approval") as approval:
            case_id = await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG)

            async def queued() -> list[dict[str, Any]] | None:
                rows = (await approval.get("/queue")).json()
                return rows or None

            [row] = await eventually(queued)
            assert (row["due_date"], row["working_days_left"]) == ("2026-12-01", 3)
            await approval.post(f"/cases/{case_id}/claim", headers=APPROVER)

        def job(host: Any) -> Any:
            return next(j for _, name, j in host.periodic if name == "approval-clock")

        first = stack.host(B, "approval")
        clock.now = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # two working days left
        assert await first.command(job(first)) == 1
        await first.stop()
        stack.hosts.pop(f"{B}/approval")
        await stack.start([B], ["approval"], clock)
        second = stack.host(B, "approval")
        clock.now = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # the day after the due date
        assert await second.command(job(second)) == 1
        assert await second.command(job(second)) == 0
        events = list(second.store.events.get(UUID(case_id)))
        assert sum(isinstance(e, DeadlineApproaching) for e in events) == 1
        assert sum(isinstance(e, CaseOverdue) for e in events) == 1

        async with stack.client(A, "ledger") as ledger:
            async def known_in_yantai() -> bool:
                body = (await ledger.get(f"/cases/{case_id}/timeline")).json()
                return "case_overdue" in [e["event"] for e in body.get("timeline", [])]
            await eventually(known_in_yantai)
    finally:
        await stack.stop()


async def test_warning_and_overdue_fire_once_each_when_the_approval_process_is_killed_between(
    nats_server: LocalNatsServer, store_overrides: dict[str, Any], tmp_path: Path,
) -> None:
    clock = FileClock(tmp_path / "now")  # read by the approval process and the stack alike
    stack = Stack(settings_factory(nats_server, store_overrides), clock)
    await stack.start([A], ["intake", "routing"])
    await stack.start([B], ["routing"])
    process, url = await asyncio.to_thread(serve, "approval", B, nats_server.url,
                                           store_overrides, clock)
    try:
        async with stack.client(A, "intake") as intake:
            case_id = await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG)
        async with httpx.AsyncClient(base_url=url, headers=on_duty(B)) as approval:
            async def received() -> bool:
                return (await approval.get(f"/cases/{case_id}")).status_code == 200
            await eventually(received)
            await approval.post(f"/cases/{case_id}/claim", headers=APPROVER)
            clock.set(datetime(2026, 11, 27, 2, 0, tzinfo=UTC))  # two working days left
            await eventually(lambda: _flag(approval, case_id, "deadline_approaching"))
        process.send_signal(signal.SIGKILL)
        process.wait()
        clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))  # the day after the due date
        process, url = await asyncio.to_thread(serve, "approval", B, nats_server.url,
                                               store_overrides, clock)
        async with httpx.AsyncClient(base_url=url, headers=on_duty(B)) as approval:
            await eventually(lambda: _flag(approval, case_id, "overdue"))
            await asyncio.sleep(1.0)  # several more ticks of the scheduler
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
        await stack.stop()
    store = CaseStore("approval", for_service("approval", site=B, **store_overrides))
    names = [e.name for e in store.events.get(UUID(case_id))]
    store.close()
    assert names.count("deadline_approaching") == names.count("case_overdue") == 1


async def _flag(approval: httpx.AsyncClient, case_id: str, flag: str) -> bool:
    return bool((await approval.get(f"/cases/{case_id}")).json()[flag])


async def test_a_supplement_asked_in_qingdao_is_taken_in_at_the_yantai_window_and_resumes_the_clock(
    nats_server: LocalNatsServer, store_overrides: dict[str, Any], clock: FakeClock,
) -> None:
    stack = Stack(settings_factory(nats_server, store_overrides))
    await stack.start([A], ["intake", "routing"], clock)
    await stack.start([B], ["routing", "approval"], clock)
    try:
        async with stack.client(A, "intake") as intake, stack.client(B, "approval") as approval:
            case_id = await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG)

            async def received() -> bool:
                return (await approval.get(f"/cases/{case_id}")).status_code == 200

            await eventually(received)
            await approval.post(f"/cases/{case_id}/claim", headers=APPROVER)
            clock.now = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
            asked = await approval.post(f"/cases/{case_id}/supplement-requests", headers=APPROVER,
                                        json={"items": ["新经营场所租赁合同需加盖出租方公章"]})
            assert asked.json()["paused"] is True

            async def told_at_the_window() -> bool:
                step = (await intake.get(f"/cases/{case_id}")).json()["next_step"]
                return "租赁合同需加盖出租方公章" in step

            await eventually(told_at_the_window)
            clock.now = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # three working days later
            brought = await intake.post(f"/cases/{case_id}/business-supplements",
                                        headers=WINDOW_CLERK,
                                        json={"items": [{"material_code": "M04", "pages": 3}]})
            assert brought.status_code == 200, brought.text

            async def resumed() -> dict[str, Any] | None:
                body = (await approval.get(f"/cases/{case_id}")).json()
                return body if not body["paused"] else None

            body = await eventually(resumed)
            assert body["due_date"] == "2026-12-04"  # 1 December + the 3 working days paused
            extended = await approval.post(f"/cases/{case_id}/extensions", headers=APPROVER, json={
                "extra_days": 5, "reason": "需补充消防意见", "approved_by": "370202-H01"})
            assert extended.json()["due_date"] == "2026-12-11"

            async def applicant_told() -> bool:
                step = (await intake.get(f"/cases/{case_id}")).json()["next_step"]
                return "延长5个工作日" in step and "2026-12-11" in step

            await eventually(applicant_told)
    finally:
        await stack.stop()
