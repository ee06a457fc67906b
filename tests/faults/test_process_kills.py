"""The fault suite's power cuts: the ten service processes of Yantai and Qingdao, each `tongban
serve` on its own SQLite store, are killed with SIGKILL at random moments while a burst of real
cases runs (taken in and accepted at the Yantai window, claimed and approved at Qingdao, the
e-licence pushed online, completed and archived), each started again after a short pause. A
call that failed because its service died is pressed again once it is back. Nothing may be lost
or doubled: every case completes once in both ledgers, which agree and verify intact against
the streams; no dead letters, no service stalled. `make faults` runs it with TB_FAULT_KILLS
kills among TB_FAULT_KILL_CASES cases; TB_FAULT_SEED picks the victims and the moments."""

from __future__ import annotations

import asyncio
import os
import random
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from signal import SIGTERM
from typing import cast

import nats
import pytest

from services.runtime.nats_server import LocalNatsServer
from services.runtime.settings import SERVICES
from tests.faults.hostile import QINGDAO, YANTAI
from tests.faults.killing import Clerk, ServedProcess, ServedSites, served, stop_all
from tests.faults.settling import (
    Progress,
    ledger_verified,
    ledgers_disagree,
    off_the_path,
    opened_but_not_offered,
    print_table,
    settle_figures,
)
from tests.support.clock import RunningClock
from tests.support.stack import APPROVER, GT_CHANGE, WANG_QIANG, WINDOW_CLERK, Stack, eventually

CASES = int(os.environ.get("TB_FAULT_KILL_CASES", "6"))
KILLS = int(os.environ.get("TB_FAULT_KILLS", "5"))
SEED = int(os.environ.get("TB_FAULT_SEED", "19"))  # 5 kills: each kind of service, both sites
SETTLE_SECONDS = 120 + 6 * KILLS  # each kill costs a restart and the consumers' redelivery


@pytest.fixture
async def ten_processes(nats_server: LocalNatsServer, tmp_path: Path
                        ) -> AsyncIterator[tuple[ServedSites, dict[str, str]]]:
    clock, logs = RunningClock(), tmp_path / "logs"
    logs.mkdir()
    processes = {f"{site}/{service}": served(service, site, nats_server.url, tmp_path / "data",
                                             clock, logs)
                 for site in (YANTAI, QINGDAO) for service in SERVICES}
    nc = await nats.connect(nats_server.url, name="fault-suite-process-kills")
    try:
        for process in processes.values():
            process.start()
        await asyncio.gather(*(p.answering() for p in processes.values()))
        yield ServedSites(processes, nc.jetstream()), clock.env("ledger")
    finally:
        stop_all(processes)
        await nc.close()


def victims(rng: random.Random, names: list[str], kills: int) -> list[str]:
    """Every service once in a random order when there are kills enough, then any of them."""
    chosen = rng.sample(names, len(names))[:kills]
    chosen += [rng.choice(names) for _ in range(kills - len(chosen))]
    rng.shuffle(chosen)
    return chosen


@dataclass
class Kills:
    begun: list[str] = field(default_factory=list)
    done: Counter[str] = field(default_factory=Counter)
    mid_command: Counter[str] = field(default_factory=Counter)
    waiting: bool = False  # for a command in flight: the window takes its next case now


async def kill_at_random(sites: ServedSites, kills: Kills, rng: random.Random) -> None:
    """SIGKILL a victim at a random moment, start it again after a short pause, wait until it
    is ready: a restart that crashes or never gets ready fails here."""
    for name in victims(rng, list(sites.hosts), KILLS):
        kills.begun.append(name)
        await asyncio.sleep(rng.uniform(0.3, 2.0))
        victim = sites.hosts[name]
        if await with_a_command_in_flight(victim, rng.randint(1, 4), rng.uniform(0.0, 0.015),
                                          kills):
            kills.mid_command[name] += 1
        victim.kill()
        kills.done[name] += 1
        await asyncio.sleep(rng.uniform(0.1, 1.0))
        victim.start()
        await victim.answering("/readyz")


async def with_a_command_in_flight(victim: ServedProcess, nth: int, into: float,
                                   kills: Kills) -> bool:
    """A service the clerks call dies `into` seconds into the `nth` command sent to it from now
    (so each step gets its turn), when it may have stored the change but not yet answered:
    what a clerk's second press must not double. Waits at most 5 s for it; whether it was
    still in flight at the kill."""
    if not victim.commands_sent:
        return False
    loop, target = asyncio.get_running_loop(), victim.commands_sent + nth
    deadline = loop.time() + 5.0
    kills.waiting = True
    try:
        while victim.commands_sent < target or not victim.calling:
            if loop.time() > deadline:
                return False
            await asyncio.sleep(0.002)
    finally:
        kills.waiting = False
    await asyncio.sleep(into)
    return victim.calling


async def take_in(sites: ServedSites, clerk: Clerk, progress: Progress, kills: Kills) -> None:
    """The window takes the cases in one after another, paced by the kills begun so the burst
    spans them (and a kill waiting for a command in flight gets one)."""
    intake = sites.hosts[f"{YANTAI}/intake"]
    for n in range(CASES):
        await eventually(lambda n=n: len(kills.begun) >= n * KILLS // CASES or kills.waiting,
                         timeout=SETTLE_SECONDS)
        opened = (await clerk.command(intake, "/cases", "收件", {
            "matter_code": GT_CHANGE, "applicant": WANG_QIANG}, expect=201)).json()
        case_id = opened["case_id"]
        items = [{"material_code": m["material_code"], "pages": 2}
                 for m in opened["materials"] if m["state"] != "not_required"]
        await clerk.command(intake, f"/cases/{case_id}/materials", "materials", {"items": items})
        await clerk.command(intake, f"/cases/{case_id}/identity", "身份核验",
                            {"subject": "applicant", "method": "id_card_reader"})
        await clerk.command(intake, f"/cases/{case_id}/accept", "受理")
        progress.taken_in.append(case_id)


async def approve_as_they_arrive(sites: ServedSites, approver: Clerk,
                                 progress: Progress) -> None:
    approval = sites.hosts[f"{QINGDAO}/approval"]
    for n in range(CASES):
        await progress.reached(lambda: len(progress.taken_in), n + 1, SETTLE_SECONDS)
        case_id = progress.taken_in[n]

        async def in_inbox(case_id: str = case_id) -> bool:
            read, _ = await approver.call(approval, "GET", f"/cases/{case_id}", "read")
            return read.status_code == 200

        await eventually(in_inbox, timeout=SETTLE_SECONDS)
        await approver.command(approval, f"/cases/{case_id}/claim", "认领")
        await approver.command(approval, f"/cases/{case_id}/approve", "准予",
                               {"document_number": f"3702026003{n:05d}"})
        progress.approved.append(case_id)


async def test_every_service_killed_at_random_under_load_loses_and_doubles_nothing(
    ten_processes: tuple[ServedSites, dict[str, str]], nats_server: LocalNatsServer,
    tmp_path: Path,
) -> None:
    sites, clock_env = ten_processes
    stack = cast(Stack, sites)  # the settling checks read only what ServedSites offers
    started = asyncio.get_running_loop().time()
    progress, kills = Progress(), Kills()
    clerk, approver = Clerk(WINDOW_CLERK), Clerk(APPROVER)
    async with asyncio.TaskGroup() as burst:  # one failing cancels the others: no restarts after
        burst.create_task(kill_at_random(sites, kills, random.Random(SEED)))
        burst.create_task(take_in(sites, clerk, progress, kills))
        burst.create_task(approve_as_they_arrive(sites, approver, progress))
    figures, left = await settle_figures(stack, progress.taken_in, CASES, started,
                                         SETTLE_SECONDS)
    disagree = await ledgers_disagree(stack, progress.taken_in)
    second_openings = await opened_but_not_offered(stack, progress.taken_in)
    off = await off_the_path(stack, progress.taken_in)
    exits = stop_all(sites.hosts)
    verified = await asyncio.gather(*(asyncio.to_thread(
        ledger_verified, site, tmp_path / "data", nats_server.url, clock_env)
        for site in (YANTAI, QINGDAO)))
    broken = {site: why for site, why in zip((YANTAI, QINGDAO), verified) if why is not None}
    answered_again = clerk.answered_again + approver.answered_again
    figures = {
        "kills": sum(kills.done.values()),
        **{f"  of {name}": kills.done[name] for name in sites.hosts},
        "  with a command in flight": sum(kills.mid_command.values()),
        **figures,
        "HTTP calls pressed again after a kill": sum(
            (clerk.pressed_again + approver.pressed_again).values()),
        **{f"  answered {answer}": n for answer, n in sorted(answered_again.items())},
        "cases opened twice by a 收件 pressed again": len(second_openings),
        "cases with an event of their path not once": len(off),
        "cases the two ledgers disagree on": len(disagree),
        "ledgers verified against streams": 2 - len(broken),
        "processes hung at SIGTERM": sum(code is None for code in exits.values()),
        "  ended by the signal, not stopped": sum(code == -SIGTERM for code in exits.values()),
    }
    print_table(f"every service killed at random under load (seed {SEED})", figures)
    assert sum(kills.done.values()) == KILLS, kills
    assert KILLS < len(sites.hosts) or set(kills.done) == set(sites.hosts), kills
    assert figures["cases completed"] == CASES and figures["cases doubled"] == 0, figures
    assert figures["messages twice in a stream"] == 0, figures
    assert figures["dead-lettered"] == 0 and figures["stalled at the end"] == 0, left
    assert not second_openings, f"a 收件 pressed again opened another case: {second_openings}"
    assert not off, off
    assert not disagree, disagree
    assert not broken, broken
    assert set(exits.values()) == {0}, f"each must stop cleanly at SIGTERM: {exits}"
