"""`tongban backup` and `tongban restore`, on both stores: Yantai backed up while it runs,
Qingdao working on Yantai's case afterwards, Yantai's stores and a scan in its file bucket lost
and restored from the backup; started again, it catches up from the streams to the very ledger it had, which
verifies intact, and the case completes. A backup the site has published past, another site's
backup and a damaged one are refused."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import nats
import pytest
from typer.testing import CliRunner

from services.runtime import files
from services.runtime.nats_server import LocalNatsServer, free_port
from services.runtime.settings import SERVICES
from tests.integration.test_files import held, opened, upload
from tests.support.stack import (
    APPROVER,
    GT_CHANGE,
    WANG_QIANG,
    Stack,
    approve,
    eventually,
    nats_login,
    take_in_and_accept,
)
from tongban.cli import app
from tongban.ledger_tools import verify

YANTAI, QINGDAO = "370671", "370202"
SCAN = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + b"7" * 3000 + b"\n%%EOF\n"


def tongban(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def operator_env(monkeypatch: pytest.MonkeyPatch, server: LocalNatsServer,
                 store: dict[str, Any]) -> None:
    """The settings Yantai's services run with, as an operator's shell beside them has them."""
    for service in SERVICES:
        prefix = f"TB_{service.upper()}_"
        login = nats_login(server, YANTAI, service)
        monkeypatch.setenv(prefix + "NATS_USER", login["nats_user"])
        monkeypatch.setenv(prefix + "NATS_PASSWORD", login["nats_password"])
        monkeypatch.setenv(prefix + "HTTP_PORT", str(free_port()))  # nothing listens there
        for key, value in store.items():
            if key != "data_dir":
                monkeypatch.setenv(prefix + key.upper(), str(value))


def wipe(store: dict[str, Any]) -> None:
    """Yantai's stores lost: its SQLite files, or its tables in the shared database."""
    if store["store"] == "sqlite":
        shutil.rmtree(store["data_dir"] / YANTAI)
        return
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=store["postgres_port"],
                         user=store["postgres_user"], dbname=store["postgres_dbname"],
                         autocommit=True) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE tablename LIKE %s OR tablename LIKE %s",
            (f"%\\_{YANTAI}\\_%", f"personal\\_%\\_{YANTAI}")).fetchall()]
        assert any(n.startswith("ledger_") for n in names)
        conn.execute("DROP TABLE " + ", ".join(f'"{n}"' for n in names) + " CASCADE")


async def test_a_site_restored_from_a_backup_catches_up_to_the_ledger_it_had(
    two_sites: Stack, nats_server: LocalNatsServer, store_overrides: dict[str, Any],
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    operator_env(monkeypatch, nats_server, store_overrides)
    beside = ["--data-dir", str(store_overrides["data_dir"]), "--nats-url", nats_server.address]
    where = ["--site", YANTAI, *beside]
    run, saved = asyncio.to_thread, tmp_path / "backup-370671"

    async with (two_sites.client(YANTAI, "intake") as intake,
                two_sites.client(QINGDAO, "approval") as approval,
                two_sites.client(YANTAI, "ledger") as ledger):
        first = await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG)
        await approve(approval, first)
        second = await take_in_and_accept(intake, GT_CHANGE, {**WANG_QIANG, "name": "王强强"})
        scanned = await opened(intake)
        assert (await upload(intake, scanned, "营业执照.pdf", SCAN, "application/pdf")
                ).status_code == 200

        async def timeline(case_id: str) -> list[str]:
            body = (await ledger.get(f"/cases/{case_id}/timeline")).json()
            return [e["event"] for e in body.get("timeline", [])]

        await eventually(lambda: _archived(timeline, first))
        await eventually(lambda: _has(timeline, second, "case_received"))

        code, said = await run(tongban, "backup", *where, "--out", str(saved))  # while it runs
        assert code == 0, said
        assert f"backed up site {YANTAI}" in said

        # After the backup, only Qingdao acts: it claims the second case.
        claimed = await approval.post(f"/cases/{second}/claim", headers=APPROVER)
        assert claimed.status_code == 200, claimed.text
        await eventually(lambda: _has(timeline, second, "case_claimed"))
        before = (await ledger.get("/audit/digests")).json()

    kept = await held(two_sites, YANTAI)
    await asyncio.gather(*(two_sites.host(YANTAI, s).stop() for s in SERVICES))
    wipe(store_overrides)
    await lose_the_files(nats_server)
    code, said = await run(tongban, "restore", *where, "--from", str(saved))
    assert code == 0, said
    await two_sites.start([YANTAI])

    async with (two_sites.client(YANTAI, "intake") as intake,
                two_sites.client(QINGDAO, "approval") as approval,
                two_sites.client(YANTAI, "ledger") as ledger):
        async def caught_up() -> bool:
            return (await ledger.get("/audit/digests")).json() == before

        await eventually(caught_up)
        assert await held(two_sites, YANTAI) == kept and SCAN in kept.values()
        report, _ = await run(verify, two_sites.settings_for("ledger", YANTAI))
        assert report.intact and report.events > 0
        # The window's cases are in no stream it reads back: they are the backup's, and the
        # applicant's sealed fields open with the vault's restored keys.
        restored = (await intake.get(f"/cases/{first}")).json()
        assert restored["status"] == "completed"
        assert (await intake.get(f"/cases/{second}")).json()["applicant"] == "王** 3****************3"

        # Restored, Yantai goes on: Qingdao decides and the case completes at Yantai.
        approved = await approval.post(f"/cases/{second}/approve", headers=APPROVER,
                                       json={"document_number": "370202600123457"})
        assert approved.status_code == 200, approved.text

        async def completed() -> bool:
            return (await intake.get(f"/cases/{second}")).json()["status"] == "completed"

        await eventually(completed)
        await eventually(lambda: _archived(timeline, second))
    for site in (YANTAI, QINGDAO):
        report, _ = await run(verify, two_sites.settings_for("ledger", site))
        assert report.intact, f"{site}: {report.broken}"

    # Yantai has published past the backup now: restoring it would lose those events.
    code, said = await run(tongban, "restore", *where, "--from", str(saved))
    assert code == 2 and "published events after this backup" in said and "intake" in said
    code, said = await run(tongban, "restore", "--site", QINGDAO, *beside,
                           "--from", str(saved))
    assert code == 2 and f"this backup is of site {YANTAI}, not {QINGDAO}" in said
    damaged = tmp_path / "damaged"
    shutil.copytree(saved, damaged)
    part = next(p for p in damaged.iterdir() if p.name != "manifest.json")
    part.write_bytes(part.read_bytes()[:-1] + bytes([part.read_bytes()[-1] ^ 1]))
    code, said = await run(tongban, "restore", *where, "--from", str(damaged))
    assert code == 2 and f"the backup is damaged: {part.name}" in said


async def lose_the_files(server: LocalNatsServer) -> None:
    """Yantai's file bucket gone with the server's disk: its objects deleted."""
    nc = await nats.connect(server.url)
    try:
        store = await nc.jetstream().object_store(files.bucket(YANTAI))
        for found in await store.list(ignore_deletes=True):
            await store.delete(found.name)
    finally:
        await nc.close()


async def _has(timeline: Any, case_id: str, event: str) -> bool:
    return event in await timeline(case_id)


async def _archived(timeline: Any, case_id: str) -> bool:
    return "case_archived" in await timeline(case_id)
