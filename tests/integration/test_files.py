"""Electronic materials on a real nats-server: a scan uploaded at the Yantai window travels to
Qingdao's object store byte for byte before the case does, Harbin holds nothing; a changed copy
is found and fetched again; refused files store nothing; reads are on the record; and a 50 MB
file passes through the window's process without being held in memory."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from nats.js.errors import BucketNotFoundError, NotFoundError

from contracts.files import FileReplicaRepaired, FilesRemoved, MaterialFileRead
from services.routing.domain import RoutedCase
from services.runtime import files
from services.runtime.forgetting import PersonalDataForgotten
from services.runtime.nats_server import LocalNatsServer
from services.runtime.sealed_files import FileKeyMissing, FileShredded
from tests.support.clock import FakeClock, FileClock
from tests.support.processes import serve
from tests.support.stack import (
    APPROVER,
    GT_CHANGE,
    WANG_QIANG,
    WINDOW_CLERK,
    Stack,
    accept_with_every_material,
    approve,
    eventually,
    periodic_job,
    settings_factory,
)
from tests.support.staff import staff

A, B, C = "370671", "370202", "230102"
SCAN = (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n"
        + "王强 个体工商户营业执照 正本 扫描件".encode() * 200 + b"\n%%EOF\n")


@pytest.fixture
async def sites(nats_server: LocalNatsServer, store_overrides: dict[str, Any], clock: FakeClock
                ) -> AsyncIterator[Stack]:
    limits = {**store_overrides, "files_max_bytes": 64 * 1024}
    stack = Stack(settings_factory(nats_server, limits))
    await stack.start([A], ["intake", "routing"], clock)
    await stack.start([B], ["routing", "approval", "delivery"], clock)
    await stack.start([C], ["routing"], clock)
    yield stack
    await stack.stop()


async def opened(intake: httpx.AsyncClient) -> str:
    response = await intake.post("/cases", headers=WINDOW_CLERK, json={
        "matter_code": GT_CHANGE, "applicant": WANG_QIANG})
    return str(response.json()["case_id"])


async def upload(intake: httpx.AsyncClient, case_id: str, name: str, data: bytes,
                 media_type: str) -> httpx.Response:
    return await intake.post(f"/cases/{case_id}/files", headers=WINDOW_CLERK,
                             data={"material_code": "M02", "pages": "2"},
                             files={"file": (name, data, media_type)})


async def held(stack: Stack, site: str) -> dict[str, bytes]:
    """Every file in the site's object store, by its hash, opened with the site's vault (each
    is kept sealed, once per case)."""
    host = stack.host(site, "routing")
    try:
        store = await host.js.object_store(files.bucket(site))
        infos = await store.list(ignore_deletes=True)
    except (BucketNotFoundError, NotFoundError):  # no bucket, or an empty one
        return {}
    found = {}
    for info in infos:
        case_id, sha = info.name.split(".")
        copy = await files.opened(host.js, site, UUID(case_id), sha, host.store.vault)
        assert copy is not None
        found[sha] = b"".join(copy.plain())
        copy.close()
    return found


async def test_a_scan_travels_to_the_business_site_only_and_a_changed_copy_is_repaired(
    sites: Stack,
) -> None:
    sha = hashlib.sha256(SCAN).hexdigest()
    async with sites.client(A, "intake") as intake:
        case_id = await opened(intake)
        attached = await upload(intake, case_id, "营业执照.pdf", SCAN, "application/pdf")
        assert attached.status_code == 200, attached.text
        assert attached.json()["files"][0]["sha256"] == sha
        await accept_with_every_material(intake, case_id)
    async with sites.client(B, "routing") as qingdao:
        async def admitted() -> bool:
            return (await qingdao.get(f"/cases/{case_id}")).status_code == 200
        await eventually(admitted)
    assert await held(sites, B) == {sha: SCAN}
    assert await held(sites, C) == {}

    js = sites.host(B, "routing").js
    store = await js.object_store(files.bucket(B))
    name = files.object_name(UUID(case_id), sha)
    sealed = bytearray((await store.get(name)).data or b"")
    assert SCAN[:64] not in sealed  # kept sealed with the case's key
    sealed[-40] ^= 1  # one changed byte at Qingdao
    await store.delete(name)
    await store.put(name, bytes(sealed))
    async with sites.client(B, "routing") as qingdao:
        assert (await qingdao.post("/files/verify")).json() == {"repaired": 1}
        assert (await qingdao.post("/files/verify")).json() == {"repaired": 0}
        read = await qingdao.get(f"/cases/{case_id}/files/{sha}", headers=APPROVER)
        part = await qingdao.get(f"/cases/{case_id}/files/{sha}", headers={
            **APPROVER, "Range": "bytes=0-7"})
        guest = await qingdao.get(f"/cases/{case_id}/files/{sha}", headers=staff("370202-G01", "guide"))
    assert (await held(sites, B))[sha] == SCAN
    assert read.content == SCAN and read.headers["content-type"] == "application/pdf"
    assert part.status_code == 206 and part.content == b"%PDF-1.7"
    assert guest.status_code == 403
    events = list(sites.host(B, "routing").store.events.get(UUID(case_id)))
    repaired = [e for e in events if isinstance(e, FileReplicaRepaired)]
    assert len(repaired) == 1 and repaired[0].reason.startswith("unreadable: chunk 0 does not open")
    reads = [e for e in events if isinstance(e, MaterialFileRead)]
    assert [r.actor.staff_id for r in reads] == ["370202-A07", "370202-A07"]


async def test_after_the_retention_period_both_parties_remove_the_files_and_record_it(
    sites: Stack, clock: FakeClock,
) -> None:
    sha = hashlib.sha256(SCAN).hexdigest()
    async with sites.client(A, "intake") as intake, sites.client(B, "approval") as approval:
        case_id = await opened(intake)
        await upload(intake, case_id, "营业执照.pdf", SCAN, "application/pdf")
        await accept_with_every_material(intake, case_id)
        await approve(approval, case_id)

        async def completed() -> bool:
            return (await intake.get(f"/cases/{case_id}")).json()["status"] == "completed"
        await eventually(completed)
    jobs = {site: periodic_job(sites.host(site, "routing"), "routing-file-retention")
            for site in (A, B)}

    async def retention_started(site: str) -> bool:
        case = sites.host(site, "routing").store.load(RoutedCase, UUID(case_id))
        return case is not None and case.keep_until is not None
    for site in (A, B):
        await eventually(lambda site=site: retention_started(site))
        assert await sites.host(site, "routing").command(jobs[site]) == 0
    clock.now += timedelta(days=3651)  # ten years and a day after the case ended
    for site in (A, B):
        assert await sites.host(site, "routing").command(jobs[site]) == 1
        assert await held(sites, site) == {}
        events = list(sites.host(site, "routing").store.events.get(UUID(case_id)))
        removed = [e for e in events if isinstance(e, FilesRemoved)]
        assert [r.hashes for r in removed] == [[sha]]


async def test_when_one_case_expires_its_copy_of_a_scan_goes_and_another_open_cases_copy_stays(
    sites: Stack, clock: FakeClock,
) -> None:
    sha = hashlib.sha256(SCAN).hexdigest()
    async with sites.client(A, "intake") as intake, sites.client(B, "approval") as approval:
        ended, still_open = await opened(intake), await opened(intake)
        for case_id in (ended, still_open):  # 王强 brings the same licence scan twice
            await upload(intake, case_id, "营业执照.pdf", SCAN, "application/pdf")
            await accept_with_every_material(intake, case_id)
        await approve(approval, ended)

        async def completed() -> bool:
            return (await intake.get(f"/cases/{ended}")).json()["status"] == "completed"
        await eventually(completed)

    async def retention_started(site: str) -> bool:
        case = sites.host(site, "routing").store.load(RoutedCase, UUID(ended))
        return case is not None and case.keep_until is not None
    for site in (A, B):
        await eventually(lambda site=site: retention_started(site))
    clock.now += timedelta(days=3651)
    for site in (A, B):
        host = sites.host(site, "routing")
        assert await host.command(periodic_job(host, "routing-file-retention")) == 1
        assert await held(sites, site) == {sha: SCAN}  # the open case's own sealed copy
        assert await held_by(sites, site) == {(still_open, sha)}
        removed = [e for e in host.store.events.get(UUID(ended)) if isinstance(e, FilesRemoved)]
        assert [r.hashes for r in removed] == [[sha]]


async def test_an_erased_case_leaves_no_copy_of_its_scan_and_the_removal_is_on_record(
    sites: Stack,
) -> None:
    """A scan of a case not accepted (不予受理), then erased on a lawful request: its sealed
    copy is removed with its keys, and both are on the record."""
    sha = hashlib.sha256(SCAN).hexdigest()
    async with sites.client(A, "intake") as intake, sites.client(A, "routing") as routing:
        case_id = await opened(intake)
        await upload(intake, case_id, "营业执照.pdf", SCAN, "application/pdf")
        rejected = await intake.post(f"/cases/{case_id}/reject", headers=WINDOW_CLERK, json={
            "reason": "经营场所不在本辖区", "apply_instead": "青岛市市南区政务服务中心"})
        assert rejected.status_code == 200, rejected.text
        assert await held_by(sites, A) == {(case_id, sha)}

        async def erased() -> bool:
            answer = await routing.post(f"/cases/{case_id}/personal-data/erasure",
                                        headers=staff("370671-ADM1", "admin"),
                                        json={"legal_basis": "申请人书面请求删除，个人信息保护法第四十七条"})
            return answer.status_code == 200
        await eventually(erased)
    assert await held_by(sites, A) == set()
    recorded = list(sites.host(A, "routing").store.events.get(UUID(case_id)))
    assert [e.hashes for e in recorded if isinstance(e, FilesRemoved)] == [[sha]]
    window = sites.host(A, "intake").store  # its rows of the case made again, reading 已销毁
    await eventually(lambda: any(isinstance(e, PersonalDataForgotten)
                                 for e in window.events.get(UUID(case_id))))


async def held_by(stack: Stack, site: str) -> set[tuple[str, str]]:
    """(case, hash) of every object in the site's file store."""
    try:
        store = await stack.host(site, "routing").js.object_store(files.bucket(site))
        infos = await store.list(ignore_deletes=True)
    except (BucketNotFoundError, NotFoundError):
        return set()
    return {tuple(info.name.split(".")) for info in infos}  # type: ignore[misc]


@pytest.mark.parametrize(("name", "data", "media_type", "status"), [
    ("扫描件.pdf", b"%PDF-1.7\n" + b"0" * 70_000, "application/pdf", 413),  # over 64 KiB
    ("说明.txt", "只是一段文字".encode(), "text/plain", 415),
    ("营业执照.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 500, "application/pdf", 415),
    ("空白.pdf", b"", "application/pdf", 422),
])
async def test_a_refused_file_gets_a_clear_error_and_nothing_is_stored(
    sites: Stack, name: str, data: bytes, media_type: str, status: int,
) -> None:
    async with sites.client(A, "intake") as intake:
        case_id = await opened(intake)
        refused = await upload(intake, case_id, name, data, media_type)
        case = (await intake.get(f"/cases/{case_id}")).json()
    assert refused.status_code == status, refused.text
    assert refused.json()["errors"][0]["field"] == "file"
    assert case["files"] == [] and await held(sites, A) == {}


@pytest.mark.parametrize("store_overrides", ["sqlite"], indirect=True)
def test_a_50_mb_scan_passes_through_the_window_without_being_held_in_memory(
    nats_server: LocalNatsServer, store_overrides: dict[str, Any], tmp_path: Path,
) -> None:
    scan = tmp_path / "档案扫描件.pdf"
    with scan.open("wb") as out:
        out.write(b"%PDF-1.7\n")
        for _ in range(50):
            out.write(os.urandom(1024 * 1024))
    process, url = serve("intake", A, nats_server.url, store_overrides,
                         FileClock(tmp_path / "now"))
    try:
        with httpx.Client(base_url=url, timeout=120) as http:
            case_id = http.post("/cases", headers=WINDOW_CLERK, json={
                "matter_code": GT_CHANGE, "applicant": WANG_QIANG}).json()["case_id"]
            before = memory(process.pid)
            with scan.open("rb") as data:
                response = http.post(f"/cases/{case_id}/files", headers=WINDOW_CLERK,
                                     data={"material_code": "M02", "pages": "120"},
                                     files={"file": (scan.name, data, "application/pdf")})
            after = memory(process.pid)
        assert response.status_code == 200, response.text
        assert response.json()["files"][0]["size"] == scan.stat().st_size
    finally:
        process.terminate()
        process.wait(timeout=20)
    grown_mb = (after["VmHWM"] - before["VmRSS"]) / 1024
    print(f"peak RSS grew by {grown_mb:.1f} MB for a 50 MB file")
    assert grown_mb < 20, f"peak RSS grew by {grown_mb:.0f} MB for a 50 MB file"


def memory(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields


def form(name: str, data: bytes, fields: dict[str, str] | None = None) -> tuple[bytes, str]:
    """A multipart body as a browser sends it, and its Content-Type."""
    request = httpx.Request("POST", "http://intake/", data=fields or {
        "material_code": "M02", "pages": "2"}, files={"file": (name, data, "application/pdf")})
    return request.read(), request.headers["content-type"]


class Trickle:
    """A request body sent in 8 KiB pieces, counting how many the service asked for."""

    def __init__(self, body: bytes) -> None:
        self.body, self.sent = body, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.body), 8192):
            self.sent += 1
            yield self.body[start:start + 8192]


async def test_a_file_over_the_limit_is_refused_as_it_streams_and_nothing_is_stored(
    sites: Stack,
) -> None:
    body, content_type = form("整卷档案.pdf", b"%PDF-1.7\n" + os.urandom(1024 * 1024))
    trickle = Trickle(body)  # 1 MiB against a limit of 64 KiB, sent without a length
    async with sites.client(A, "intake") as intake:
        case_id = await opened(intake)
        refused = await intake.post(f"/cases/{case_id}/files", headers={
            **WINDOW_CLERK, "Content-Type": content_type}, content=trickle)
        case = (await intake.get(f"/cases/{case_id}")).json()
    assert refused.status_code == 413, refused.text
    assert refused.json()["errors"][0]["field"] == "file"
    assert trickle.sent <= 64 // 8 + 2, f"read {trickle.sent} of {len(body) // 8192} pieces"
    assert case["files"] == [] and await held(sites, A) == {}


async def test_a_declared_length_over_the_limit_is_refused_before_a_byte_is_read(
    sites: Stack,
) -> None:
    body, content_type = form("整卷档案.pdf", b"%PDF-1.7\n" + os.urandom(1024 * 1024))
    trickle = Trickle(body)
    async with sites.client(A, "intake") as intake:
        case_id = await opened(intake)
        refused = await intake.post(f"/cases/{case_id}/files", headers={
            **WINDOW_CLERK, "Content-Type": content_type, "Content-Length": str(len(body))},
            content=trickle)
    assert refused.status_code == 413, refused.text
    assert "超过文件上限" in refused.json()["errors"][0]["reason"]
    assert trickle.sent == 0 and await held(sites, A) == {}


@pytest.mark.parametrize(("name", "fields", "field"), [
    ("王强个体工商户营业执照正本" * 16 + ".pdf", None, "file_name"),  # 212 characters
    ("营业执照\u0007.pdf", None, "file_name"),
    ("../营业执照.pdf", None, "file_name"),
    ("营业执照.pdf", {"material_code": "M2X", "pages": "2"}, "material_code"),
    ("营业执照.pdf", {"material_code": "M02", "pages": "0"}, "pages"),
    ("营业执照.pdf", {"pages": "2"}, "material_code"),
])
async def test_a_file_named_wrongly_is_refused_before_anything_is_stored(
    sites: Stack, name: str, fields: dict[str, str] | None, field: str,
) -> None:
    body, content_type = form(name, SCAN, fields)
    body = body.replace(b"%07", b"\x07")  # httpx escapes it; a hand-made request need not
    async with sites.client(A, "intake") as intake:
        case_id = await opened(intake)
        refused = await intake.post(f"/cases/{case_id}/files", headers={
            **WINDOW_CLERK, "Content-Type": content_type}, content=body)
        case = (await intake.get(f"/cases/{case_id}")).json()
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert case["files"] == [] and await held(sites, A) == {}


async def test_a_scan_is_kept_sealed_and_no_longer_opens_once_its_case_keys_are_destroyed(
    sites: Stack, clock: FakeClock,
) -> None:
    """Each copy is sealed with the Yantai window's key for the case: Qingdao reads it with
    the key it was granted, Harbin (no party) cannot read a copy it somehow got, and once
    Qingdao destroys the case's keys (an erasure, once the case ended) any copy is gone for
    good (410), bytes or not."""
    sha = hashlib.sha256(SCAN).hexdigest()
    async with sites.client(A, "intake") as intake, sites.client(B, "approval") as approval:
        case_id = await opened(intake)
        await upload(intake, case_id, "营业执照.pdf", SCAN, "application/pdf")
        await accept_with_every_material(intake, case_id)
        async with sites.client(B, "routing") as qingdao:
            async def admitted() -> bool:
                return (await qingdao.get(f"/cases/{case_id}")).status_code == 200
            await eventually(admitted)
            before = await qingdao.get(f"/cases/{case_id}/files/{sha}", headers=APPROVER)
            await files.copy(sites.host(A, "routing").js, A, sites.host(C, "routing").js, C,
                             UUID(case_id), sha)  # Harbin, party to nothing, gets a copy
            await approve(approval, case_id)

            async def erased() -> bool:
                answer = await qingdao.post(f"/cases/{case_id}/personal-data/erasure",
                                            headers=staff("370202-ADM1", "admin"),
                                            json={"legal_basis": "申请人书面请求删除"})
                return answer.status_code == 200
            await eventually(erased)  # once Qingdao has seen the case end at the window
            after = await qingdao.get(f"/cases/{case_id}/files/{sha}", headers=APPROVER)
    assert before.content == SCAN
    assert after.status_code == 410 and after.json()["errors"][0]["field"] == "sha256"
    for site in (A, B):  # the windows' and delivery's rows made again, as a rebuild makes them
        for service in ("intake", "delivery"):
            if f"{site}/{service}" in sites.hosts:
                store = sites.host(site, service).store
                await eventually(lambda s=store: any(isinstance(e, PersonalDataForgotten)
                                                     for e in s.events.get(UUID(case_id))))
    with pytest.raises(FileKeyMissing):
        await files.opened(sites.host(C, "routing").js, C, UUID(case_id), sha,
                          sites.host(C, "routing").store.vault)
    with pytest.raises(FileShredded):  # Harbin's bytes, with anything Qingdao still holds
        await files.opened(sites.host(C, "routing").js, C, UUID(case_id), sha,
                          sites.host(B, "routing").store.vault)
