"""Personal data at rest, read as raw bytes: two sites on a real nats-server take cases through
their whole life — 𠮷野家 (a name outside the Basic Multilingual Plane) with an ID-card scan,
mailed home and rating the department badly; a company present through its agent — while a
hostile message, a re-sent message with a broken seal, and a message that keeps failing its
handler go to the dead letters. Afterwards no ID number, name, phone or address is anywhere on
disk or in the logs in the clear: not in any service's SQLite file, the vault, the JetStream
store (every stream, the dead letters and the object store of files) or what was logged."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nats
import psycopg
import pytest
from structlog.testing import capture_logs

from contracts.identity import Person, resident_id_check_digit
from contracts.intake import CaseOpened
from contracts.subjects import own_stream
from services.runtime.consumer import Delivery, Effect, RetryPolicy, TrackedConsumer
from services.runtime.dead_letters import DeadLetters
from services.runtime.nats_server import LocalNatsServer
from services.runtime.store import CaseStore
from tests.faults.hostile import kinds
from tests.support.applicant import receipt_query_code
from tests.support.clock import FakeClock
from tests.support.postgres import PostgresCluster
from tests.support.sealing import HandSealer
from tests.support.stack import (
    APPROVER,
    GT_CHANGE,
    WINDOW_CLERK,
    Stack,
    accept_with_every_material,
    approve,
    eventually,
    settings_factory,
)
from tests.support.staff import staff

A, B = "370671", "370202"
MAILROOM = staff("370202-D02", "delivery")


def resident(first17: str) -> str:
    return first17 + resident_id_check_digit(first17)


YOSHINOYA = {"kind": "person", "name": "𠮷野家", "id_number": resident("37020219790521004"),
             "phone": "13953288017"}
HOME = "山东省青岛市市南区香港中路76号颐和国际A座1808室"
AGENT = {"name": "欧阳明远", "id_number": resident("37068719850612731"),
         "phone": "13606391188", "mandate_number": "WT20261126-0088"}
BREWERY = {"kind": "company", "name": "青岛海湾精酿啤酒有限公司", "credit_code": "913706027654032157",
           "legal_representative": "司马秀英", "representative_id_number": resident(
               "37020219680317552"), "phone": "0532-82891234", "agent": AGENT}
SECRETS = {
    "applicant's ID number": YOSHINOYA["id_number"], "applicant's name": YOSHINOYA["name"],
    "applicant's phone": YOSHINOYA["phone"], "home address": HOME,
    "representative's name": BREWERY["legal_representative"],
    "representative's ID number": BREWERY["representative_id_number"],
    "agent's name": AGENT["name"], "agent's ID number": AGENT["id_number"],
    "agent's phone": AGENT["phone"],
}
ID_CARD_SCAN = (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n"
                + f"居民身份证 姓名 {YOSHINOYA['name']} 公民身份号码 {YOSHINOYA['id_number']}".encode()
                + b"\n%%EOF\n")


def needles() -> dict[str, list[bytes]]:
    """Each value as UTF-8, and as JSON writes it with \\u escapes (both cases of hex)."""
    found: dict[str, list[bytes]] = {}
    for label, value in SECRETS.items():
        escaped = json.dumps(value).strip('"')
        found[label] = list(dict.fromkeys([value.encode(), escaped.encode(),
                                           escaped.upper().replace("\\U", "\\u").encode()]))
    return found


def leaks_in(blob: bytes, where: str) -> list[str]:
    return [f"{label} in {where}" for label, forms in needles().items()
            if any(form in blob for form in forms)]


@pytest.fixture
async def sites(nats_server: LocalNatsServer, store_overrides: dict[str, Any],
                clock: FakeClock) -> AsyncIterator[Stack]:
    stack = Stack(settings_factory(nats_server, store_overrides))
    await stack.start([A], ["intake", "routing", "delivery", "ledger"], clock)
    await stack.start([B], ["routing", "approval", "delivery", "ledger"], clock)
    yield stack
    await stack.stop()


async def yoshinoya_mailed_home_and_rated(stack: Stack) -> str:
    """𠮷野家 changes her licence at the Yantai window with a scan of her ID card; Qingdao
    approves and mails the licence home, she signs for it and rates the department badly."""
    async with stack.client(A, "intake") as intake, stack.client(B, "approval") as approval:
        opened = await intake.post("/cases", headers=WINDOW_CLERK, json={
            "matter_code": GT_CHANGE, "applicant": YOSHINOYA,
            "delivery_channel": "mail_to_applicant"})
        assert opened.status_code == 201, opened.text
        case_id = str(opened.json()["case_id"])
        scan = await intake.post(f"/cases/{case_id}/files", headers=WINDOW_CLERK,
                                 data={"material_code": "M02", "pages": "2"},
                                 files={"file": ("身份证.pdf", ID_CARD_SCAN, "application/pdf")})
        assert scan.status_code == 200, scan.text
        await accept_with_every_material(intake, case_id)
        await approve(approval, case_id)
        query_code = await receipt_query_code(intake, case_id)
        progress = await intake.get("/progress", params={  # her ID in the query string
            "case_number": opened.json()["case_number"], "id_number": YOSHINOYA["id_number"],
            "query_code": query_code})
        assert progress.status_code == 200, progress.text
    async with stack.client(B, "delivery") as qingdao:
        async def issued() -> bool:
            body = (await qingdao.get(f"/cases/{case_id}")).json()
            return bool(body.get("result"))
        await eventually(issued)
        mailed = await qingdao.post(f"/cases/{case_id}/mailings", headers=MAILROOM, json={
            "recipient": "applicant", "carrier": "顺丰速运", "tracking_number": "SF1400012377777",
            "address": HOME})
        assert mailed.status_code == 200, mailed.text
        signed = await qingdao.post(f"/cases/{case_id}/mailings/SF1400012377777/delivered",
                                    headers=MAILROOM, json={"signed_by": YOSHINOYA["name"]})
        assert signed.status_code == 200, signed.text
    async with stack.client(B, "routing") as qingdao:
        read = await qingdao.get(f"/cases/{case_id}/files/"
                                 f"{hashlib.sha256(ID_CARD_SCAN).hexdigest()}", headers=APPROVER)
    assert read.content == ID_CARD_SCAN  # Qingdao reads the scan through its own vault
    async with stack.client(A, "intake") as intake:
        async def completed() -> bool:
            return (await intake.get(f"/cases/{case_id}")).json()["status"] == "completed"
        await eventually(completed)
    async with stack.client(A, "delivery") as yantai, stack.client(B, "delivery") as qingdao:
        async def ended() -> bool:
            return (await yantai.get(f"/cases/{case_id}")).json().get("ended_on") is not None
        await eventually(ended)
        rated = await yantai.post("/ratings", json={
            "case_number": opened.json()["case_number"], "id_number": YOSHINOYA["id_number"],
            "query_code": query_code, "scope": "matter", "window_level": 1,
            "department_level": 5, "comment": "邮寄太慢"})
        assert rated.status_code == 201, rated.text
        reviews = await eventually(
            lambda: _json(qingdao.get("/reviews", headers=APPROVER)))
        review = (await qingdao.get(f"/cases/{case_id}/reviews/{reviews[0]['rating_id']}",
                                    headers=APPROVER)).json()
    assert review["evaluator"]["name"] == YOSHINOYA["name"]  # the owner still reads her
    return case_id


async def _json(response: Any) -> Any:
    return (await response).json()


async def brewery_through_its_agent(stack: Stack) -> str:
    async with stack.client(A, "intake") as intake:
        opened = await intake.post("/cases", headers=WINDOW_CLERK, json={
            "matter_code": GT_CHANGE, "applicant": BREWERY})
        assert opened.status_code == 201, opened.text
        case_id = str(opened.json()["case_id"])
        case = (await intake.get(f"/cases/{case_id}")).json()
        items = [{"material_code": m["material_code"], "pages": 1}
                 for m in case["materials"] if m["state"] != "not_required"]
        for path, body in [("materials", {"items": items}), ("identity", {"subject": "agent"}),
                           ("accept", None)]:
            response = await intake.post(f"/cases/{case_id}/{path}", headers=WINDOW_CLERK,
                                         json=body)
            assert response.status_code == 200, response.text
        refused = await intake.post("/cases", headers=WINDOW_CLERK, json={
            "matter_code": "999999XX0000", "applicant": YOSHINOYA})  # refused with her data
        assert refused.status_code == 422
    return case_id


async def dead_letters(stack: Stack, case_id: str, server: LocalNatsServer) -> None:
    """A hostile message; her opening sent again under a broken seal; and her opening read by
    a consumer whose handler keeps failing with her name and number in its error."""
    host = stack.host(A, "ledger")
    nc = await nats.connect(server.url)  # the tests' own user, who may publish anything
    js = nc.jetstream()
    opening = await js.get_msg(own_stream(A), 1)  # her case's opening, the first event
    assert case_id in (opening.data or b"").decode()
    headers = {**(opening.headers or {}), "Tb-Signature": "A" * 86 + "==",
               "Nats-Msg-Id": f"resent-{case_id}"}
    await js.publish(f"tb.{A}.intake.case_opened.v1", opening.data or b"", headers=headers)
    hostile = kinds(A, HandSealer())["wrong schema"]()
    await js.publish(hostile.subject, hostile.data, headers=hostile.headers)

    def looks_her_up(delivery: Delivery) -> Effect:
        applicant = getattr(delivery.event, "applicant", None)
        if not isinstance(delivery.event, CaseOpened) or not isinstance(applicant, Person):
            return Effect()
        raise LookupError(f"{applicant.name}（{applicant.id_number}，{applicant.phone}）不在人口库")

    store = CaseStore("population_check", host.settings)
    probe = TrackedConsumer(
        name="population-check", site=A, store=store, js=js, stream=own_stream(A),
        subject=f"tb.{A}.intake.case_opened.v1", handler=looks_her_up,
        dead_letters=DeadLetters(js, A), lock=asyncio.Lock(), verifier=host.verifier,
        retry=RetryPolicy(initial_seconds=0.01, max_seconds=0.02, attempts=3),
        clock=host.clock)
    task = asyncio.create_task(probe.run())
    try:
        await eventually(lambda: probe.dead_lettered >= 3)
    finally:
        probe.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        store.close()
    letters = await DeadLetters(js, A).read_all()
    reasons = " ".join(d.reason for d in letters)
    await nc.close()
    assert "kept failing" in reasons and "seal broken" in reasons and "unreadable" in reasons


async def test_no_id_number_name_phone_or_address_is_on_disk_or_in_the_logs_in_the_clear(
    sites: Stack, nats_server: LocalNatsServer, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str], store_overrides: dict[str, Any],
    request: pytest.FixtureRequest,
) -> None:
    """On SQLite every file of the stores and the vault; on PostgreSQL every file of the
    cluster (tables, indexes, the WAL) after a checkpoint; and on both the JetStream store."""
    caplog.set_level(logging.INFO)
    # the test's own client writes its URLs at INFO; a service's does not (configure_logging)
    caplog.set_level(logging.WARNING, logger="httpx")
    with capture_logs() as logs:
        case_id = await yoshinoya_mailed_home_and_rated(sites)
        await brewery_through_its_agent(sites)
        await dead_letters(sites, case_id, nats_server)
        await eventually(lambda: _settled(sites))
        await sites.stop()
    sites.hosts.clear()
    found: list[str] = []
    for path in sorted(p for p in tmp_path.rglob("*") if p.is_file()):
        found += leaks_in(path.read_bytes(), str(path.relative_to(tmp_path)))
    if store_overrides["store"] == "postgres":
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        with psycopg.connect(host="127.0.0.1", port=cluster.port, user=cluster.user,
                             dbname=store_overrides["postgres_dbname"], autocommit=True) as db:
            db.execute("CHECKPOINT")  # every table's pages written to their files
        files = [p for p in (cluster.root / "data").rglob("*") if p.is_file()]
        assert any("pg_wal" in p.parts for p in files) and len(files) > 100
        for path in files:
            try:
                kept = path.read_bytes()
            except FileNotFoundError:
                continue  # the server drops a cache file (pg_internal.init) while it runs
            found += leaks_in(kept, f"postgres/{path.relative_to(cluster.root)}")
    written = "\n".join(json.dumps(entry, ensure_ascii=False, default=repr) for entry in logs)
    escaped = "\n".join(json.dumps(entry, default=repr) for entry in logs)
    found += leaks_in(written.encode() + escaped.encode(), "structlog")
    found += leaks_in(caplog.text.encode(), "stdlib logging")
    out, err = capsys.readouterr()
    found += leaks_in((out + err).encode(), "stdout/stderr")
    assert not found, "\n".join(found)
    assert (tmp_path / "nats").is_dir()
    assert bool(list((tmp_path / "data").rglob("*.sqlite3"))) == (
        store_overrides["store"] == "sqlite")


def _settled(stack: Stack) -> bool:
    """Every consumer of both sites caught up with what was published."""
    return all(not c.stall for h in stack.hosts.values() for c in h.consumers) and all(
        h.relay is None or h.relay.position >= 0 for h in stack.hosts.values())

