"""Outages are waited out, not blamed on the message: a case routed to a party site that is not
running yet stays with the sender, shows in /readyz, and arrives once when the party starts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.runtime.dead_letters import DeadLetters
from services.runtime.nats_server import LocalNatsServer
from tests.support.stack import (
    GT_CHANGE,
    WANG_QIANG,
    Stack,
    approve,
    eventually,
    settings_factory,
    take_in_and_accept,
)

YANTAI, QINGDAO = "370671", "370202"


@pytest.fixture
async def yantai_alone(nats_server: LocalNatsServer, store_overrides: dict[str, Any]
                       ) -> AsyncIterator[Stack]:
    stack = Stack(settings_factory(nats_server, store_overrides))
    await stack.start([YANTAI])
    yield stack
    await stack.stop()


async def test_a_case_for_a_site_not_yet_running_waits_and_arrives_once_it_starts(
    yantai_alone: Stack,
) -> None:
    stack = yantai_alone
    async with stack.client(YANTAI, "intake") as intake, \
            stack.client(YANTAI, "routing") as routing:
        case_id = await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG)

        async def stalled() -> dict[str, Any] | None:
            answer = await routing.get("/readyz")
            return answer.json() if answer.status_code == 503 else None

        ready = await eventually(stalled)
        [stall] = ready["stalled"]
        assert stall["part"] == "routing-exchange" and stall["since"]
        assert "NoStreamResponse" in stall["reason"]  # Qingdao's inbox stream is not there
        # Under the test settings a faulty message is dead-lettered after its 8 tries within
        # about 2.6 s; the case must still be waiting well after that.
        await asyncio.sleep(4)
        assert (await routing.get("/readyz")).status_code == 503
        assert await DeadLetters(stack.host(YANTAI, "routing").js, YANTAI).read_all() == []

        await stack.start([QINGDAO], ["routing", "approval", "delivery"])
        async with stack.client(QINGDAO, "approval") as approval:
            await approve(approval, case_id)

        async def completed() -> bool:
            return (await intake.get(f"/cases/{case_id}")).json()["status"] == "completed"

        await eventually(completed, timeout=30)
        assert (await routing.get("/readyz")).status_code == 200
        async with stack.client(QINGDAO, "approval") as approval:
            inbox = (await approval.get("/inbox")).json()
    assert [c["case_id"] for c in inbox].count(case_id) <= 1
    js = stack.host(YANTAI, "routing").js
    assert await DeadLetters(js, YANTAI).read_all() == []
