"""What the outage scenarios of the fault suite check once an outage has passed: every case
offered completed exactly once at both sites, no dead letters, no service stalled, no message
twice in any stream, both ledgers intact; and the table of figures they print."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.subjects import admitted_stream, inbox_stream, own_stream
from services.runtime.dead_letters import DeadLetter, DeadLetters
from tests.faults.conftest import TABLES
from tests.faults.hostile import QINGDAO, YANTAI
from tests.support.stack import Stack, eventually
from tongban.ledger_tools import verify

ONCE_AT = {  # events each completed case must show exactly once in a site's ledger
    YANTAI: ("case_accepted", "case_completed"),
    QINGDAO: ("case_received", "case_approved", "case_completed"),
}


@dataclass
class Progress:
    """How far the burst of cases has come, for the moments an outage is set off at."""

    taken_in: list[str] = field(default_factory=list)
    approved: list[str] = field(default_factory=list)

    async def reached(self, seen: Callable[[], int], count: int, timeout: float) -> None:
        await eventually(lambda: seen() >= count, timeout=timeout)


async def every_case_settled(stack: Stack, cases: list[str], timeout: float) -> None:
    """Until each case is archived at Yantai and completed at Qingdao, and every service is
    ready; a case that never gets there fails the wait and the test."""
    async with stack.client(YANTAI, "ledger") as yantai, \
            stack.client(QINGDAO, "ledger") as qingdao:
        for case_id in cases:
            async def archived(case_id: str = case_id) -> bool:
                body = (await yantai.get(f"/cases/{case_id}/timeline")).json()
                return bool(body.get("archived"))

            async def completed(case_id: str = case_id) -> bool:
                body = (await qingdao.get(f"/cases/{case_id}/timeline")).json()
                return "case_completed" in [e["event"] for e in body.get("timeline", [])]

            await eventually(archived, timeout=timeout)
            await eventually(completed, timeout=timeout)
    await wait_ready(stack, timeout)


async def wait_ready(stack: Stack, timeout: float) -> list[str]:
    """The services still not ready (/readyz 503) once `timeout` has passed; none, at once,
    when all are."""
    async def not_ready() -> list[str]:
        answers = {}
        for name, host in stack.hosts.items():
            async with stack.client(host.site, host.service) as client:
                answers[name] = (await client.get("/readyz")).status_code
        return [name for name, status in answers.items() if status != 200]

    try:
        await eventually(lambda: _none(not_ready), timeout=timeout)
    except TimeoutError:
        pass
    return await not_ready()


async def _none(check: Callable[[], Awaitable[list[str]]]) -> bool:
    return not await check()


async def times_seen(stack: Stack, cases: list[str]) -> dict[str, Counter[str]]:
    """For each case, how many times each ledger saw each event it must see once (keyed
    `<site>/<event>`), with `event ids` counting ids seen more than once."""
    seen: dict[str, Counter[str]] = {}
    for site, once in ONCE_AT.items():
        async with stack.client(site, "ledger") as ledger:
            for case_id in cases:
                timeline = (await ledger.get(f"/cases/{case_id}/timeline")).json()["timeline"]
                counts = seen.setdefault(case_id, Counter())
                kinds = Counter(e["event"] for e in timeline)
                counts.update({f"{site}/{kind}": kinds[kind] for kind in once})
                ids = Counter(e["event_id"] for e in timeline)
                counts["event ids seen twice"] += sum(n > 1 for n in ids.values())
    return seen


async def stream_repeats(stack: Stack) -> int:
    """Messages that are in a stream a second time (one `Nats-Msg-Id` twice): a re-send the
    duplicate window should have dropped."""
    repeats = 0
    for site in (YANTAI, QINGDAO):
        js = stack.host(site, "intake").js  # each site's streams, as its own services see them
        for stream in (own_stream(site), inbox_stream(site), admitted_stream(site)):
            state = (await js.stream_info(stream)).state
            ids: Counter[str] = Counter()
            for seq in range(state.first_seq, state.last_seq + 1 if state.messages else 0):
                msg = await js.get_msg(stream, seq)
                ids[str((msg.headers or {}).get("Nats-Msg-Id"))] += 1
            repeats += sum(n - 1 for n in ids.values())
    return repeats


async def dead_letters(stack: Stack) -> list[DeadLetter]:
    return [letter for site in (YANTAI, QINGDAO)
            for letter in await DeadLetters(stack.host(site, "intake").js, site).read_all()]


def ledgers_intact(stack: Stack) -> dict[str, str]:
    """`tongban ledger verify` of each site, on the stores of a stopped stack: the reason of
    each broken one."""
    broken = {}
    for site in (YANTAI, QINGDAO):
        report, _ = verify(stack.settings_for("ledger", site))
        if report.broken is not None:
            broken[site] = report.broken.reason
    return broken


def stopped(stack: Stack) -> bool:
    return all(h.store.closed for h in stack.hosts.values())


async def settle_figures(stack: Stack, cases: list[str], offered: int,
                         started: float, timeout: float) -> tuple[dict[str, Any], list[str]]:
    """The table's figures once every case settled (or the wait ran out), and the dead
    letters' reasons."""
    try:
        await every_case_settled(stack, cases, timeout)
    except TimeoutError:
        pass  # the figures say what did not arrive
    seconds = asyncio.get_running_loop().time() - started
    seen = await times_seen(stack, cases)
    letters = await dead_letters(stack)
    not_ready = await wait_ready(stack, 0)
    completed = [c for c in cases if all(seen[c][f"{site}/{kind}"] >= 1
                                         for site, kinds in ONCE_AT.items() for kind in kinds)]
    doubled = [c for c in cases if seen[c]["event ids seen twice"]
               or any(n > 1 for k, n in seen[c].items() if k != "event ids seen twice")]
    figures = {
        "cases offered": offered,
        "cases completed": len(completed),
        "cases lost": offered - len(completed),
        "cases doubled": len(doubled),
        "messages twice in a stream": await stream_repeats(stack),
        "dead-lettered": len(letters),
        "  of which for a broken link": sum("broken link" in d.reason for d in letters),
        "stalled at the end": len(not_ready),
        "seconds until all settled": round(seconds),
    }
    return figures, [f"{d.consumer}: {d.reason}" for d in letters] + not_ready


def print_table(title: str, figures: dict[str, Any]) -> None:
    width = max(len(k) for k in figures)
    TABLES.append(f"fault suite: {title}\n" + "\n".join(
        f"{k:<{width}}  {v:>7,}" for k, v in figures.items()))


SHARED = ("case_approved", "case_completed")  # one event, held by both sites' ledgers


async def ledgers_disagree(stack: Stack, cases: list[str]) -> list[str]:
    """The cases whose decision or completion the two ledgers hold as different events (or
    neither holds)."""
    held: dict[str, list[list[tuple[str, str]]]] = {case_id: [] for case_id in cases}
    for site in (YANTAI, QINGDAO):
        async with stack.client(site, "ledger") as ledger:
            for case_id in cases:
                timeline = (await ledger.get(f"/cases/{case_id}/timeline")).json()["timeline"]
                held[case_id].append(sorted((e["event"], e["event_id"]) for e in timeline
                                            if e["event"] in SHARED))
    return [c for c, (yantai, qingdao) in held.items() if yantai != qingdao or not yantai]


async def opened_but_not_offered(stack: Stack, cases: list[str]) -> list[str]:
    """Cases the Yantai window opened (收件) that are none of `cases`: a second case opened by
    a 收件 pressed again after the first one was stored but not answered."""
    async with stack.client(YANTAI, "ledger") as ledger:
        listed = await ledger.get("/audit/cases", params={"status": "opened", "limit": 500})
    assert listed.status_code == 200, listed.text
    return [row["case_id"] for row in listed.json() if row["case_id"] not in cases]


def ledger_verified(site: str, data_dir: Path, nats_url: str,
                    env: dict[str, str]) -> str | None:
    """`tongban ledger verify --against-streams` of a stopped ledger, as an auditor runs it:
    None when every seal and link holds and no stream message is missing, else its output."""
    done = subprocess.run(
        [sys.executable, "-m", "tongban", "ledger", "verify", "--site", site, "--data-dir",
         str(data_dir), "--against-streams", "--nats-url", nats_url],
        capture_output=True, text=True, timeout=300, check=False, env={**os.environ, **env})
    return None if done.returncode == 0 else done.stdout + done.stderr


PATH = {  # each event of an approved online case, once, as each site's ledger holds it
    YANTAI: ("case_opened", "materials_submitted", "identity_verified", "case_accepted",
             "case_routed", "case_admitted", "case_received", "case_claimed", "case_approved",
             "decision_reported", "result_issued", "result_pushed_online", "case_completed",
             "case_archived"),
    QINGDAO: ("case_routed", "case_admitted", "case_received", "case_claimed", "case_approved",
              "result_issued", "result_pushed_online", "case_completed"),
}


async def off_the_path(stack: Stack, cases: list[str]) -> dict[str, dict[str, int]]:
    """For each case whose ledgers do not hold each event of its path exactly once (nor
    anything else), what they hold otherwise (keyed `<site>/<event>`, 0 for a missing one)."""
    off: dict[str, dict[str, int]] = {}
    for site, path in PATH.items():
        async with stack.client(site, "ledger") as ledger:
            for case_id in cases:
                timeline = (await ledger.get(f"/cases/{case_id}/timeline")).json()["timeline"]
                held = Counter(e["event"] for e in timeline)
                wrong = {f"{site}/{kind}": held[kind] for kind in {*path, *held}
                         if held[kind] != (kind in path)}
                if wrong:
                    off.setdefault(case_id, {}).update(wrong)
    return off
