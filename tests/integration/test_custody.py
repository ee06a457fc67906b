"""The legs of a case between sites on one real nats-server: a parcel of originals leaves
Yantai for Qingdao and is checked page by page; a remote consultation; the decision leg under
supervision. Harbin, party to none of it, learns nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contracts.routing import HandoverOverdue
from contracts.subjects import admitted_stream, inbox_stream, own_stream
from services.runtime.nats_server import LocalNatsServer
from tests.support.clock import FakeClock
from tests.support.stack import (
    GT_CHANGE,
    WANG_QIANG,
    WINDOW_CLERK,
    Stack,
    eventually,
    settings_factory,
    take_in_and_accept,
)
from tests.support.staff import staff

A, B, C = "370671", "370202", "230102"
REGISTRY_CLERK = staff("370202-R03", "delivery")


@pytest.fixture
async def sites(nats_server: LocalNatsServer, store_overrides: dict[str, Any], clock: FakeClock
                ) -> AsyncIterator[Stack]:
    stack = Stack(settings_factory(nats_server, store_overrides))
    await stack.start([A], ["intake", "routing", "ledger"], clock)
    await stack.start([B], ["routing", "approval", "ledger"], clock)
    await stack.start([C], ["routing", "ledger"], clock)
    yield stack
    await stack.stop()


async def routed_case(stack: Stack) -> tuple[str, str]:
    """A case taken in at Yantai whose manifest is known at both ends: (case id, manifest)."""
    async with stack.client(A, "intake") as intake:
        case_id = await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG)
    for site in (A, B):
        async with stack.client(site, "routing") as routing:
            async def known() -> dict[str, Any] | None:
                response = await routing.get(f"/cases/{case_id}")
                return response.json() if response.status_code == 200 else None
            case = await eventually(known)
    return case_id, case["manifests"][0]["number"]


async def test_a_parcel_missing_a_page_is_signed_with_the_discrepancy_and_shown_in_custody(
    sites: Stack,
) -> None:
    case_id, manifest = await routed_case(sites)
    async with sites.client(A, "routing") as yantai, sites.client(B, "routing") as qingdao:
        sent = await yantai.post(f"/cases/{case_id}/parcels/{manifest}/dispatch",
                                 headers=WINDOW_CLERK,
                                 json={"carrier": "中国邮政EMS", "tracking_number": "1187654321306"})
        assert sent.status_code == 200, sent.text
        paper = [i for i in (await yantai.get(f"/cases/{case_id}/custody")).json()]
        assert {row["where"] for row in paper} == {"寄递中（中国邮政EMS 1187654321306）"}
        received = {row["material_code"]: row["pages"] for row in paper}
        received["M02"] -= 1  # one page of the business licence is missing
        signed = await qingdao.post(f"/cases/{case_id}/parcels/{manifest}/receive",
                                    headers=REGISTRY_CLERK, json={"items": [
                                        {"material_code": c, "pages": p} for c, p in received.items()]})
        assert signed.status_code == 200, signed.text

        async def confirmed_at_yantai() -> list[dict[str, Any]] | None:
            rows = (await yantai.get(f"/cases/{case_id}/custody")).json()
            return rows if rows[0]["signed_by"] == "370202-R03" else None

        rows = {r["material_code"]: r for r in await eventually(confirmed_at_yantai)}
    assert rows["M02"]["discrepancy"] == f"应{received['M02'] + 1}页，实收{received['M02']}页"
    assert rows["M01"]["discrepancy"] is None
    assert rows["M01"]["where"].startswith(B)

    js = sites.host(C, "routing").js
    for stream in (own_stream(C), inbox_stream(C), admitted_stream(C)):
        assert (await js.stream_info(stream)).state.messages == 0, stream


async def test_a_parcel_nobody_signs_for_is_flagged_overdue_once(
    sites: Stack, clock: FakeClock,
) -> None:
    case_id, manifest = await routed_case(sites)
    yantai = sites.host(A, "routing")
    async with sites.client(A, "routing") as client:
        await client.post(f"/cases/{case_id}/parcels/{manifest}/dispatch", headers=WINDOW_CLERK,
                          json={"carrier": "顺丰速运", "tracking_number": "SF1402298765432"})
    watch = next(job for _, name, job in yantai.periodic if name == "routing-supervision")
    assert await yantai.command(watch) == 0
    clock.now = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # past three working days
    assert await yantai.command(watch) == 2  # the parcel, and the decision now overdue too
    clock.now += timedelta(days=1)
    assert await yantai.command(watch) == 0
    overdue = [e for e in yantai.store.scan() if isinstance(e, HandoverOverdue)]
    assert [(e.manifest_number, e.responsible_site) for e in overdue] == [(manifest, B)]
    async with sites.client(A, "routing") as client:
        parcels = (await client.get("/parcels")).json()
    assert parcels == [{"case_number": parcels[0]["case_number"], "manifest_number": manifest,
                        "to_site": B, "state": "in_transit", "overdue": True}]


async def test_signing_for_a_parcel_addressed_elsewhere_is_refused(sites: Stack) -> None:
    case_id, manifest = await routed_case(sites)
    async with sites.client(A, "routing") as yantai:
        response = await yantai.post(f"/cases/{case_id}/parcels/{manifest}/receive",
                                     headers=WINDOW_CLERK, json={"items": []})
        unknown = await yantai.post(f"/cases/{case_id}/parcels/NOPE/dispatch",
                                    headers=WINDOW_CLERK,
                                    json={"carrier": "顺丰速运", "tracking_number": "SF1402298765432"})
    assert response.status_code == 409 and response.json()["errors"][0]["rule"] == (
        "parcel_out_of_order")
    assert unknown.status_code == 404


async def test_a_remote_consultation_is_recorded_on_the_case_at_both_sites(sites: Stack) -> None:
    case_id, _ = await routed_case(sites)
    async with sites.client(A, "routing") as yantai, sites.client(B, "ledger") as ledger:
        asked = await yantai.post(f"/cases/{case_id}/consultations", headers=WINDOW_CLERK, json={
            "with_site": B, "channel": "video", "topic": "新经营场所使用证明能否以租赁备案代替"})
        held = await yantai.post(f"/cases/{case_id}/consultations/held", headers=WINDOW_CLERK,
                                 json={"approver": "370202-A07", "summary": "可以，租赁备案证明有效"})
        nobody = await yantai.post(f"/cases/{case_id}/consultations", headers=WINDOW_CLERK, json={
            "with_site": C, "channel": "phone", "topic": "咨询"})
        assert (asked.status_code, held.status_code, nobody.status_code) == (200, 200, 409)

        async def seen_in_qingdao() -> bool:
            body = (await ledger.get(f"/cases/{case_id}/timeline")).json()
            return "remote_consultation_held" in [e["event"] for e in body.get("timeline", [])]

        await eventually(seen_in_qingdao)


async def test_no_decision_by_the_promised_date_is_supervised_until_the_decision_arrives(
    sites: Stack, clock: FakeClock,
) -> None:
    case_id, _ = await routed_case(sites)
    yantai = sites.host(A, "routing")
    sweep = next(job for _, name, job in yantai.periodic if name == "routing-supervision")
    clock.now = datetime(2026, 12, 9, 2, 0, tzinfo=UTC)  # past the promised three working days
    assert await yantai.command(sweep) == 1
    assert await yantai.command(sweep) == 0
    async with sites.client(A, "routing") as routing, sites.client(B, "approval") as approval:
        items = (await routing.get("/supervision")).json()
        assert [(i["leg"], i["responsible_site"]) for i in items] == [("decision", B)]

        async def in_qingdao_inbox() -> bool:
            return (await approval.get(f"/cases/{case_id}")).status_code == 200

        await eventually(in_qingdao_inbox)
        approver = staff("370202-A07", "approver")
        await approval.post(f"/cases/{case_id}/claim", headers=approver)
        approved = await approval.post(f"/cases/{case_id}/approve", headers=approver,
                                       json={"document_number": "370202600123456"})
        assert approved.status_code == 200, approved.text

        async def cleared() -> bool:
            return (await routing.get("/supervision")).json() == []

        await eventually(cleared)
