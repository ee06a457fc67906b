"""The receiving window at work over HTTP: guide desk, documents, progress, the promise clock,
and the three handling modes running to the point where routing takes over (real NATS)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from services.directory import load_directory
from services.intake.domain.visit import Visit
from services.runtime.nats_server import LocalNatsServer
from tests.integration.test_window_http import HAIAN, open_case
from tests.support.applicant import query_code_of
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

CHEN_JING = {"name": "陈静", "id_number": "370202199209093382", "phone": "13905321234"}
LIU_YANG = {"name": "刘洋", "id_number": "110108198501010011", "phone": "13701011234"}
CERT_REISSUE, HOUSEHOLD_MOVE, FOOD_LICENCE = "110108ZG0007", "370671GA0001", "370202SP0012"
REAL_ESTATE_CHENGDU = "510107BD0001"


async def visit(client: httpx.AsyncClient, matter: str, **extra: Any) -> dict[str, Any]:
    response = await client.post("/guide/visits", headers=WINDOW_CLERK,
                                 json={"matter_code": matter, **extra})
    assert response.status_code == 201, response.text
    return response.json()


async def test_the_guide_sends_a_matter_with_a_dedicated_window_there_with_a_ticket(
    window: Any,
) -> None:
    _, client = window
    first, second = await visit(client, GT_CHANGE), await visit(client, GT_CHANGE)
    assert (first["destination"], first["window_id"]) == ("dedicated_window", "Z01")
    assert (first["ticket"], second["ticket"]) == ("Z01001", "Z01002")
    queue = (await client.get("/guide/queues/Z01")).json()
    assert [t["ticket"] for t in queue] == ["Z01001", "Z01002"]
    assert queue[0]["matter_name"] == "个体工商户变更登记"


async def test_tickets_are_numbered_per_window_per_day(window: Any, clock: FakeClock) -> None:
    _, client = window
    await visit(client, GT_CHANGE)
    clock.now += timedelta(days=1)
    assert (await visit(client, GT_CHANGE))["ticket"] == "Z01001"
    yesterday = (clock.now - timedelta(days=1)).date().isoformat()
    assert len((await client.get("/guide/queues/Z01", params={"day": yesterday})).json()) == 1


async def test_a_matter_without_a_dedicated_window_goes_to_the_shortest_comprehensive_queue(
    window: Any,
) -> None:
    _, client = window
    catalogue = load_directory()
    dedicated = {m for w in catalogue.sites["370671"].windows for m in w.matters}
    plain = next(m for m in catalogue.matters.values()
                 if m.in_hall and not m.self_servable and m.code not in dedicated)
    first, second = await visit(client, plain.code), await visit(client, plain.code)
    assert first["destination"] == "comprehensive_window"
    assert {first["window_id"], second["window_id"]} == {"K01", "K02"}


async def test_a_self_servable_matter_goes_to_the_terminal_unless_help_is_asked(
    window: Any,
) -> None:
    _, client = window
    servable = next(m for m in load_directory().matters.values() if m.self_servable and m.in_hall)
    alone = await visit(client, servable.code)
    helped = await visit(client, servable.code, wants_assistance=True)
    assert (alone["destination"], alone["ticket"]) == ("self_service", None)
    assert helped["destination"] in ("dedicated_window", "comprehensive_window")


async def test_visits_sent_elsewhere_than_a_window_are_numbered_in_order_per_day(
    window: Any,
) -> None:
    host, client = window
    servable = next(m for m in load_directory().matters.values() if m.self_servable and m.in_hall)
    visits = [await visit(client, code) for code in (servable.code, REAL_ESTATE_CHENGDU)]
    numbers = [host.store.get(Visit, UUID(v["visit_id"])).case_number for v in visits]
    assert numbers == ["37067120261126V00001", "37067120261126V00002"]


async def test_a_matter_not_in_this_hall_gets_a_one_time_notice_of_place_and_phone(
    window: Any,
) -> None:
    _, client = window
    answer = await visit(client, REAL_ESTATE_CHENGDU)
    assert (answer["destination"], answer["ticket"]) == ("elsewhere", None)
    assert "028-85567210" in answer["one_time_notice"] and "成都" in answer["one_time_notice"]


async def test_the_applicant_sees_progress_with_personal_data_masked(window: Any) -> None:
    host, client = window
    case = await open_case(client)
    response = await client.get("/progress", params={
        "case_number": case["case_number"], "id_number": WANG_QIANG["id_number"],
        "query_code": query_code_of(host, case["case_id"])})
    assert response.status_code == 200
    body = response.json()
    assert body["applicant"] == "王* 3****************3"
    assert body["status_zh"] == "收件审查中" and body["next_step"] == "请向窗口提交申请材料"
    assert WANG_QIANG["id_number"] not in response.text


async def test_a_company_follows_its_case_with_its_credit_code(window: Any) -> None:
    host, client = window
    case = await open_case(client, HAIAN, FOOD_LICENCE)
    response = await client.get("/progress", params={
        "case_number": case["case_number"], "id_number": HAIAN["credit_code"],
        "query_code": query_code_of(host, case["case_id"])})
    assert response.status_code == 200 and response.json()["applicant"].startswith("烟台海岸")


async def test_documents_are_printable_chinese_html_and_identical_when_fetched_again(
    window: Any,
) -> None:
    _, client = window
    case_id = await take_in_and_accept(client, GT_CHANGE, WANG_QIANG)
    first = await client.get(f"/cases/{case_id}/documents/acceptance_notice")
    again = await client.get(f"/cases/{case_id}/documents/acceptance_notice")
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/html")
    assert "受理通知书" in first.text and "@page" in first.text
    assert first.content == again.content


async def test_the_clock_terminates_a_tolerant_acceptance_whose_promise_lapsed(
    window: Any, clock: FakeClock,
) -> None:
    host, client = window
    case = await open_case(client, HAIAN, FOOD_LICENCE)
    case_id = case["case_id"]
    floor_plan = next(m["material_code"] for m in case["materials"] if "平面图" in m["name"])
    items = [{"material_code": m["material_code"]} for m in case["materials"]
             if m["material_code"] != floor_plan]
    for path, body in [("materials", {"items": items}),
                       ("identity", {"subject": "legal_representative"}),
                       ("accept-tolerantly", {"due_date": "2026-12-01"})]:
        response = await client.post(f"/cases/{case_id}/{path}", headers=WINDOW_CLERK, json=body)
        assert response.status_code == 200, response.text
    job = next(job for _, name, job in host.periodic if name == "intake-promise-watch")
    assert await host.command(job) == 0
    clock.now = datetime(2026, 12, 1, 15, 59, tzinfo=UTC)  # 23:59 on the due date in Yantai
    assert await host.command(job) == 0
    clock.now = datetime(2026, 12, 1, 16, 1, tzinfo=UTC)  # 00:01 the next day
    assert await host.command(job) == 1
    assert (await client.get(f"/cases/{case_id}")).json()["status"] == "terminated"


@pytest.fixture
async def exchange(nats_server: LocalNatsServer, store_overrides: dict[str, Any]
                   ) -> AsyncIterator[Stack]:
    """Yantai's window and exchange; the exchanges of Qingdao and Haidian to admit cases."""
    stack = Stack(settings_factory(nats_server, store_overrides))
    await stack.start(["370671"], ["intake", "routing"])
    await stack.start(["370202", "110108"], ["routing"])
    yield stack
    await stack.stop()


@pytest.mark.parametrize(("matter", "applicant", "channel", "sites", "paper"), [
    (GT_CHANGE, WANG_QIANG, "online", ["370202"], True),
    (CERT_REISSUE, CHEN_JING, "online", ["110108"], False),
    (HOUSEHOLD_MOVE, LIU_YANG, "pickup_at_window", ["110108", "370671"], True),
], ids=["remote_proxy", "online", "joint"])
async def test_each_handling_mode_runs_until_routing_hands_the_case_on(
    exchange: Stack, matter: str, applicant: dict[str, str], channel: str, sites: list[str],
    paper: bool,
) -> None:
    async with (exchange.client("370671", "intake") as intake,
                exchange.client("370671", "routing") as routing):
        case_id = await take_in_and_accept(intake, matter, applicant, channel)

        async def routed() -> dict[str, Any] | None:
            response = await routing.get(f"/cases/{case_id}")
            return response.json() if response.status_code == 200 else None

        route = await eventually(routed)
    assert sorted(route["business_sites"]) == sorted(sites)
    assert bool(route["manifests"]) is paper
    assert sorted(m["to_site"] for m in route["manifests"]) == (sorted(sites) if paper else [])
    for site in sites:
        if site == "370671":
            continue
        async with exchange.client(site, "routing") as there:
            async def admitted() -> bool:
                return (await there.get(f"/cases/{case_id}")).status_code == 200
            await eventually(admitted)
