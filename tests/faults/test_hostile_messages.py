"""The fault suite's hostile messages, at a size that fits `make test`; `make faults` runs it
with 10,000 (TB_FAULT_MESSAGES) and prints the same table."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from typing import Any

from contracts.subjects import own_stream
from services.runtime.dead_letters import DeadLetters
from tests.faults.conftest import TABLES
from tests.faults.hostile import QINGDAO, YANTAI, stream_of
from tests.support.sealing import HandSealer
from tests.support.stack import (
    GT_CHANGE,
    WANG_QIANG,
    Stack,
    approve,
    eventually,
    take_in_and_accept,
)

HOSTILE = int(os.environ.get("TB_FAULT_MESSAGES", "112"))
BECAUSE = {  # what each kind's dead letter must say
    "malformed JSON": "unreadable", "wrong schema": "unreadable",
    "unknown type": "unknown event type", "missing seal": "unsealed",
    "broken seal": "bad signature", "non-hex proof": "unreadable proof",
    "unknown key": "unknown key", "expired key": "not valid at",
    "wrong sender": "subject names site", "not a party": "refused", "oversized": "unreadable",
}
CASES = int(os.environ.get("TB_FAULT_CASES", "4"))
BACKLOG_SECONDS = 30 + HOSTILE / 20  # each consumer dead-letters some 100 messages a second


async def run_cases(stack: Stack, count: int) -> list[str]:
    """Real cases taken in while the hostile messages arrive; each reaches Qingdao only after
    the messages before it on the stream, so the wait grows with their number."""
    cases = []
    async with stack.client(YANTAI, "intake") as intake, \
            stack.client(QINGDAO, "approval") as approval:
        for n in range(count):
            case_id = await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG)

            async def in_inbox(case_id: str = case_id) -> bool:
                return (await approval.get(f"/cases/{case_id}")).status_code == 200

            await eventually(in_inbox, timeout=BACKLOG_SECONDS)
            await approve(approval, case_id, f"3702026001{n:05d}")
            cases.append(case_id)
    return cases


async def send_hostile(stack: Stack, count: int) -> dict[tuple[str, int], str]:
    """Publishes them, each as a service that may publish on its subject (one gone rogue);
    returns each one's (stream, sequence) with its kind."""
    sent: dict[tuple[str, int], str] = {}
    for hostile in stream_of(count, HandSealer()):
        js = stack.host(*publisher(hostile.subject)).js
        ack = await js.publish(hostile.subject, hostile.data, headers=hostile.headers or None)
        sent[(ack.stream, ack.seq)] = hostile.kind
        await asyncio.sleep(0)
    return sent


def publisher(subject: str) -> tuple[str, str]:
    """The site and service that may publish on a subject: the owner of its own events, the
    sending site's routing for its parties' inboxes."""
    parts = subject.split(".")
    return (parts[3], "routing") if parts[1] == "to" else (parts[1], parts[2])


async def replay_a_real_message(stack: Stack) -> tuple[str, int]:
    js = stack.host(YANTAI, "intake").js
    last = await js.get_last_msg(own_stream(YANTAI), f"tb.{YANTAI}.intake.>")
    headers = {k: v for k, v in (last.headers or {}).items() if k != "Nats-Msg-Id"}
    ack = await js.publish(last.subject, last.data, headers={**headers, "Nats-Msg-Id": "again"})
    return ack.stream, ack.seq


async def test_hostile_messages_all_end_in_dead_letters_and_real_cases_complete_once(
    two_sites_sqlite: Stack,
) -> None:
    stack = two_sites_sqlite
    started = asyncio.get_running_loop().time()
    cases_task = asyncio.create_task(run_cases(stack, CASES))  # any answer not 2xx fails it
    sent = await send_hostile(stack, HOSTILE)
    cases = await cases_task
    replayed = await replay_a_real_message(stack)

    async def lettered() -> dict[tuple[str, int], list[str]] | None:
        letters: dict[tuple[str, int], list[str]] = {}
        for site in (YANTAI, QINGDAO):
            for letter in await DeadLetters(stack.host(site, "intake").js, site).read_all():
                letters.setdefault((letter.stream, letter.seq), []).append(letter.reason)
        return letters if all(k in letters for k in sent) else None

    letters = await eventually(lettered, timeout=BACKLOG_SECONDS)
    async with stack.client(YANTAI, "intake") as intake, stack.client(YANTAI, "ledger") as ledger:
        statuses = [(await intake.get(f"/cases/{c}")).json()["status"] for c in cases]

        async def archived(case_id: str) -> list[dict[str, Any]] | None:
            body = (await ledger.get(f"/cases/{case_id}/timeline")).json()
            return body["timeline"] if body.get("archived") else None

        timelines = [await eventually(lambda c=c: archived(c), timeout=BACKLOG_SECONDS)
                     for c in cases]
    ready = {f"{h.site}/{h.service}": (await_ready(h)) for h in stack.hosts.values()}
    seconds = asyncio.get_running_loop().time() - started

    figures = {
        "hostile sent": len(sent),
        "hostile dead-lettered": sum(k in letters for k in sent),
        "dead-lettered for another reason": sum(
            not any(BECAUSE[kind] in r for r in letters.get(key, [])) for key, kind in sent.items()),
        "replays dead-lettered": int(replayed in letters),
        "replays dropped": sum(c.duplicates for h in stack.hosts.values() for c in h.consumers),
        "cases offered": CASES,
        "cases completed": statuses.count("completed"),
        "cases lost": CASES - statuses.count("completed"),
        "cases doubled": sum(len({e["event_id"] for e in t}) != len(t) for t in timelines),
        "stalled services": sum(not r for r in ready.values()),
        "seconds until all settled": round(seconds),
    }
    print_table(figures, Counter(sent.values()))
    assert figures["hostile dead-lettered"] == len(sent)
    assert figures["dead-lettered for another reason"] == 0
    assert figures["replays dead-lettered"] == 0 and figures["replays dropped"] >= 1
    assert figures["cases completed"] == CASES and figures["cases doubled"] == 0
    assert figures["stalled services"] == 0


def await_ready(host: Any) -> bool:
    checks = host.readiness()
    return not checks["stalled"] and all(v for v in checks.values() if isinstance(v, bool))


def print_table(figures: dict[str, int], kinds: Counter[str]) -> None:
    rows = [*figures.items(), *((f"  of which {k}", n) for k, n in sorted(kinds.items()))]
    width = max(len(k) for k, _ in rows)
    TABLES.append("fault suite: hostile messages\n" + "\n".join(f"{k:<{width}}  {v:>7,}"
                                                                for k, v in rows))
