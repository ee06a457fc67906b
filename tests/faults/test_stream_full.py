"""The fault suite's full stream: Yantai's own stream (TB_370671) is held at its size, so
JetStream refuses every publish to it, while cases are taken in at the Yantai window and
decisions come back from Qingdao; then it is given room again. A refused publish is an outage,
not a fault of the event: the relays hold their events, say so in /readyz and publish them once
there is room, in order and linked as before. Nothing may be lost or doubled, no chain broken,
both ledgers intact. `make faults` runs it with TB_FAULT_OUTAGE_CASES cases."""

from __future__ import annotations

import asyncio
import os

import httpx
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, StreamConfig

from contracts.subjects import own_stream
from tests.faults.hostile import QINGDAO, YANTAI
from tests.faults.settling import ledgers_intact, print_table, settle_figures
from tests.support.stack import (
    GT_CHANGE,
    WANG_QIANG,
    Stack,
    approve,
    eventually,
    take_in_and_accept,
)

CASES = int(os.environ.get("TB_FAULT_OUTAGE_CASES", "6"))
SETTLE_SECONDS = 60 + CASES
FULL = own_stream(YANTAI)


async def fill(js: JetStreamContext) -> tuple[StreamConfig, int]:
    """Hold the stream at what it holds now; refusing (discard new) rather than dropping its
    oldest messages, which the streams' own policy (discard old) would do. Returns its config
    to give back and its last sequence."""
    info = await js.stream_info(FULL)
    await js.update_stream(StreamConfig.from_response(
        {**info.config.as_dict(), "max_bytes": info.state.bytes, "discard": DiscardPolicy.NEW}))
    return info.config, info.state.last_seq


async def take_in(intake: httpx.AsyncClient, count: int) -> list[str]:
    return [await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG) for _ in range(count)]


async def approve_each(approval: httpx.AsyncClient, cases: list[str], first: int) -> None:
    for n, case_id in enumerate(cases, first):
        async def in_inbox(case_id: str = case_id) -> bool:
            return (await approval.get(f"/cases/{case_id}")).status_code == 200

        await eventually(in_inbox, timeout=SETTLE_SECONDS)
        await approve(approval, case_id, f"3702026003{n:05d}")


async def relay_stalled(intake: httpx.AsyncClient) -> list[dict[str, str]] | None:
    """The intake relay's stall as /readyz shows it, once it does."""
    ready = await intake.get("/readyz")
    stalled = [s for s in ready.json()["stalled"] if s["part"] == "intake-relay"]
    return stalled if ready.status_code == 503 and stalled else None


async def completed_at_the_window(intake: httpx.AsyncClient, cases: list[str]) -> bool:
    statuses = [(await intake.get(f"/cases/{c}")).json()["status"] for c in cases]
    return all(s == "completed" for s in statuses)


async def test_a_full_stream_refusing_publishes_for_a_while_loses_nothing_and_breaks_no_chain(
    two_sites_sqlite: Stack,
) -> None:
    stack = two_sites_sqlite
    js = stack.host(YANTAI, "intake").js
    started = asyncio.get_running_loop().time()
    async with stack.client(YANTAI, "intake") as intake, \
            stack.client(QINGDAO, "approval") as approval:
        before = await take_in(intake, CASES // 2)
        await eventually(lambda: _all_in_inbox(approval, before), timeout=SETTLE_SECONDS)
        config, last_seq = await fill(js)
        refused_from = asyncio.get_running_loop().time()
        await approve_each(approval, before, 0)  # their decisions come back to a full stream
        during = await take_in(intake, CASES - len(before))
        stall = await eventually(lambda: relay_stalled(intake), timeout=SETTLE_SECONDS)
        await eventually(lambda: completed_at_the_window(intake, before),
                         timeout=SETTLE_SECONDS)  # stored at the window, not yet published
        taken_while_full = (await js.stream_info(FULL)).state.last_seq - last_seq
        arrived_while_full = [c for c in during
                              if (await approval.get(f"/cases/{c}")).status_code == 200]
        await js.update_stream(config)  # room again
        refused_seconds = asyncio.get_running_loop().time() - refused_from
        await approve_each(approval, during, len(before))
    figures, left = await settle_figures(stack, before + during, CASES, started, SETTLE_SECONDS)
    figures = {"seconds the stream refused": round(refused_seconds),
               "messages it took while full": taken_while_full, **figures}
    await stack.stop()  # fails if any read table differs from its rebuild
    broken = ledgers_intact(stack)
    figures["ledgers broken"] = len(broken)
    print_table("a stream at its max_bytes, then room again", figures)
    assert "ServiceUnavailableError" in stall[0]["reason"], stall  # JetStream's 503
    assert taken_while_full == 0 and arrived_while_full == [], figures
    assert figures["cases completed"] == CASES and figures["cases doubled"] == 0, figures
    assert figures["messages twice in a stream"] == 0, figures
    assert figures["dead-lettered"] == 0 and figures["stalled at the end"] == 0, left
    assert not broken, broken


async def _all_in_inbox(approval: httpx.AsyncClient, cases: list[str]) -> bool:
    return all([(await approval.get(f"/cases/{c}")).status_code == 200 for c in cases])
