"""`tongban dlq`, as an operator at Yantai runs it beside a running site: the fault suite's
hostile messages listed and counted by the rule they broke; a message refused because Yantai's
new signing key was not in the directory yet, replayed once the directory knows it and
processed once (its second copy found done); a hostile one replayed and refused again; one
dropped; each replay and drop on record in the refusing service's store."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import nats
import pytest
from typer.testing import CliRunner

from contracts.seal import GENESIS
from services.runtime.dead_letter_record import DeadLetterDropped, DeadLetterReplayed
from services.runtime.dead_letters import DeadLetters
from services.runtime.keys import Sealable, sealer_for
from services.runtime.nats_server import LocalNatsServer
from services.runtime.store import CaseStore
from tests.faults.hostile import YANTAI, kinds
from tests.support.events import sample
from tests.support.sealing import RING, SIGNED_AT, HandSealer
from tests.support.stack import Stack, eventually, nats_login, settings_factory
from tongban.cli import app
from tongban.site_keys import new_seed, read_sites, site_entry, write_directory

HOSTILE = ("malformed JSON", "unknown type", "missing seal", "broken seal", "wrong sender",
           "not a party")
NEW_KEY = f"{YANTAI}-2027"  # Yantai's new key, in use before the Yantai directory has it


def dlq(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["dlq", *args], catch_exceptions=False)
    return result.exit_code, result.output


def letter_numbers(listing: str) -> list[int]:
    return [int(n) for n in re.findall(r"^#(\d+)", listing, re.MULTILINE)]


async def test_an_operator_lists_replays_and_drops_a_sites_dead_letters(
    nats_server: LocalNatsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = tmp_path / "data"
    stack = Stack(settings_factory(nats_server, {"data_dir": data}))
    await stack.start([YANTAI], ["routing", "ledger"])
    for service in ("routing", "ledger"):
        login = nats_login(nats_server, YANTAI, service)
        monkeypatch.setenv(f"TB_{service.upper()}_NATS_USER", login["nats_user"])
        monkeypatch.setenv(f"TB_{service.upper()}_NATS_PASSWORD", login["nats_password"])
    where = ["--site", YANTAI, "--data-dir", str(data), "--nats-url", nats_server.address]
    run = asyncio.to_thread

    nc = await nats.connect(nats_server.url)  # the tests' user: a rogue anywhere
    try:
        js = nc.jetstream()
        made = kinds(YANTAI, HandSealer())
        for kind in HOSTILE:
            hostile = made[kind]()
            await js.publish(hostile.subject, hostile.data, headers=hostile.headers or None)
        seed = new_seed()
        event = sample("intake.materials_submitted.v1", uuid4(), acting_site=YANTAI)
        raw = event.model_dump_json().encode()
        [seal] = sealer_for(YANTAI, RING, SIGNED_AT, NEW_KEY, seed).seal(
            [Sealable(f"{YANTAI}.intake", event.case_id, GENESIS, raw)], SIGNED_AT)
        for copy in ("first", "again"):  # the relay sent it again after the duplicate window
            await js.publish(f"tb.{YANTAI}.intake.materials_submitted.v1", raw,
                             headers={**seal.headers(), "Nats-Msg-Id": f"{event.event_id}/{copy}"})
    finally:
        await nc.close()
    # own subjects: refused by the exchange and the ledger each; the inbox's by the gateway
    expected = 2 * (len(HOSTILE) - 1) + 1 + 2 * 2
    letters = DeadLetters(stack.host(YANTAI, "routing").js, YANTAI)
    await eventually(lambda: _count(letters, expected))

    code, counts = await run(dlq, "list", *where, "--counts")
    assert code == 0, counts
    for consumer, rule, n in [
        ("ledger-on-site-event", "unknown_key", 2), ("routing-exchange", "unknown_key", 2),
        ("routing-exchange", "unreadable", 1), ("routing-exchange", "unknown_type", 1),
        ("routing-exchange", "unsealed", 1), ("routing-exchange", "bad_signature", 1),
        ("ledger-on-site-event", "wrong_sender", 1), ("routing-gateway", "not_a_party", 1),
    ]:
        assert re.search(rf"^\s+{n}\s+{consumer}\s+{rule}$", counts, re.MULTILINE), counts
    assert re.search(rf"^\s+{expected}\s+dead letters$", counts, re.MULTILINE), counts

    code, page = await run(dlq, "list", *where, "--limit", "4", "--offset", "2")
    assert letter_numbers(page) == [3, 4, 5, 6]
    assert f"3-6 of {expected} dead letters; next: --offset 6" in page

    code, ledgers = await run(dlq, "list", *where, "--consumer", "ledger-on-site-event",
                              "--reason", "unknown_key")
    assert "key 2027" not in ledgers and f"unknown key {NEW_KEY} for site {YANTAI}" in ledgers
    first, again = letter_numbers(ledgers)

    code, shown = await run(dlq, "show", str(first), *where)
    assert code == 0 and f"Tb-Key: {NEW_KEY}" in shown and "Tb-Dlq-Seq: " in shown
    assert str(event.event_id) in shown  # the envelope as stored

    code, broken = await run(dlq, "list", *where, "--consumer", "ledger-on-site-event",
                             "--reason", "bad_signature")
    [hostile] = letter_numbers(broken)
    code, refused = await run(dlq, "replay", str(hostile), *where, "--by", "张伟")
    assert code == 1
    assert f"refused: seal broken: bad signature by key {YANTAI}-" in refused
    assert refused.rstrip().endswith("still a dead letter")
    code, shown = await run(dlq, "show", str(hostile), *where)
    assert re.search(r"DeadLetterReplayed by 张伟: refused \(seal broken: bad signature", shown)

    # the fix: the ledger's directory learns the new key (`tongban keys generate --directory`)
    fixed = tmp_path / "directory"
    entry = site_entry(read_sites(None), YANTAI, seed, NEW_KEY, datetime(2026, 11, 1, tzinfo=UTC))
    write_directory(fixed, read_sites(None), entry)
    monkeypatch.setenv("TB_LEDGER_CATALOGUE_DIR", str(fixed))

    code, replayed = await run(dlq, "replay", str(first), *where, "--by", "张伟",
                               "--why", "directory now has 370671-2027")
    assert code == 0 and ": processed; removed from the dead letters" in replayed, replayed
    code, replayed = await run(dlq, "replay", str(again), *where, "--by", "张伟")
    assert code == 0 and ": duplicate: its effect was stored before" in replayed, replayed
    async with stack.client(YANTAI, "ledger") as ledger:
        timeline = (await ledger.get(f"/cases/{event.case_id}/timeline")).json()["timeline"]
    assert [e["event_id"] for e in timeline] == [str(event.event_id)]

    code, garbled = await run(dlq, "list", *where, "--consumer", "routing-exchange",
                              "--reason", "unreadable")
    [dropped] = letter_numbers(garbled)
    code, out = await run(dlq, "drop", str(dropped), *where, "--by", "张伟",
                          "--why", "not JSON: nothing to recover")
    assert code == 0 and "unreadable): dropped" in out
    code, gone = await run(dlq, "show", str(dropped), *where)
    assert code == 2 and f"no dead letter #{dropped}" in gone
    code, garbled = await run(dlq, "list", *where, "--consumer", "ledger-on-site-event",
                              "--reason", "unreadable")
    [unrecorded] = letter_numbers(garbled)
    code, out = await run(dlq, "drop", str(unrecorded), *where, "--by", "张伟")
    assert code == 0
    code, counts = await run(dlq, "list", *where, "--counts")
    assert re.search(rf"^\s+{expected - 4}\s+dead letters$", counts, re.MULTILINE), counts

    await stack.stop()
    # the ledger's witness takes a dropped letter's message as meant to be missing
    verified = await run(CliRunner().invoke, app, ["ledger", "verify", "--against-streams",
                                                   *where], catch_exceptions=False)
    assert verified.exit_code == 0 and "witnessed" in verified.output, verified.output
    assert {service: _records(stack, service) for service in ("ledger", "routing")} == {
        "ledger": [("DeadLetterReplayed", "张伟", "refused"),
                   ("DeadLetterReplayed", "张伟", "processed"),
                   ("DeadLetterReplayed", "张伟", "duplicate"),
                   ("DeadLetterDropped", "张伟", "dropped")],
        "routing": [("DeadLetterDropped", "张伟", "dropped")],
    }


def _records(stack: Stack, service: str) -> list[tuple[str, str, str]]:
    """What operators did with the service's dead letters, as its store keeps it."""
    store = CaseStore(service, stack.settings_for(service, YANTAI))
    try:
        return [(type(e).__name__, e.actor.staff_id, getattr(e, "outcome", "dropped"))
                for e in store.scan() if isinstance(e, DeadLetterReplayed | DeadLetterDropped)]
    finally:
        store.close()


async def _count(letters: DeadLetters, expected: int) -> bool:
    return len(await letters.read_all()) == expected
