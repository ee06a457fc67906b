"""Each site its own nats-server, joined through a hub of three nodes, on loopback: the full
remote-collection path runs unchanged; Qingdao cut off for a minute while Yantai keeps
accepting cases for it gets every case once, in order, when it is back; a hub node lost under
load loses nothing; and Harbin's credentials cannot read or speak for Yantai."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nats
import pytest

from contracts.subjects import admitted_stream, own_stream
from services.routing.domain import CARRIED_EVENTS
from services.runtime.settings import ServiceSettings, for_service
from tests.integration.test_files import (
    SCAN,
    held,
    opened,
    upload,
)
from tests.support.stack import (
    APPROVER,
    GT_CHANGE,
    WANG_QIANG,
    Stack,
    accept_with_every_material,
    approve,
    eventually,
    nats_login,
    take_in_and_accept,
)
from tongban.topology import LocalHub

A, B, C = "370671", "370202", "230102"
pytestmark = pytest.mark.slow


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[LocalHub]:
    topology = await asyncio.to_thread(LocalHub(tmp_path / "nats", (A, B, C)).start)
    yield topology
    await asyncio.to_thread(topology.stop)


@pytest.fixture
async def sites(hub: LocalHub, tmp_path: Path) -> AsyncIterator[Stack]:
    def settings_for(service: str, site: str) -> ServiceSettings:
        return for_service(service, site=site,  # type: ignore[arg-type]
                           **nats_login(hub.site_servers[site], site, service),
                           topology="hub", data_dir=tmp_path / "data",
                           retry_initial_seconds=0.01)
    stack = Stack(settings_for)
    await stack.start([A], ["intake", "routing", "ledger"])
    await stack.start([B], ["routing", "approval", "delivery", "ledger"])
    await stack.start([C], ["routing"])
    yield stack
    await stack.stop()


async def in_qingdao(stack: Stack, case_id: str) -> bool:
    async with stack.client(B, "approval") as approval:
        return (await approval.get(f"/cases/{case_id}")).status_code == 200


async def per_case(stack: Stack, site: str, stream: str, subjects: str
                   ) -> dict[str, list[str]]:
    """Event ids per case in a stream, in stream order."""
    js = stack.host(site, "routing").js
    info = await js.stream_info(stream, subjects_filter=subjects)
    count = sum((info.state.subjects or {}).values())
    sub = await js.subscribe(subjects, stream=stream, ordered_consumer=True)
    found: dict[str, list[str]] = {}
    for _ in range(count):
        event = json.loads((await sub.next_msg(timeout=5)).data)
        found.setdefault(event["case_id"], []).append(event["event_id"])
    await sub.unsubscribe()
    return found


async def admitted_at_qingdao(stack: Stack) -> dict[str, list[str]]:
    """What Qingdao's gateway admitted from Yantai, per case, in order."""
    return await per_case(stack, B, admitted_stream(B), f"tb.in.{B}.{A}.>")


async def test_the_remote_collection_path_runs_unchanged_across_site_servers(
    sites: Stack,
) -> None:
    async with sites.client(A, "intake") as intake, sites.client(B, "approval") as approval:
        case_id = await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG)
        await approve(approval, case_id)

        async def completed() -> bool:
            return (await intake.get(f"/cases/{case_id}")).json()["status"] == "completed"
        await eventually(completed, timeout=30)
    await ledgers_agree(sites, [case_id])


async def ledgers_agree(stack: Stack, cases: list[str], timeout: float = 30) -> None:
    """Each ledger holds exactly the carried events of the other site, for every case."""
    async with stack.client(A, "ledger") as yantai, stack.client(B, "ledger") as qingdao:
        for case_id in cases:
            async def agree(case_id: str = case_id) -> bool:
                a = (await yantai.get(f"/cases/{case_id}/timeline")).json().get("timeline", [])
                b = (await qingdao.get(f"/cases/{case_id}/timeline")).json().get("timeline", [])
                def ids(events: list[dict[str, Any]], site: str, carried: bool) -> set[str]:
                    return {e["event_id"] for e in events if e["site"] == site
                            and (not carried or e["event"] in CARRIED_EVENTS)}
                return (ids(a, B, False) == ids(b, B, True) and ids(b, A, False) == ids(a, A, True)
                        and len(ids(a, B, False)) > 0)
            await eventually(agree, timeout=timeout)


async def test_a_site_cut_off_for_a_minute_gets_every_case_once_in_order_when_back(
    sites: Stack, hub: LocalHub,
) -> None:
    server = hub.site_servers[B]
    await asyncio.to_thread(server.stop)
    cases = []
    async with sites.client(A, "intake") as intake:
        for _ in range(5):  # Yantai keeps accepting cases for Qingdao
            cases.append(await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG))
            await asyncio.sleep(2)
    await asyncio.sleep(50)
    await asyncio.to_thread(server.start, 30)
    for case_id in cases:
        await eventually(lambda case_id=case_id: in_qingdao(sites, case_id), timeout=60)
    async with sites.client(B, "approval") as approval:
        for case_id in cases:
            for path, body in [("claim", None), ("approve", {"document_number": "370202600123456"})]:
                response = await approval.post(f"/cases/{case_id}/{path}", headers=APPROVER,
                                               json=body)
                assert response.status_code == 200, response.text
    # A server back from the dead: the sources between the sites resume after a backoff.
    await ledgers_agree(sites, cases, timeout=150)
    admitted = await admitted_at_qingdao(sites)
    sent = await per_case(sites, A, own_stream(A), f"tb.{A}.>")  # in Yantai's order
    for case_id in cases:
        events = admitted[case_id]
        assert len(events) == len(set(events)), "an event admitted twice"
        assert events == [e for e in sent[case_id] if e in set(events)], "order per case changed"


async def test_a_hub_node_lost_under_load_loses_nothing(sites: Stack, hub: LocalHub) -> None:
    cases: list[str] = []

    async def load() -> None:
        async with sites.client(A, "intake") as intake:
            for _ in range(8):
                cases.append(await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG))
                await asyncio.sleep(0.5)

    steady = asyncio.create_task(load())
    await asyncio.sleep(1.5)
    serving = await asyncio.to_thread(hub.node_serving, B)  # the node Qingdao hangs off
    await asyncio.to_thread(hub.hub[serving].kill)
    await steady
    assert await asyncio.to_thread(hub.node_serving, B) != serving  # it moved to another
    for case_id in cases:
        await eventually(lambda case_id=case_id: in_qingdao(sites, case_id), timeout=60)
    admitted = await admitted_at_qingdao(sites)
    assert sorted(admitted) == sorted(cases)
    assert all(len(ids) == len(set(ids)) for ids in admitted.values())


async def test_a_sites_credentials_cannot_read_or_speak_for_another_site(hub: LocalHub) -> None:
    refusals: list[str] = []

    async def on_error(error: Exception) -> None:
        refusals.append(str(error))

    harbin = await nats.connect(hub.hub_url(1, C), error_cb=on_error)
    try:
        await harbin.subscribe(f"tb.{A}.>")
        await harbin.publish(f"tb.{A}.intake.case_opened.v1", b"{}")
        await harbin.publish(f"tb.to.{B}.{A}.case_routed.v1", b"{}")
        await harbin.subscribe(f"tb.to.{C}.>")  # its own inbox: allowed
        await harbin.flush()
        await asyncio.sleep(0.5)
    finally:
        await harbin.close()
    text = "\n".join(refusals).lower()
    assert f'subscription to "tb.{A}.>"' in text
    assert f'publish to "tb.{A}.intake.case_opened.v1"' in text
    assert f'publish to "tb.to.{B}.{A}.case_routed.v1"' in text
    assert f"tb.to.{C}" not in text


async def test_a_scan_reaches_the_business_sites_own_server_and_no_other(sites: Stack) -> None:
    sha = hashlib.sha256(SCAN).hexdigest()
    async with sites.client(A, "intake") as intake:
        case_id = await opened(intake)
        attached = await upload(intake, case_id, "营业执照.pdf", SCAN, "application/pdf")
        assert attached.status_code == 200, attached.text
        await accept_with_every_material(intake, case_id)
    await eventually(lambda: in_qingdao(sites, case_id), timeout=30)
    assert await held(sites, B) == {sha: SCAN}  # in Qingdao's own JetStream domain
    assert await held(sites, C) == {}
