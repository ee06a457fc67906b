"""Delivery's read table on both stores, with the services' own handlers and routes but no bus:
the work lists page over it and answer from its rows (no case loaded from its events), a
rating finds its case by number, and the watch job finds what is due, all without reading the
event log."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from contracts.base import Actor, DomainEvent
from contracts.subjects import (
    admitted_stream,
    admitted_subject,
    own_stream,
    own_subject,
    parse_subject,
)
from services.delivery.domain.case import DeliveryCase
from services.delivery.main import build
from services.delivery.views import case_view, kept_record, rating_view, review_view, shown_to
from services.runtime.consumer import Delivery
from services.runtime.host import ServiceHost
from services.runtime.settings import for_service
from tests.support.applicant import query_code_of
from tests.support.clock import FakeClock
from tests.support.events import sample
from tests.support.stack import GT_CHANGE, WANG_QIANG, periodic_job, read_side_drift
from tests.support.staff import on_duty, staff

YANTAI, QINGDAO = "370671", "370202"
MAILROOM = staff("370202-D02", "delivery")
PICKUP_CLERK = staff("370671-W03", "window")
Sites = Callable[[str], ServiceHost]


@pytest.fixture
async def delivery(store_overrides: dict[str, Any], clock: FakeClock) -> AsyncIterator[Sites]:
    """The delivery service of a site on the test's store, built on first use, not started:
    messages are handed to its handlers; at the end its read table must equal its rebuild."""
    hosts: dict[str, ServiceHost] = {}

    def at(site: str) -> ServiceHost:
        if site not in hosts:
            hosts[site] = build(for_service("delivery", site=site, **store_overrides), clock)
        return hosts[site]

    yield at
    drifted = [d for host in hosts.values() for d in read_side_drift(host)]
    for host in hosts.values():
        host.store.close()
    assert not drifted, f"read tables differ from their rebuild: {drifted}"


def client(host: ServiceHost) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=host.api),
                             base_url=f"http://delivery.{host.site}", headers=on_duty(host.site))


def consume(host: ServiceHost, *events: DomainEvent) -> None:
    """Each event as the service's consumer takes it: from its own site's stream, or admitted
    from the other party of the case."""
    for event in events:
        if event.acting_site == host.site:
            name, subject, stream = ("delivery-on-site-event", own_subject(event),
                                     own_stream(host.site))
        else:
            name, subject, stream = ("delivery-on-admitted", admitted_subject(host.site, event),
                                     admitted_stream(host.site))
        handler = next(s.handler for s in host.subscriptions if s.name == name)
        effect = handler(Delivery(event, parse_subject(subject), subject, stream, 1,
                                  event.model_dump_json().encode()))
        host.store.record(*effect.aggregates)


def never_read_the_log(host: ServiceHost, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_scan(*_: Any, **__: Any) -> Any:
        raise AssertionError("delivery read the event log")

    monkeypatch.setattr(host.store.recorder, "select_notifications", no_scan)


@contextmanager
def no_case_loaded(host: ServiceHost, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Within: loading any case from its events fails, so a list answers from its rows."""
    def no_load(*_: Any, **__: Any) -> Any:
        raise AssertionError("delivery loaded a case from its events")

    with monkeypatch.context() as patched:
        patched.setattr(host.store.recorder, "select_events", no_load)
        yield


def as_loaded(host: ServiceHost, case_id: str | UUID) -> DeliveryCase:
    """The case rebuilt from its events, as the lists showed it before the read table held it."""
    return host.store.get(DeliveryCase, UUID(str(case_id)))


def approved_in_qingdao(qingdao: ServiceHost, clock: FakeClock, case_number: str) -> str:
    """王强's licence change, received and approved in Qingdao now, for pickup at the Yantai
    window: Qingdao's delivery issues the paper result. Returns the case id."""
    case_id, now = uuid4(), clock.now.isoformat()
    common = {"case_number": case_number, "occurred_at": now, "acting_site": QINGDAO}
    consume(qingdao,
            sample("approval.case_received.v1", case_id, **common, version=1,
                   matter_code=GT_CHANGE, matter_name="个体工商户变更登记",
                   department="青岛市市南区市场监督管理局", joint_role=None,
                   applicant=WANG_QIANG, delivery_channel="pickup_at_window"),
            sample("approval.case_approved.v1", case_id, **common, version=3,
                   actor={"staff_id": "370202-A07", "role": "approver"},
                   delivery_channel="pickup_at_window"))
    return str(case_id)


def opened_at_yantai(yantai: ServiceHost, clock: FakeClock, case_number: str) -> UUID:
    """王强 opened his licence change at the Yantai window now (a visit he may rate)."""
    case_id = uuid4()
    consume(yantai, sample("intake.case_opened.v1", case_id, case_number=case_number,
                           occurred_at=clock.now.isoformat(), matter_code=GT_CHANGE,
                           matter_name="个体工商户变更登记", applicant=WANG_QIANG,
                           delivery_channel="pickup_at_window", handling_mode="remote_proxy"))
    return case_id


async def signed_for_at_yantai(yantai: ServiceHost, clock: FakeClock, case_number: str,
                               tracking_number: str) -> UUID:
    """王强's case opened at Yantai, its licence issued and mailed by Qingdao to the window,
    signed for there now."""
    case_id = opened_at_yantai(yantai, clock, case_number)
    common = {"case_number": case_number, "occurred_at": clock.now.isoformat()}
    consume(yantai, sample("delivery.result_issued.v1", case_id, **common),
            sample("delivery.result_mailed.v1", case_id, **common,
                   tracking_number=tracking_number))
    async with client(yantai) as http:
        arrived = await http.post(f"/cases/{case_id}/arrival", headers=PICKUP_CLERK,
                                  json={"tracking_number": tracking_number})
    assert arrived.status_code == 200, arrived.text
    return case_id


async def test_results_to_dispatch_are_listed_a_page_at_a_time_longest_waiting_first(
    delivery: Sites, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    qingdao = delivery(QINGDAO)
    issued = []
    for n in range(1, 4):
        issued.append(approved_in_qingdao(qingdao, clock, f"37067120261126000010{n}"))
        clock.now += timedelta(hours=1)
    never_read_the_log(qingdao, monkeypatch)
    async with client(qingdao) as http:
        with no_case_loaded(qingdao, monkeypatch):
            every = await http.get("/dispatch")
            first = await http.get("/dispatch", params={"limit": 2})
            rest = await http.get("/dispatch", params={"limit": 2, "offset": 2})
        as_cases_show = [case_view(as_loaded(qingdao, case_id), masked=True)  # names masked
                         for case_id in issued]
        mailed = await http.post(f"/cases/{issued[0]}/mailings", headers=MAILROOM, json={
            "recipient": "window", "carrier": "中国邮政EMS", "tracking_number": "1187654329931"})
        after = await http.get("/dispatch")
        too_many = await http.get("/dispatch", params={"limit": 501})
    assert every.json() == as_cases_show
    assert [c["case_id"] for c in first.json()] == issued[:2]
    assert [c["case_id"] for c in rest.json()] == issued[2:]
    assert mailed.status_code == 200, mailed.text
    assert [c["case_id"] for c in after.json()] == issued[1:]
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "limit"


async def test_a_rating_finds_its_case_by_number_and_the_summary_counts_every_page(
    delivery: Sites, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    yantai = delivery(YANTAI)
    numbers = ["370671202611260000201", "370671202611260000202"]
    cases = []
    for number in numbers:
        cases.append(opened_at_yantai(yantai, clock, number))
        clock.now += timedelta(minutes=20)
    never_read_the_log(yantai, monkeypatch)
    async with client(yantai) as http:
        for number, case_id, level in zip(numbers, cases, (1, 4), strict=True):
            rated = await http.post("/ratings", json={
                "case_number": number, "id_number": WANG_QIANG["id_number"], "scope": "visit",
                "query_code": query_code_of(yantai, case_id),
                "visit_day": "2026-11-26", "window_level": level,
                "comment": "窗口没有告诉我邮寄要多久" if level == 4 else "办事很快"})
            assert rated.status_code == 201, rated.text
            clock.now += timedelta(minutes=5)
        stranger = await http.post("/ratings", json={
            "case_number": numbers[0], "id_number": "370202199209093382", "scope": "visit",
            "query_code": query_code_of(yantai, cases[0]),
            "visit_day": "2026-11-26", "window_level": 1})
        page = (await http.get("/ratings", params={"limit": 1, "offset": 1})).json()
        reviews = (await http.get("/reviews", headers=staff("370671-W01", "window"))).json()
    assert stranger.status_code == 404
    assert [(r["case_number"], r["level_zh"]) for r in page["ratings"]] == [(numbers[1], "不满意")]
    assert page["summary"]["count"] == 2 and page["summary"]["satisfaction"] == 0.5
    assert [(r["case_number"], r["status"]) for r in reviews] == [
        (numbers[1], "awaiting_callback")]


async def test_the_ratings_page_shows_each_rating_as_its_case_does_read_from_the_table(
    delivery: Sites, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    yantai = delivery(YANTAI)
    numbers = [f"37067120261126000040{n}" for n in range(1, 4)]
    cases = [opened_at_yantai(yantai, clock, number) for number in numbers]
    async with client(yantai) as http:
        rated = []
        for number, case_id, level in zip(numbers, cases, (1, 4, 2), strict=True):
            clock.now += timedelta(minutes=10)
            answer = await http.post("/ratings", json={
                "case_number": number, "id_number": WANG_QIANG["id_number"], "scope": "visit",
                "query_code": query_code_of(yantai, case_id),
                "visit_day": "2026-11-26", "window_level": level,
                "comment": "材料清单和网上说的不一样" if level == 4 else "办事很快"})
            assert answer.status_code == 201, answer.text
            rated.extend(answer.json())
        bad = rated[1]
        called = await http.post(f"/cases/{cases[1]}/reviews/{bad['rating_id']}/callback",
                                 headers=staff(bad["served_by"], "window"),
                                 json={"reached": True, "verified": True,
                                       "notes": "王强确认材料清单有误"})
        assert called.status_code == 200, called.text
        never_read_the_log(yantai, monkeypatch)
        with no_case_loaded(yantai, monkeypatch):
            first = (await http.get("/ratings", params={"limit": 2})).json()
            rest = (await http.get("/ratings", params={"limit": 2, "offset": 2})).json()
    expected = [rating_view(r, case) for case in (as_loaded(yantai, c) for c in cases)
                for r in case.ratings.values()]
    assert first["ratings"] + rest["ratings"] == expected
    assert [r["rating_id"] for r in expected] == [r["rating_id"] for r in rated]
    assert first["ratings"][1]["review_status"] == "awaiting_resolution"  # kept as it moved
    assert first["summary"] == rest["summary"] and first["summary"]["count"] == 3


async def test_open_follow_ups_are_listed_from_the_table_the_evaluator_only_to_their_owner(
    delivery: Sites, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    yantai = delivery(YANTAI)
    numbers = ["370671202611260000501", "370671202611260000502"]
    cases = [opened_at_yantai(yantai, clock, number) for number in numbers]
    async with client(yantai) as http:
        bad = []
        for number, case_id in zip(numbers, cases, strict=True):
            clock.now += timedelta(minutes=10)
            answer = await http.post("/ratings", json={
                "case_number": number, "id_number": WANG_QIANG["id_number"], "scope": "visit",
                "query_code": query_code_of(yantai, case_id),
                "visit_day": "2026-11-26", "window_level": 5, "comment": "等了一个小时没人理"})
            assert answer.status_code == 201, answer.text
            bad.extend(answer.json())
        owner = Actor(staff_id=bad[0]["served_by"], role="window")
        colleague = Actor(staff_id="370671-W09", role="window")
        with no_case_loaded(yantai, monkeypatch):
            seen = {actor.staff_id: (await http.get("/reviews", headers=staff(actor.staff_id, actor.role))).json()
                for actor in (owner, colleague)}
    for actor in (owner, colleague):
        assert seen[actor.staff_id] == [
            shown_to(kept_record(as_loaded(yantai, case_id), UUID(rating["rating_id"])), actor)
            for case_id, rating in zip(cases, bad, strict=True)]
    assert seen[owner.staff_id][0]["evaluator"] == {"name": "王*", "phone": "138****1234"}
    full = review_view(as_loaded(yantai, cases[0]), UUID(bad[0]["rating_id"]), owner)
    assert full["evaluator"]["name"] == WANG_QIANG["name"]  # on the follow-up itself
    assert seen[colleague.staff_id][0]["evaluator"] == "（评价人信息保密）"


async def test_the_watch_reminds_supervises_and_flags_a_late_call_back_reading_only_what_is_due(
    delivery: Sites, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    yantai = delivery(YANTAI)
    waiting = await signed_for_at_yantai(yantai, clock, "370671202611260000301",
                                         "1187654329932")
    rated = opened_at_yantai(yantai, clock, "370671202611260000302")
    async with client(yantai) as http:
        bad = await http.post("/ratings", json={
            "case_number": "370671202611260000302", "id_number": WANG_QIANG["id_number"],
            "query_code": query_code_of(yantai, rated),
            "scope": "visit", "visit_day": "2026-11-26", "window_level": 5,
            "comment": "等了一个小时没人理"})
        assert bad.status_code == 201, bad.text
        with no_case_loaded(yantai, monkeypatch):
            at_window = (await http.get("/window/awaiting-pickup")).json()
    assert at_window == [case_view(as_loaded(yantai, waiting), masked=True)]  # names masked
    never_read_the_log(yantai, monkeypatch)
    watch = periodic_job(yantai, "delivery-watch")
    thursday, raised = clock.now, []
    for days in (1, 7, 7, 14, 14):  # Fri 27 Nov: the call-back is due today; Thu 3 Dec: five
        clock.now = thursday + timedelta(days=days)  # working days waiting; Thu 10 Dec: ten
        raised.append(await yantai.command(watch))
    assert raised == [0, 2, 0, 1, 0]
    names = {case_id: [e.name for e in yantai.store.events.get(case_id)]
             for case_id in (waiting, rated)}
    assert names[waiting].count("collection_reminded") == 1
    assert names[waiting].count("collection_supervised") == 1
    assert names[rated].count("review_overdue") == 1
