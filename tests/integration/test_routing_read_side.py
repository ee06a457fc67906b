"""The exchange's read table on both stores: its lists come a page at a time, and its clock
reads only the cases that are due, neither of them the event log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from services.runtime.nats_server import LocalNatsServer
from tests.integration.test_custody import routed_case
from tests.support.clock import FakeClock
from tests.support.stack import WINDOW_CLERK, Stack, eventually, periodic_job, settings_factory

A, B = "370671", "370202"


@pytest.fixture
async def sites(nats_server: LocalNatsServer, store_overrides: dict[str, Any], clock: FakeClock
                ) -> AsyncIterator[Stack]:
    stack = Stack(settings_factory(nats_server, store_overrides))
    await stack.start([A], ["intake", "routing"], clock)
    await stack.start([B], ["routing"], clock)
    yield stack
    await stack.stop()


async def test_qingdaos_awaited_parcels_come_a_page_at_a_time(sites: Stack) -> None:
    manifests = {(await routed_case(sites))[1] for _ in range(3)}
    async with sites.client(B, "routing") as qingdao:
        async def every_parcel_awaited() -> list[dict[str, Any]] | None:
            rows = (await qingdao.get("/parcels")).json()
            return rows if len(rows) == 3 else None

        everything = await eventually(every_parcel_awaited)
        first = (await qingdao.get("/parcels", params={"limit": 2})).json()
        rest = (await qingdao.get("/parcels", params={"limit": 2, "offset": 2})).json()
        too_many = await qingdao.get("/parcels", params={"limit": 501})
    assert {p["manifest_number"] for p in everything} == manifests
    assert {p["state"] for p in everything} == {"awaited"}
    assert first + rest == everything and len(first) == 2
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "limit"


async def test_the_supervision_sweep_and_the_lists_read_no_event_log(
    sites: Stack, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent_id, manifest = await routed_case(sites)
    await routed_case(sites)  # nobody dispatches this one's licence: it is no open parcel
    yantai = sites.host(A, "routing")
    async with sites.client(A, "routing") as client:
        sent = await client.post(f"/cases/{sent_id}/parcels/{manifest}/dispatch",
                                 headers=WINDOW_CLERK,
                                 json={"carrier": "顺丰速运", "tracking_number": "SF1402298765432"})
        assert sent.status_code == 200, sent.text
        clock.now = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # past three working days

        def no_scan(*_: Any, **__: Any) -> Any:
            raise AssertionError("the exchange read the event log")

        with monkeypatch.context() as patch:
            patch.setattr(yantai.store.recorder, "select_notifications", no_scan)
            raised = await yantai.command(periodic_job(yantai, "routing-supervision"))
            again = await yantai.command(periodic_job(yantai, "routing-supervision"))
            items = (await client.get("/supervision")).json()
            parcels = (await client.get("/parcels")).json()
            removed = await yantai.command(periodic_job(yantai, "routing-file-retention"))
    assert (raised, again, removed) == (3, 0, 0)  # the parcel, and both decisions
    assert sorted(i["leg"] for i in items) == ["decision", "decision", "parcel"]
    assert {i["responsible_site"] for i in items} == {B}
    assert [(p["manifest_number"], p["state"], p["overdue"]) for p in parcels] == [
        (manifest, "in_transit", True)]
