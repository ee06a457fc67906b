"""A clerk's own open cases (在办件): `GET /cases` lists the signed-in clerk's cases not yet
ended, newest first, a page at a time, from a read table kept with the events; a case leaves
it when it ends; only window clerks of this site may ask."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from services.intake.main import build
from services.intake.read_side import OPEN_CASES
from services.runtime.host import ServiceHost
from services.runtime.projections import Query
from services.runtime.settings import for_service
from tests.support.clock import FakeClock
from tests.support.stack import GT_CHANGE, WANG_QIANG, read_side_drift
from tests.support.staff import staff

ZHANG_MIN = staff("370671-W31", "window")
LIU_YANG = staff("370671-W32", "window")
CHEN_JING = {"kind": "person", "name": "陈静", "id_number": "370202199209093382",
             "phone": "13953212345"}


@pytest.fixture
async def window(store_overrides: dict[str, Any]
                 ) -> AsyncIterator[tuple[ServiceHost, httpx.AsyncClient, FakeClock]]:
    clock = FakeClock()
    host = build(for_service("intake", site="370671", **store_overrides), clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=host.api),
                                 base_url="http://intake.370671") as client:
        yield host, client, clock
    drifted = read_side_drift(host)
    host.store.close()
    assert not drifted, f"read tables differ from their rebuild: {drifted}"


async def opened(client: httpx.AsyncClient, clerk: dict[str, str],
                 applicant: dict[str, Any]) -> str:
    response = await client.post("/cases", headers=clerk, json={
        "matter_code": GT_CHANGE, "applicant": applicant})
    assert response.status_code == 201, response.text
    return str(response.json()["case_id"])


async def test_a_clerk_lists_her_own_open_cases_newest_first_and_an_ended_one_leaves(
        window: tuple[ServiceHost, httpx.AsyncClient, FakeClock]) -> None:
    host, client, clock = window
    hers = []
    for applicant in (WANG_QIANG, CHEN_JING, WANG_QIANG):
        hers.append(await opened(client, ZHANG_MIN, applicant))
        clock.now += timedelta(minutes=7)
    his = await opened(client, LIU_YANG, CHEN_JING)

    first = (await client.get("/cases", headers=ZHANG_MIN, params={"limit": 2})).json()
    second = (await client.get("/cases", headers=ZHANG_MIN,
                               params={"limit": 2, "offset": 2})).json()
    assert [c["case_id"] for c in first + second] == hers[::-1]
    assert first[0]["status_zh"] == "收件审查中" and first[0]["matter_code"] == GT_CHANGE
    assert "王强" not in str(first) and "370602198803141233" not in str(first)

    rejected = await client.post(f"/cases/{hers[1]}/reject", headers=ZHANG_MIN, json={
        "reason": "经营场所不在本辖区", "apply_instead": "青岛市市南区政务服务中心"})
    assert rejected.status_code == 200, rejected.text
    after = (await client.get("/cases", headers=ZHANG_MIN)).json()
    assert [c["case_id"] for c in after] == [hers[2], hers[0]]
    assert [c["case_id"] for c in (await client.get("/cases", headers=LIU_YANG)).json()] == [his]
    assert len(host.store.read(Query(OPEN_CASES))) == 3  # the ended case's row is gone


@pytest.mark.parametrize("headers", [staff("370671-A01", "approver"),
                                     staff("370202-W01", "window"),
                                     staff("370671-G01", "guide")],
                         ids=["approver", "other-site-clerk", "guide"])
async def test_only_a_window_clerk_of_this_site_may_list_open_cases(
        window: tuple[ServiceHost, httpx.AsyncClient, FakeClock],
        headers: dict[str, str]) -> None:
    _, client, _ = window
    answer = await client.get("/cases", headers=headers)
    assert answer.status_code == 403, answer.text
