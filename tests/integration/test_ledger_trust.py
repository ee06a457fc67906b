"""The ledger as an auditor checks it: after real cases across two sites on a real nats-server,
`tongban ledger verify` finds every seal and link intact, and names the event when one stored
byte or one signature is changed; `tongban ledger rebuild` replays the events into projections
equal to the ones built as they came; the work ledger opens in a spreadsheet; personal data is
read unmasked only by an auditor, on the record."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import re
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import openpyxl
import pytest
from typer.testing import CliRunner

from contracts.subjects import admitted_stream, inbox_subject, own_stream
from services.runtime.dead_letters import DeadLetters
from services.runtime.nats_server import LocalNatsServer
from tests.support.applicant import receipt_query_code
from tests.support.clock import FakeClock
from tests.support.events import sample
from tests.support.sealing import HandSealer
from tests.support.stack import (
    APPROVER,
    GT_CHANGE,
    WANG_QIANG,
    Stack,
    approve,
    eventually,
    settings_factory,
    take_in_and_accept,
)
from tests.support.staff import staff
from tests.support.terminal import at_a_terminal
from tongban.cli import app

A, B = "370671", "370202"
AUDITOR = staff("370671-AU01", "auditor")
CLERK = staff("370671-W03", "window")
MAILROOM = staff("370202-D02", "delivery")


async def run_cases(stack: Stack, clock: FakeClock) -> list[str]:
    """Two cases of 王强's, accepted an hour apart, approved in Qingdao, their e-licences pushed."""
    cases = []
    async with stack.client(A, "intake") as intake, stack.client(B, "approval") as approval:
        for number in ("370202600123456", "370202600123457"):
            case_id = await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG)
            clock.now += timedelta(hours=1)
            await approve(approval, case_id, number)
            cases.append(case_id)
    async with stack.client(A, "ledger") as yantai, stack.client(B, "ledger") as qingdao:
        for case_id in cases:
            async def archived(case_id: str = case_id) -> bool:
                body = (await yantai.get(f"/cases/{case_id}/timeline")).json()
                return bool(body.get("archived"))

            async def completed_at_qingdao(case_id: str = case_id) -> bool:
                body = (await qingdao.get(f"/cases/{case_id}/timeline")).json()
                return "case_completed" in [e["event"] for e in body.get("timeline", [])]

            await eventually(archived)
            await eventually(completed_at_qingdao)
    return cases


@pytest.fixture
async def run(nats_server: LocalNatsServer, store_overrides: dict[str, Any], clock: FakeClock
              ) -> AsyncIterator[tuple[Stack, list[str], dict[str, Any]]]:
    stack = Stack(settings_factory(nats_server, store_overrides))
    await stack.start([A, B], ["intake", "routing", "approval", "delivery", "ledger"], clock)
    try:
        yield stack, await run_cases(stack, clock), store_overrides
    finally:
        await stack.stop()


def ledger_cli(store: dict[str, Any], *args: str) -> Any:
    env = {f"TB_LEDGER_{k.upper()}": str(v) for k, v in store.items() if k != "data_dir"}
    return CliRunner().invoke(app, ["ledger", *args, "--data-dir", str(store["data_dir"])],
                              env=env)


async def every_other_path(stack: Stack) -> None:
    """A paper licence collected at the window and rated badly, and a denial."""
    async with (stack.client(A, "intake") as intake, stack.client(B, "approval") as approval,
                stack.client(B, "delivery") as qingdao, stack.client(A, "delivery") as yantai):
        paper = await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG, "pickup_at_window")
        await approve(approval, paper, "370202600123458")
        steps = [(qingdao, "mailings", MAILROOM, {"recipient": "window", "carrier": "中国邮政EMS",
                                                  "tracking_number": "1187654329931"}),
                 (yantai, "arrival", CLERK, {"tracking_number": "1187654329931"}),
                 (yantai, "pickup", CLERK, {"id_number": WANG_QIANG["id_number"]})]
        for client, path, staff, body in steps:  # each once the step before it is known there
            async def done(client: Any = client, path: str = path, staff: Any = staff,
                           body: Any = body) -> bool:
                response = await client.post(f"/cases/{paper}/{path}", headers=staff, json=body)
                return response.status_code == 200
            await eventually(done)
        number = (await yantai.get(f"/cases/{paper}")).json()["case_number"]

        async def completed() -> bool:
            return (await intake.get(f"/cases/{paper}")).json()["status"] == "completed"
        await eventually(completed)
        query_code = await receipt_query_code(intake, paper)
        async def rated() -> bool:  # once delivery learned that the case ended
            response = await yantai.post("/ratings", json={
                "case_number": number, "id_number": WANG_QIANG["id_number"],
                "query_code": query_code, "scope": "matter",
                "window_level": 4, "department_level": 5, "comment": "等了太久"})
            return response.status_code == 201
        await eventually(rated)
        denied = await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG)
        async def claimed() -> bool:
            response = await approval.post(f"/cases/{denied}/claim", headers=APPROVER)
            return response.status_code == 200
        await eventually(claimed)
        response = await approval.post(f"/cases/{denied}/deny", headers=APPROVER,
                                       json={"reasons": ["新经营场所位于规划禁止区域"]})
        assert response.status_code == 200, response.text
    async with stack.client(A, "ledger") as ledger:
        async def settled() -> bool:
            rows = (await ledger.get("/audit/cases")).json()
            return len(rows) == 4 and all(r["status"] == "completed" for r in rows)
        await eventually(settled)


async def test_after_real_cases_both_ledgers_verify_intact_and_rebuild_to_the_same_digests(
    run: tuple[Stack, list[str], dict[str, Any]],
) -> None:
    stack, _, store = run
    await every_other_path(stack)
    await stack.stop()
    for site in (A, B):
        verified = ledger_cli(store, "verify", "--site", site)
        assert verified.exit_code == 0, verified.output
        assert verified.output.startswith("intact: ")
        rebuilt = ledger_cli(store, "rebuild", "--site", site)
        assert rebuilt.exit_code == 0, rebuilt.output
        assert "equal" in rebuilt.output and "≠" not in rebuilt.output
        for name in ("timeline", "work_ledger", "custody", "legs", "ratings"):
            assert name in rebuilt.output


def stored_entries(data_dir: Path) -> list[tuple[bytes, int, dict[str, Any]]]:
    with sqlite3.connect(data_dir / A / "ledger.sqlite3") as db:
        rows = db.execute("SELECT originator_id, originator_version, state FROM stored_events "
                          "WHERE topic = 'ledger.event_observed.v1'").fetchall()
    return [(r[0], r[1], json.loads(r[2])) for r in rows]


def followed_in_its_chain(entries: list[tuple[bytes, int, dict[str, Any]]]
                          ) -> tuple[bytes, int, dict[str, Any]]:
    """An entry that a later one of its chain links to: its loss breaks a link. (A chain's
    last event going missing is proven against the streams: `verify --against-streams`.)"""
    followed = {e["seal"].get("Tb-Prev") for _, _, e in entries}
    return next(x for x in entries[9:] if x[2]["seal"].get("Tb-Hash") in followed)


def overwrite(data_dir: Path, originator: bytes, version: int, state: dict[str, Any]) -> None:
    with sqlite3.connect(data_dir / A / "ledger.sqlite3") as db:
        db.execute("UPDATE stored_events SET state = ? WHERE originator_id = ? AND "
                   "originator_version = ?", (json.dumps(state, ensure_ascii=False).encode(),
                                              originator, version))


@pytest.mark.parametrize("store_overrides", ["sqlite"], indirect=True)
async def test_one_changed_byte_and_one_forged_signature_are_each_found_and_named(
    run: tuple[Stack, list[str], dict[str, Any]],
) -> None:
    stack, _, store = run
    await stack.stop()
    data_dir = store["data_dir"]
    originator, version, entry = stored_entries(data_dir)[5]
    observed = json.loads(entry["observed_json"])
    tampered = dict(entry, observed_json=entry["observed_json"].replace(
        f'"version":{observed["version"]}', f'"version":{observed["version"] + 1}', 1))
    assert sum(a != b for a, b in zip(tampered["observed_json"], entry["observed_json"],
                                      strict=True)) == 1
    overwrite(data_dir, originator, version, tampered)
    broken = ledger_cli(store, "verify", "--site", A)
    assert broken.exit_code == 1
    assert f"BROKEN at event {observed['event_id']}" in broken.output
    assert "hash mismatch" in broken.output

    overwrite(data_dir, originator, version, entry)
    assert ledger_cli(store, "verify", "--site", A).exit_code == 0
    originator, version, entry = stored_entries(data_dir)[9]
    forged = dict(entry, seal={**entry["seal"], "Tb-Signature": base64.b64encode(
        bytes(64)).decode()})
    overwrite(data_dir, originator, version, forged)
    broken = ledger_cli(store, "verify", "--site", A)
    assert broken.exit_code == 1 and "bad signature" in broken.output
    assert json.loads(entry["observed_json"])["event_id"] in broken.output

    overwrite(data_dir, originator, version, entry)
    originator, version, entry = stored_entries(data_dir)[7]
    unparseable = json.dumps(entry, ensure_ascii=False).encode().replace(b'"seal"', b'"seal', 1)
    with sqlite3.connect(data_dir / A / "ledger.sqlite3") as db:  # one byte gone: not JSON
        db.execute("UPDATE stored_events SET state = ? WHERE originator_id = ? AND "
                   "originator_version = ?", (unparseable, originator, version))
    broken = ledger_cli(store, "verify", "--site", A)
    assert broken.exit_code == 1 and "unreadable stored record" in broken.output
    assert f"BROKEN at event {json.loads(entry['observed_json'])['event_id']}" in broken.output
    assert str(UUID(originator)) in broken.output  # the case, by the ledger's file of it

    overwrite(data_dir, originator, version, entry)
    originator, version, _ = followed_in_its_chain(stored_entries(data_dir))
    with sqlite3.connect(data_dir / A / "ledger.sqlite3") as db:  # an event goes missing
        db.execute("DELETE FROM stored_events WHERE originator_id = ? AND originator_version = ?",
                   (originator, version))
    broken = ledger_cli(store, "verify", "--site", A)
    assert broken.exit_code == 1 and "broken link" in broken.output


@pytest.mark.parametrize("store_overrides", ["sqlite"], indirect=True)
async def test_a_chain_end_cut_off_or_an_event_moved_is_proven_against_the_streams(
    run: tuple[Stack, list[str], dict[str, Any]], nats_server: LocalNatsServer,
) -> None:
    """No later event links to a case's 办结 (case_completed): verify alone cannot miss it,
    the streams it was published on can."""
    stack, _, store = run
    await stack.stop()
    data_dir = store["data_dir"]

    def verify(*witness: str) -> Any:  # in a thread: the CLI runs its own event loop
        return ledger_cli(store, "verify", "--site", A, *witness)
    against = ("--against-streams", "--nats-url", nats_server.url)
    whole = await asyncio.to_thread(verify, *against)
    assert whole.exit_code == 0 and "witnessed: the " in whole.output, whole.output

    originator, version, entry = next(e for e in stored_entries(data_dir)
                                      if e[2]["observed_type"] == "intake.case_completed.v1")
    event_id, seq = json.loads(entry["observed_json"])["event_id"], entry["stream_seq"]
    overwrite(data_dir, originator, version, dict(entry, stream_seq=seq + 100))
    assert verify().exit_code == 0
    moved = await asyncio.to_thread(verify, *against)
    assert moved.exit_code == 1
    assert f"MISSING event {event_id}" in moved.output
    assert f"TB_{A} #{seq} holds it, the ledger records it at TB_{A} #{seq + 100}" in moved.output

    with sqlite3.connect(data_dir / A / "ledger.sqlite3") as db:  # the chain's end cut off
        db.execute("DELETE FROM stored_events WHERE originator_id = ? AND originator_version = ?",
                   (originator, version))
    assert verify().exit_code == 0
    cut = await asyncio.to_thread(verify, *against)
    assert cut.exit_code == 1
    assert f"MISSING event {event_id}" in cut.output
    assert f"TB_{A} #{seq} holds it, the ledger does not" in cut.output
    assert "1 of " in cut.output


@pytest.mark.parametrize("store_overrides", ["sqlite"], indirect=True)
async def test_the_work_ledger_opens_in_a_spreadsheet_with_one_row_per_case(
    run: tuple[Stack, list[str], dict[str, Any]],
) -> None:
    stack, cases, _ = run
    async with stack.client(A, "ledger") as ledger:
        async def both_listed() -> list[dict[str, Any]] | None:
            rows = (await ledger.get("/audit/cases", params={"site": B})).json()
            return rows if len(rows) == 2 else None
        listed = await eventually(both_listed)
        book = openpyxl.load_workbook(io.BytesIO(
            (await ledger.get("/audit/work-ledger.xlsx")).content))
        csv_text = (await ledger.get("/audit/work-ledger.csv")).content.decode("utf-8-sig")
        none_overdue = (await ledger.get("/audit/cases", params={"overdue": True})).json()
        legs = (await ledger.get("/audit/legs")).json()
    sheet = book["工作台账"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == ("办件编号", "申请人", "事项名称", "受理地")
    assert len(rows) == 2 + len(cases)
    by_number = {r[0]: r for r in rows[2:]}
    for row in listed:
        cells = by_number[row["case_number"]]
        assert cells[1] == "王* 3****************3" and "370602198803141233" not in str(cells)
        assert (cells[2], cells[3], cells[4]) == ("个体工商户变更登记", A, B)
        assert (cells[5], cells[9], cells[12], cells[13]) == (
            "青岛市市南区市场监督管理局", "准予", "已办结", "按时")
    assert csv_text.splitlines()[0].startswith("办件编号,申请人,事项名称")
    assert none_overdue == []
    review = next(r for r in legs if r["leg"] == "review")
    assert (review["site"], review["unit"], review["cases"]) == (B, "青岛市市南区市场监督管理局", 2)


@pytest.mark.parametrize("store_overrides", ["sqlite"], indirect=True)
async def test_personal_data_is_read_unmasked_only_by_an_auditor_and_the_read_is_recorded(
    run: tuple[Stack, list[str], dict[str, Any]],
) -> None:
    stack, cases, _ = run
    path = f"/audit/cases/{cases[0]}/applicant"
    async with stack.client(A, "ledger") as ledger:
        clerk = staff("370671-W01", "window")
        refused = await ledger.post(path, params={"reason": "想看看"}, headers=clerk)
        assert refused.status_code == 403
        read = await ledger.post(path, params={"reason": "核查投诉所涉办件"}, headers=AUDITOR)
        assert read.json()["applicant"]["id_number"] == "370602198803141233"

        async def logged() -> list[dict[str, Any]]:
            return (await ledger.get("/audit/personal-data-reads")).json()

        [entry] = await eventually(logged)
        timeline = (await ledger.get(f"/cases/{cases[0]}/timeline")).json()["timeline"]
    assert (entry["reader"], entry["reason"]) == ("370671-AU01", "核查投诉所涉办件")
    assert "applicant.id_number" in entry["fields"]
    assert all("370602198803141233" not in json.dumps(e, ensure_ascii=False) for e in timeline)


@pytest.mark.parametrize("store_overrides", ["sqlite"], indirect=True)
async def test_the_state_of_a_case_as_of_a_past_moment(
    run: tuple[Stack, list[str], dict[str, Any]], clock: FakeClock,
) -> None:
    stack, cases, _ = run
    async with stack.client(A, "ledger") as ledger:
        before = (clock.now - timedelta(hours=2) + timedelta(minutes=30)).isoformat()
        then = (await ledger.get(f"/cases/{cases[0]}/state", params={"at": before})).json()
        now = (await ledger.get(f"/cases/{cases[0]}/state",
                                params={"at": clock.now.isoformat()})).json()
    assert then["work_ledger"]["status"] == "accepted" and then["events"] < now["events"]
    assert now["work_ledger"]["status"] == "completed"


@pytest.mark.parametrize("store_overrides", ["sqlite"], indirect=True)
async def test_an_event_sealed_with_a_retired_key_is_refused_after_its_validity(
    run: tuple[Stack, list[str], dict[str, Any]],
) -> None:
    stack, _, _ = run
    js = stack.host(A, "routing").js
    gateway = next(c for c in stack.host(A, "routing").consumers if c.name == "routing-gateway")
    before = gateway.dead_lettered
    retired = "370202-2025"
    for signed_at, case_id in (("2026-11-26T01:30:00+00:00", UUID(int=1)),
                               ("2025-06-30T01:30:00+00:00", UUID(int=2))):
        event = sample("delivery.result_pushed_online.v1", case_id, acting_site=B)
        sealer = HandSealer()
        sealer_at = sealer.headers(event, chain=f"{B}>{A}", key_id=retired, at=signed_at)
        await stack.host(B, "routing").js.publish(  # as Qingdao, which may send to Yantai
            inbox_subject(A, event), event.model_dump_json().encode(), headers=sealer_at)
    await eventually(lambda: gateway.dead_lettered == before + 2)
    reasons = [letter.reason for letter in (await DeadLetters(js, A).read_all())[-2:]]
    assert reasons[0].startswith("seal broken: key 370202-2025 not valid at 2026-11-26")
    assert reasons[1].startswith("refused:")  # the seal held: refused for another reason


@pytest.mark.parametrize("store_overrides", ["sqlite"], indirect=True)
async def test_a_lost_ledger_store_is_refilled_from_the_streams_with_the_same_projections(
    run: tuple[Stack, list[str], dict[str, Any]], nats_server: LocalNatsServer,
) -> None:
    stack, _, store = run
    host = stack.host(A, "ledger")
    streams = (own_stream(A), admitted_stream(A))

    async def caught_up() -> bool:
        last = [(await host.js.stream_info(s)).state.last_seq for s in streams]
        return all(host.store.position(s) >= n for s, n in zip(streams, last, strict=True))

    await eventually(caught_up)
    async with stack.client(A, "ledger") as ledger:
        before = (await ledger.get("/audit/digests")).json()
    await host.stop()
    del stack.hosts[f"{A}/ledger"]
    for lost in (store["data_dir"] / A).glob("ledger*.sqlite3"):
        lost.unlink()

    refilled = await asyncio.to_thread(  # the command runs its own event loop
        ledger_cli, store, "rebuild", "--site", A, "--from-streams", "--nats-url", nats_server.url)
    assert refilled.exit_code == 0, refilled.output
    assert "refilled the store from" in refilled.output
    for name in ("timeline", "work_ledger", "custody", "legs", "ratings", "personal_data_reads"):
        line = next(x for x in refilled.output.splitlines() if x.startswith(name + " "))
        assert line.split()[2] == before[name][:16], f"{name} differs after the refill"
    verified = ledger_cli(store, "verify", "--site", A)  # not a terminal: no bar
    assert verified.output.startswith("intact: ") and "verifying" not in verified.output

    # At a terminal the operator sees how far it has come, unless told --quiet.
    env = {f"TB_LEDGER_{k.upper()}": str(v) for k, v in store.items() if k != "data_dir"}
    where = ("--site", A, "--data-dir", str(store["data_dir"]))
    status, shown = await asyncio.to_thread(at_a_terminal, "ledger", "verify", *where, env=env)
    assert status == 0 and "intact: " in shown
    bar = re.search(r"verifying seals and links\S*\s.*?(\d+)/(\d+)\s+100%", shown)
    assert bar and bar[1] == bar[2] != "0", shown
    status, shown = await asyncio.to_thread(at_a_terminal, "ledger", "rebuild", "--quiet",
                                            *where, env=env)
    assert status == 0 and "equal:" in shown
    assert "replaying the log" not in shown and "100%" not in shown


@pytest.mark.parametrize("store_overrides", ["sqlite"], indirect=True)
async def test_a_case_message_sent_again_after_a_restart_is_dropped_and_verify_stays_intact(
    run: tuple[Stack, list[str], dict[str, Any]], clock: FakeClock,
) -> None:
    """Anyone who can publish on Yantai's stream re-sends the case's last event, sealed as it
    was, under a new message id, after the ledger restarted and forgot the chain heads."""
    stack, cases, store = run
    ledger = stack.host(A, "ledger")
    last = await ledger.js.get_last_msg(own_stream(A), f"tb.{A}.intake.>")
    async with stack.client(A, "ledger") as client:
        before = (await client.get(f"/cases/{cases[-1]}/timeline")).json()["timeline"]
    await ledger.stop()
    await stack.start([A], ["ledger"], clock)
    restarted = stack.host(A, "ledger")
    headers = {k: v for k, v in (last.headers or {}).items() if k != "Nats-Msg-Id"}
    replay = await stack.host(A, "intake").js.publish(last.subject, last.data,
                                        headers={**headers, "Nats-Msg-Id": "replay-1"})
    assert not replay.duplicate  # the stream keeps it: the ledger is the one to drop it
    [on_site] = [c for c in restarted.consumers if c.stream == own_stream(A)]
    await eventually(lambda: on_site.duplicates == 1)
    async with stack.client(A, "ledger") as client:
        after = (await client.get(f"/cases/{cases[-1]}/timeline")).json()["timeline"]
    assert after == before
    assert await DeadLetters(restarted.js, A).read_all() == []
    await stack.stop()
    verified = ledger_cli(store, "verify", "--site", A)
    assert verified.exit_code == 0, verified.output
