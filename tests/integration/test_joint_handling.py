"""多地联办 across three sites on one real nats-server: Yantai coordinates the parts of Yantai,
Haidian and Shinan; all approve, one denies, one stays silent, and the coordinator is killed
in the middle and resumes."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest

from contracts.routing import JointPartReported
from contracts.subjects import admitted_stream, inbox_stream, own_stream
from services.intake.domain.case import WindowCase
from services.routing.domain import RoutedCase
from services.runtime.nats_server import LocalNatsServer
from services.runtime.settings import for_service
from services.runtime.store import CaseStore
from tests.support.clock import FakeClock
from tests.support.processes import serve
from tests.support.stack import Stack, eventually, settings_factory, take_in_and_accept
from tests.support.staff import on_duty, staff

A, B, D, C = "370671", "370202", "110108", "230102"
FAMILY_MOVE = "370671GA0002"  # 户口迁移（家庭成员两地合并迁入）: parts at A, D and B
LIU_YANG = {"name": "刘洋", "id_number": "110108198501010011", "phone": "13701011234"}


def approver(site: str) -> dict[str, str]:
    return staff(f"{site}-A01", "approver")


@pytest.fixture
async def sites(nats_server: LocalNatsServer, store_overrides: dict[str, Any], clock: FakeClock
                ) -> AsyncIterator[Stack]:
    stack = Stack(settings_factory(nats_server, store_overrides))
    await stack.start([A], ["intake", "routing", "approval", "ledger"], clock)
    await stack.start([B, D], ["routing", "approval"], clock)
    await stack.start([C], ["routing"], clock)
    yield stack
    await stack.stop()


async def decide(stack: Stack, site: str, case_id: str, approved: bool, reason: str) -> None:
    async with stack.client(site, "approval") as approval:
        async def received() -> bool:
            return (await approval.get(f"/cases/{case_id}")).status_code == 200
        await eventually(received)
        await approval.post(f"/cases/{case_id}/claim", headers=approver(site))
        response = await approval.post(f"/cases/{case_id}/decide-part", headers=approver(site),
                                       json={"approved": approved, "reason": reason})
        assert response.status_code == 200, response.text


async def joint_of(routing: httpx.AsyncClient, case_id: str, outcome: str | None = None
                   ) -> dict[str, Any]:
    async def decided() -> dict[str, Any] | None:
        response = await routing.get(f"/cases/{case_id}")
        joint = response.json().get("joint") if response.status_code == 200 else None
        return joint if joint and (outcome is None or joint["outcome"] == outcome) else None
    return await eventually(decided)


async def told_at_the_window(stack: Stack, case_id: str) -> str:
    """The joint case completed at the Yantai window: its outcome."""
    async with stack.client(A, "intake") as intake:
        async def completed() -> dict[str, Any] | None:
            body = (await intake.get(f"/cases/{case_id}")).json()
            return body if body["status"] == "completed" else None
        await eventually(completed)
    case = stack.host(A, "intake").store.load(WindowCase, UUID(case_id))
    assert case is not None and case.ended is not None
    return str(case.ended.outcome)  # type: ignore[union-attr]


async def open_joint_case(stack: Stack) -> str:
    async with stack.client(A, "intake") as intake:
        return await take_in_and_accept(intake, FAMILY_MOVE, LIU_YANG, "pickup_at_window")


async def test_the_joint_case_is_approved_when_every_part_approves(sites: Stack) -> None:
    case_id = await open_joint_case(sites)
    async with sites.client(A, "routing") as routing:
        await joint_of(routing, case_id)
        session = await routing.post(f"/cases/{case_id}/joint-session", headers=approver(A), json={
            "starts_at": "2026-11-30T14:00:00+08:00", "link": "https://meeting.example.gov.cn/j1"})
        assert session.status_code == 200, session.text
        for site in (A, D, B):
            await decide(sites, site, case_id, True, "准予")
        joint = await joint_of(routing, case_id, "approved")
    assert {p["site"] for p in joint["parts"] if p["approved"]} == {A, B, D}
    assert await told_at_the_window(sites, case_id) == "approved"
    js = sites.host(C, "routing").js
    for stream in (own_stream(C), inbox_stream(C), admitted_stream(C)):
        assert (await js.stream_info(stream)).state.messages == 0, stream


async def test_one_denied_part_denies_the_joint_case_naming_the_part_and_why(
    sites: Stack,
) -> None:
    case_id = await open_joint_case(sites)
    await decide(sites, D, case_id, True, "准予迁出")
    await decide(sites, B, case_id, False, "随迁子女户口簿信息与出生医学证明不一致")
    async with sites.client(A, "routing") as routing:
        joint = await joint_of(routing, case_id, "denied")
    assert (joint["denied_part"], joint["reason"]) == (B, "随迁子女户口簿信息与出生医学证明不一致")
    assert await told_at_the_window(sites, case_id) == "denied"


async def test_a_part_silent_past_the_promised_date_is_supervised(
    sites: Stack, clock: FakeClock,
) -> None:
    case_id = await open_joint_case(sites)
    await decide(sites, A, case_id, True, "准予迁入")
    await decide(sites, D, case_id, True, "准予迁出")
    yantai = sites.host(A, "routing")
    async with sites.client(A, "routing") as routing:
        await eventually(lambda: _reported(yantai, case_id, 2))
        sweep = next(job for _, name, job in yantai.periodic if name == "routing-supervision")
        clock.now = datetime(2026, 12, 31, 2, 0, tzinfo=UTC)
        assert await yantai.command(sweep) == 1
        assert await yantai.command(sweep) == 0
        items = (await routing.get("/supervision")).json()
    assert [(i["leg"], i["responsible_site"]) for i in items] == [("joint_part", B)]
    assert "青岛市公安局市南分局" in items[0]["detail"]


def _reported(host: Any, case_id: str, parts: int) -> bool:
    case = host.store.load(RoutedCase, UUID(case_id))
    return case is not None and len(case.reports) == parts


async def test_killing_the_coordinator_mid_case_resumes_with_no_step_lost_or_repeated(
    nats_server: LocalNatsServer, store_overrides: dict[str, Any],
) -> None:
    stack = Stack(settings_factory(nats_server, store_overrides))
    await stack.start([A], ["intake", "approval"])
    await stack.start([B, D], ["routing", "approval"])
    coordinator, url = await asyncio.to_thread(serve, "routing", A, nats_server.url,
                                               store_overrides, stack.clock)
    try:
        case_id = await open_joint_case(stack)
        async with httpx.AsyncClient(base_url=url, headers=on_duty(A)) as routing:
            await decide(stack, D, case_id, True, "准予迁出")
            await eventually(lambda: _parts_reported(routing, case_id, 1))
            coordinator.send_signal(signal.SIGKILL)
            coordinator.wait()
            await decide(stack, A, case_id, True, "准予迁入")
            await decide(stack, B, case_id, True, "准予迁出")
        coordinator, url = await asyncio.to_thread(serve, "routing", A, nats_server.url,
                                                   store_overrides, stack.clock)
        async with httpx.AsyncClient(base_url=url, headers=on_duty(A)) as routing:
            joint = await joint_of(routing, case_id, "approved")
        assert all(p["approved"] for p in joint["parts"])
    finally:
        coordinator.send_signal(signal.SIGTERM)
        coordinator.wait(timeout=15)
        await stack.stop()
    store = CaseStore("routing", for_service("routing", site=A, **store_overrides))
    reports = [e for e in store.events.get(UUID(case_id))
               if isinstance(e, JointPartReported)]
    store.close()
    assert sorted(r.part_site for r in reports) == sorted([A, B, D])


async def _parts_reported(routing: httpx.AsyncClient, case_id: str, count: int) -> bool:
    response = await routing.get(f"/cases/{case_id}")
    if response.status_code != 200:
        return False
    return sum(p["decided"] for p in response.json()["joint"]["parts"]) >= count


async def test_the_receiving_sites_own_part_gets_its_paper_by_hand_and_signs_for_it(
    sites: Stack,
) -> None:
    case_id = await open_joint_case(sites)
    async with sites.client(A, "routing") as routing:
        joint = await joint_of(routing, case_id)
        assert joint["outcome"] is None
        manifest = f"{(await routing.get(f'/cases/{case_id}')).json()['case_number']}-{A}"
        handed = await routing.post(f"/cases/{case_id}/parcels/{manifest}/hand-over",
                                    headers=approver(A))
        assert handed.status_code == 200, handed.text
        rows = [r for r in (await routing.get(f"/cases/{case_id}/custody")).json()
                if r["manifest_number"] == manifest]
        pages = {r["material_code"]: r["pages"] for r in rows}
        signed = await routing.post(f"/cases/{case_id}/parcels/{manifest}/receive",
                                    headers=approver(A), json={"items": [
                                        {"material_code": c, "pages": p} for c, p in pages.items()]})
        assert signed.status_code == 200, signed.text

        async def closed() -> list[dict[str, Any]] | None:
            rows = [r for r in (await routing.get(f"/cases/{case_id}/custody")).json()
                    if r["manifest_number"] == manifest]
            return rows if rows[0]["where"].startswith(f"{A} 烟台高新区公安分局") else None

        rows = await eventually(closed)
    assert all(r["discrepancy"] is None for r in rows)
