"""Retention by crypto-shredding (issue 18): when a case's personal-data retention runs out —
completed, denied or not accepted — every site that holds its keys destroys them and records
it; an admin may erase early with the written legal basis. Afterwards the views, documents and
the auditor's unmasked read say 已销毁, the stored bytes open with nothing the site holds, and
the ledgers still verify intact and rebuild to the same digests."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from typer.testing import CliRunner

from services.directory.loader import load_directory
from services.runtime.host import ServiceHost
from services.runtime.nats_server import LocalNatsServer
from tests.support.clock import FakeClock
from tests.support.stack import (
    APPROVER,
    GT_CHANGE,
    WINDOW_CLERK,
    Stack,
    approve,
    eventually,
    periodic_job,
    settings_factory,
    take_in_and_accept,
    turn_away,
)
from tests.support.staff import staff
from tongban.cli import app

A, B = "370671", "370202"
ADMIN = staff("370671-ADM1", "admin")
AUDITOR = staff("370671-AU01", "auditor")
# 刘海燕 of Yantai changes her shop's address; 赵志刚 applies for the same and is denied;
# 孙丽 applied at the wrong window.
LIU_HAIYAN = {"kind": "person", "name": "刘海燕", "id_number": "370602197905180028",
              "phone": "13953528816"}
ZHAO_ZHIGANG = {"kind": "person", "name": "赵志刚", "id_number": "370602198212074518",
                "phone": "15066381207"}
SUN_LI = {"kind": "person", "name": "孙丽", "id_number": "370602199101233023",
          "phone": "18653572093"}
NAMES = ("刘海燕", "赵志刚", "孙丽")
RETENTION_JOB = "routing-personal-data-retention"

pytestmark = pytest.mark.parametrize("store_overrides", ["sqlite"], indirect=True)


@pytest.fixture
async def stack(nats_server: LocalNatsServer, store_overrides: dict[str, Any],
                clock: FakeClock) -> AsyncIterator[Stack]:
    stack = Stack(settings_factory(nats_server, store_overrides))
    await stack.start([A, B], ["intake", "routing", "approval", "delivery", "ledger"], clock)
    try:
        yield stack
    finally:
        await stack.stop()


async def completed(stack: Stack, applicant: dict[str, Any]) -> str:
    async with stack.client(A, "intake") as intake, stack.client(B, "approval") as approval:
        case_id = await take_in_and_accept(intake, GT_CHANGE, applicant)
        await approve(approval, case_id)
    return case_id


async def denied(stack: Stack, applicant: dict[str, Any]) -> str:
    async with stack.client(A, "intake") as intake, stack.client(B, "approval") as approval:
        case_id = await take_in_and_accept(intake, GT_CHANGE, applicant)

        async def claimed() -> bool:
            response = await approval.post(f"/cases/{case_id}/claim", headers=APPROVER)
            return response.status_code == 200

        await eventually(claimed)
        response = await approval.post(f"/cases/{case_id}/deny", headers=APPROVER,
                                       json={"reasons": ["新经营场所位于规划禁止区域"]})
        assert response.status_code == 200, response.text
    return case_id


async def not_accepted(stack: Stack, applicant: dict[str, Any]) -> str:
    async with stack.client(A, "intake") as intake:
        return await turn_away(intake, GT_CHANGE, applicant)


def kept(host: ServiceHost) -> set[str]:
    """The cases whose personal data routing at this site keeps until a day."""
    with sqlite3.connect(host.settings.data_dir / host.site / "routing.sqlite3") as db:
        return {r[0] for r in db.execute(
            f"SELECT case_id FROM routing_{host.site}_personal_data_kept")}


def key_rows(data_dir: Path, site: str) -> list[tuple[str, str]]:
    with sqlite3.connect(data_dir / site / "personal_keys.sqlite3") as db:
        return db.execute(f"SELECT case_id, owner FROM personal_keys_{site}").fetchall()


def envelopes(data_dir: Path, site: str, service: str, case_id: str) -> list[tuple[str, dict]]:
    """(field, envelope) of every sealed field of the case stored at this service."""
    with sqlite3.connect(data_dir / site / f"{service}.sqlite3") as db:
        states = [r[0] for r in db.execute(
            "SELECT state FROM stored_events WHERE originator_id = ?",
            (UUID(case_id).hex,)).fetchall() or db.execute(
            "SELECT state FROM stored_events WHERE originator_id = ?", (case_id,)).fetchall()]
    found = []
    for state in states:
        for name, value in json.loads(state).items():
            if isinstance(value, dict) and value.get("sealed") == "tb-pd1":
                found.append((name, value))
    return found


def opens_with_nothing_held(stack: Stack, site: str, service: str, case_id: str) -> None:
    """No key of the case is left, and no key the site still holds opens its stored bytes."""
    host = stack.host(site, "routing")
    data_dir = host.settings.data_dir
    rows = key_rows(data_dir, site)
    assert all(c != case_id for c, _ in rows)
    held = [k for c, owner in rows if (k := host.store.vault.get(UUID(c), owner)) is not None]
    sealed = envelopes(data_dir, site, service, case_id)
    assert sealed, f"no sealed field of {case_id} at {site}/{service}"
    for name, envelope in sealed:
        raw = base64.b64decode(envelope["ct"])
        aad = f"tb-pd1|{case_id}|{envelope['site']}|{name}".encode()
        for key in held:
            with pytest.raises(InvalidTag):
                AESGCM(key).decrypt(raw[:12], raw[12:], aad)


async def shredded_everywhere(stack: Stack, cases: dict[str, list[str]]) -> None:
    for site, ids in cases.items():
        vault = stack.host(site, "routing").store.vault
        await eventually(lambda v=vault, ids=ids: all(v.tombstone(UUID(c)) for c in ids))


async def recorded_in_ledger(stack: Stack, site: str, case_id: str) -> list[dict[str, Any]]:
    """The site's own records of shredding the case, as its ledger shows them (a party's
    record, carried here, is in the timeline too)."""
    async with stack.client(site, "ledger") as ledger:
        async def destroyed() -> list[dict[str, Any]]:
            events = (await ledger.get(f"/cases/{case_id}/timeline")).json().get("timeline", [])
            return [e for e in events
                    if e["event"] == "personal_data_destroyed" and e["site"] == site]
        return await eventually(destroyed)


def ledger_cli(stack: Stack, *args: str) -> Any:
    data_dir = stack.host(A, "ledger").settings.data_dir
    return CliRunner().invoke(app, ["ledger", *args, "--data-dir", str(data_dir)])


def verified_and_rebuilt(stack: Stack) -> None:
    for site in (A, B):
        verified = ledger_cli(stack, "verify", "--site", site)
        assert verified.exit_code == 0 and verified.output.startswith("intact: "), verified.output
        rebuilt = ledger_cli(stack, "rebuild", "--site", site)
        assert rebuilt.exit_code == 0, rebuilt.output
        assert "equal" in rebuilt.output and "≠" not in rebuilt.output


async def test_completed_denied_and_not_accepted_cases_are_shredded_at_every_site_after_retention(
    stack: Stack, clock: FakeClock,
) -> None:
    done, refused, turned_away = (await completed(stack, LIU_HAIYAN),
                                  await denied(stack, ZHAO_ZHIGANG),
                                  await not_accepted(stack, SUN_LI))
    routing_a, routing_b = stack.host(A, "routing"), stack.host(B, "routing")
    await eventually(lambda: kept(routing_a) == {done, refused, turned_away})
    await eventually(lambda: kept(routing_b) == {done, refused})
    matter = load_directory().matter(GT_CHANGE)
    assert matter is not None
    days = matter.personal_data_retention_days

    clock.now += timedelta(days=days)  # the last day kept: nothing goes yet
    assert await routing_a.command(periodic_job(routing_a, RETENTION_JOB)) == 0
    clock.now += timedelta(days=1)
    assert await routing_a.command(periodic_job(routing_a, RETENTION_JOB)) == 3
    await routing_b.command(periodic_job(routing_b, RETENTION_JOB))
    await shredded_everywhere(stack, {A: [done, refused, turned_away], B: [done, refused]})

    for case_id in (done, refused, turned_away):
        [record] = await recorded_in_ledger(stack, A, case_id)
        assert record["site"] == A
        opens_with_nothing_held(stack, A, "intake", case_id)
    for case_id in (done, refused):
        await recorded_in_ledger(stack, B, case_id)
        opens_with_nothing_held(stack, B, "approval", case_id)
    async with stack.client(A, "intake") as intake, stack.client(A, "ledger") as ledger, \
            stack.client(B, "approval") as approval:
        for case_id, notice in ((done, "acceptance_notice"), (refused, "acceptance_notice"),
                                (turned_away, "non_acceptance_notice")):
            view = (await intake.get(f"/cases/{case_id}")).json()
            assert view["applicant"] == "已销毁", view
            document = await intake.get(f"/cases/{case_id}/documents/{notice}")
            assert document.status_code == 200, document.text
            assert "已销毁" in document.text
            assert not any(name in document.text for name in NAMES)
            read = await ledger.post(f"/audit/cases/{case_id}/applicant",
                                     params={"reason": "核查销毁是否到位"}, headers=AUDITOR)
            assert read.status_code == 200, read.text
            assert set(read.json()["applicant"].values()) == {"已销毁"}
        work = (await ledger.get("/audit/cases")).json()
        assert {r["applicant"] for r in work} == {"已销毁"}
        export = await ledger.get("/audit/work-ledger.csv")
        assert not any(name in export.text for name in NAMES)
        assert (await approval.get(f"/cases/{done}")).status_code == 200
    await stack.stop()
    verified_and_rebuilt(stack)


async def test_an_admin_erases_a_case_early_at_both_sites_on_the_record_and_a_window_clerk_may_not(
    stack: Stack,
) -> None:
    case_id = await completed(stack, LIU_HAIYAN)
    routing_b = stack.host(B, "routing")
    await eventually(lambda: case_id in kept(routing_b))
    path = f"/cases/{case_id}/personal-data/erasure"
    basis = "依据《个人信息保护法》第四十七条，申请人刘海燕书面撤回同意并请求删除"
    async with stack.client(A, "routing") as routing:
        clerk = await routing.post(path, headers=WINDOW_CLERK, json={"legal_basis": basis})
        assert clerk.status_code == 403
        unfounded = await routing.post(path, headers=ADMIN, json={})
        assert unfounded.status_code == 422
        assert unfounded.json()["errors"][0]["field"] == "legal_basis"
        assert "必填" in unfounded.json()["errors"][0]["reason"]
        erased = await routing.post(path, headers=ADMIN, json={"legal_basis": basis})
        assert erased.status_code == 200, erased.text
        assert (erased.json()["basis"], erased.json()["by"]) == ("erasure", "370671-ADM1")
        assert "applicant_identity" in [k["kind"] for k in erased.json()["kinds"]]
        again = await routing.post(path, headers=ADMIN, json={"legal_basis": basis})
        assert again.status_code == 409
    await shredded_everywhere(stack, {A: [case_id], B: [case_id]})
    records = [*await recorded_in_ledger(stack, A, case_id),
               *await recorded_in_ledger(stack, B, case_id)]
    assert {r["site"] for r in records} >= {A, B}
    opens_with_nothing_held(stack, A, "intake", case_id)
    opens_with_nothing_held(stack, B, "approval", case_id)
    async with stack.client(A, "intake") as intake:
        assert (await intake.get(f"/cases/{case_id}")).json()["applicant"] == "已销毁"
    await stack.stop()
    verified_and_rebuilt(stack)
