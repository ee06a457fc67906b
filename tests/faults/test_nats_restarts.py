"""The fault suite's server restarts: the nats-server is stopped and started again in place (same
port, same JetStream store) twice while a burst of real cases runs across two sites, once while
the window takes cases in and once while the decisions travel back. Nothing may be lost or
doubled: every case completes once at both sites, no dead letters, no service left stalled, both
ledgers intact. `make faults` runs it with TB_FAULT_OUTAGE_CASES cases."""

from __future__ import annotations

import asyncio
import os

from services.runtime.nats_server import LocalNatsServer
from tests.faults.hostile import QINGDAO, YANTAI
from tests.faults.settling import Progress, ledgers_intact, print_table, settle_figures
from tests.support.stack import (
    GT_CHANGE,
    WANG_QIANG,
    Stack,
    approve,
    eventually,
    take_in_and_accept,
)

CASES = int(os.environ.get("TB_FAULT_OUTAGE_CASES", "6"))
DOWN_SECONDS = 6.0  # longer than a publish waits for its PubAck (5 s): the relays see it fail
SETTLE_SECONDS = 60 + CASES  # a restart costs the clients' reconnect wait and the relays' backoff


async def take_in(stack: Stack, progress: Progress) -> None:
    """The burst: the window takes every case in, one after another, without waiting."""
    async with stack.client(YANTAI, "intake") as intake:
        for _ in range(CASES):
            progress.taken_in.append(await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG))
            await asyncio.sleep(0.05)


async def approve_as_they_arrive(stack: Stack, progress: Progress) -> None:
    async with stack.client(QINGDAO, "approval") as approval:
        for n in range(CASES):
            await progress.reached(lambda: len(progress.taken_in), n + 1, SETTLE_SECONDS)
            case_id = progress.taken_in[n]

            async def in_inbox(case_id: str = case_id) -> bool:
                return (await approval.get(f"/cases/{case_id}")).status_code == 200

            await eventually(in_inbox, timeout=SETTLE_SECONDS)
            await approve(approval, case_id, f"3702026002{n:05d}")
            progress.approved.append(case_id)


async def restart_twice(server: LocalNatsServer, progress: Progress) -> list[int | None]:
    """Once a third of the cases are taken in, and once half of them are approved; returns the
    server's process ids, to show it really was a new process each time."""
    pids = [server.pid]
    for seen, count in ((lambda: len(progress.taken_in), max(1, CASES // 3)),
                        (lambda: len(progress.approved), max(2, CASES // 2))):
        await progress.reached(seen, count, SETTLE_SECONDS)
        await asyncio.to_thread(server.restart, DOWN_SECONDS)  # the services run on meanwhile
        pids.append(server.pid)
    return pids


async def test_the_nats_server_restarted_twice_under_load_loses_and_doubles_nothing(
    two_sites_sqlite: Stack, nats_server: LocalNatsServer,
) -> None:
    stack, port = two_sites_sqlite, nats_server.port
    started = asyncio.get_running_loop().time()
    progress = Progress()
    pids, *_ = await asyncio.gather(restart_twice(nats_server, progress),
                                    take_in(stack, progress),
                                    approve_as_they_arrive(stack, progress))
    figures, left = await settle_figures(stack, progress.taken_in, CASES, started,
                                         SETTLE_SECONDS)
    figures = {"restarts": len(pids) - 1, **figures}
    await stack.stop()  # fails if any read table differs from its rebuild
    broken = ledgers_intact(stack)
    figures["ledgers broken"] = len(broken)
    print_table("nats-server restarted twice under load", figures)
    assert len(set(pids)) == 3 and None not in pids and nats_server.port == port
    assert figures["cases completed"] == CASES and figures["cases doubled"] == 0, figures
    assert figures["messages twice in a stream"] == 0, figures
    assert figures["dead-lettered"] == 0 and figures["stalled at the end"] == 0, left
    assert not broken, broken
