"""Qingdao's approval reads its own table on both stores: the queue and the inbox a page at a
time, the SLA counts by department, and the legal clock's scheduler only the cases whose
warning or overdue day has come; none of them reads the event log. The approval service runs
on its own store here, fed the exchange's CaseAdmitted by hand (no bus)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from contracts.approval import DueDateRecomputed
from contracts.base import DomainEvent
from services.approval.main import build
from services.approval.read_side import APPROVAL_CASES
from services.runtime.host import ServiceHost
from services.runtime.projections import Query
from services.runtime.settings import for_service
from tests.support.clock import FakeClock
from tests.support.events import sample
from tests.support.stack import APPROVER, WANG_QIANG, periodic_job, read_side_drift
from tests.support.staff import on_duty
from tests.unit.test_originals_before_decision import delivered

QINGDAO = "370202"
MARKET = "青岛市市南区市场监督管理局"
POLICE = "青岛市公安局市南分局"
# 个体工商户变更登记 (3 working days) accepted at the Yantai window; due dates from Thursday
# 26 November 2026: 张伟 was due yesterday, 李娜 tomorrow, 赵敏 on Monday, 王强 on Tuesday.
ZHANG_WEI = ("张伟", "370202199005124028", "370671202611200000001", "2026-11-20", "2026-11-25")
LI_NA = ("李娜", "370687199203075525", "370671202611240000002", "2026-11-24", "2026-11-27")
ZHAO_MIN = ("赵敏", "370212199502260883", "370671202611250000003", "2026-11-25", "2026-11-30")
WANG = ("王强", WANG_QIANG["id_number"], "370671202611260000004", "2026-11-26", "2026-12-01")
PEOPLE = (WANG, ZHAO_MIN, LI_NA, ZHANG_WEI)


def admitted(person: tuple[str, ...], **changes: Any) -> DomainEvent:
    name, id_number, case_number, accepted_on, _ = person
    return sample("routing.case_admitted.v1", case_id=uuid4(), **{
        "case_number": case_number, "accepted_on": accepted_on, "manifests": [],
        "applicant": {**WANG_QIANG, "name": name, "id_number": id_number}, **changes})


class Qingdao:
    """Qingdao's approval service on the test's store, and the exchange's hand."""

    def __init__(self, store_overrides: dict[str, Any], clock: FakeClock) -> None:
        self.store_overrides, self.clock = store_overrides, clock
        self.hosts: list[ServiceHost] = []
        self.seq = 0

    def open(self, **settings: Any) -> ServiceHost:
        host = build(for_service("approval", site=QINGDAO, **self.store_overrides, **settings),
                     self.clock)
        self.hosts.append(host)
        return host

    def admit(self, host: ServiceHost, *events: DomainEvent) -> list[str]:
        """The exchange admits each case, a minute apart."""
        on_routing = next(s.handler for s in host.subscriptions
                          if s.name == "approval-on-routing")
        for event in events:
            self.seq += 1
            host.store.record(*on_routing(delivered(event, self.seq)).aggregates)
            self.clock.now += timedelta(minutes=1)
        return [str(e.case_id) for e in events]

    def close(self) -> list[str]:
        drifted = [d for h in self.hosts if not h.store.closed for d in read_side_drift(h)]
        for host in self.hosts:
            if not host.store.closed:
                host.store.close()
        return drifted


@pytest.fixture
async def qingdao(store_overrides: dict[str, Any]) -> AsyncIterator[Qingdao]:
    site = Qingdao(store_overrides, FakeClock())
    yield site
    drifted = site.close()
    assert not drifted, f"read tables differ from their rebuild: {drifted}"


def client(host: ServiceHost) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=host.api),
                             base_url="http://approval.370202", headers=on_duty("370202"))


def without_the_log(host: ServiceHost, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_scan(*_: Any, **__: Any) -> Any:
        raise AssertionError("the event log was read")

    monkeypatch.setattr(host.store.recorder, "select_notifications", no_scan)


def cases_loaded(host: ServiceHost, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the cases whose events the store reads from now on."""
    loaded: list[str] = []
    select: Callable[..., Any] = host.store.recorder.select_events

    def select_events(originator_id: Any, *args: Any, **kwargs: Any) -> Any:
        loaded.append(str(originator_id))
        return select(originator_id, *args, **kwargs)

    monkeypatch.setattr(host.store.recorder, "select_events", select_events)
    return loaded


async def test_the_queue_is_read_a_page_at_a_time_soonest_due_first_without_the_log(
    qingdao: Qingdao, monkeypatch: pytest.MonkeyPatch,
) -> None:
    host = qingdao.open()
    ids = qingdao.admit(host, *(admitted(p) for p in PEOPLE))
    without_the_log(host, monkeypatch)
    qingdao.clock.now = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    async with client(host) as approval:
        claimed = await approval.post(f"/cases/{ids[0]}/claim", headers=APPROVER)
        first = (await approval.get("/queue", params={"limit": 2})).json()
        second = (await approval.get("/queue", params={"limit": 2, "offset": 2})).json()
        beyond = (await approval.get("/queue", params={"limit": 2, "offset": 4})).json()
        mine = (await approval.get("/queue", params={"claimant": "370202-A07"})).json()
        whole = (await approval.get("/queue")).json()
    assert claimed.status_code == 200, claimed.text
    assert [(r["case_number"], r["due_date"], r["working_days_left"]) for r in first + second] == [
        (ZHANG_WEI[2], "2026-11-25", -1), (LI_NA[2], "2026-11-27", 1),
        (ZHAO_MIN[2], "2026-11-30", 2), (WANG[2], "2026-12-01", 3)]
    assert beyond == [] and whole == first + second
    assert [(r["case_id"], r["claimant"]) for r in mine] == [(ids[0], "370202-A07")]
    assert mine[0] == {
        "case_id": ids[0], "case_number": WANG[2], "matter_name": "个体工商户变更登记",
        "department": MARKET, "joint_role": None, "receiving_site": "370671",
        "received_at": "2026-11-26T01:30:00+00:00", "claimant": "370202-A07",
        "due_date": "2026-12-01", "due_provisional": False, "paused": False,
        "waiting_for_originals": False, "waiting_reason": None, "working_days_left": 3}


async def test_a_page_of_more_than_five_hundred_cases_is_refused(qingdao: Qingdao) -> None:
    host = qingdao.open()
    async with client(host) as approval:
        too_many = await approval.get("/queue", params={"limit": 501})
        backwards = await approval.get("/inbox", params={"offset": -1})
        unknown = await approval.get("/queue", params={"approver": "370202-A07"})
    assert (too_many.status_code, backwards.status_code, unknown.status_code) == (422, 422, 422)
    [error] = too_many.json()["errors"]
    assert error["field"] == "limit" and "500" in error["reason"]
    assert backwards.json()["errors"][0]["field"] == "offset"


async def test_the_inbox_lists_undecided_cases_oldest_first_a_page_at_a_time(
    qingdao: Qingdao, monkeypatch: pytest.MonkeyPatch,
) -> None:
    host = qingdao.open()
    ids = qingdao.admit(host, *(admitted(p) for p in PEOPLE))
    without_the_log(host, monkeypatch)
    async with client(host) as approval:
        await approval.post(f"/cases/{ids[1]}/claim", headers=APPROVER)
        decided = await approval.post(f"/cases/{ids[1]}/approve", headers=APPROVER,
                                      json={"document_number": "370202600123457"})
        first = (await approval.get("/inbox", params={"limit": 2})).json()
        rest = (await approval.get("/inbox", params={"limit": 2, "offset": 2})).json()
    assert decided.status_code == 200, decided.text
    assert [r["case_id"] for r in first + rest] == [ids[0], ids[2], ids[3]]
    assert set(first[0]) == {"case_id", "case_number", "matter_name", "department",
                             "joint_role", "receiving_site", "received_at"}


async def test_the_sla_counts_by_department_come_from_the_table(
    qingdao: Qingdao, monkeypatch: pytest.MonkeyPatch,
) -> None:
    host = qingdao.open()
    joint = sample("routing.case_routed.v1", case_id=uuid4())  # 刘洋's household, 10 days
    ids = qingdao.admit(host, *(admitted(p) for p in PEOPLE), joint)
    without_the_log(host, monkeypatch)
    async with client(host) as approval:
        await approval.post(f"/cases/{ids[0]}/claim", headers=APPROVER)
        await approval.post(f"/cases/{ids[0]}/approve", headers=APPROVER,
                            json={"document_number": "370202600123456"})
        sla = (await approval.get("/sla")).json()
        police = (await approval.get("/queue", params={"department": POLICE})).json()
    assert [(r["case_id"], r["joint_role"]) for r in police] == [(ids[-1], "随迁子女迁出")]
    assert sla == {
        MARKET: {"on_time": 0, "due_soon": 2, "overdue": 1, "decided_on_time": 1,
                 "decided_late": 0},
        POLICE: {"on_time": 1, "due_soon": 0, "overdue": 0, "decided_on_time": 0,
                 "decided_late": 0}}


async def test_the_scheduler_reads_only_the_cases_whose_deadline_has_come(
    qingdao: Qingdao, monkeypatch: pytest.MonkeyPatch,
) -> None:
    host = qingdao.open()
    wang, zhao, li, zhang = qingdao.admit(host, *(admitted(p) for p in PEOPLE))
    without_the_log(host, monkeypatch)
    loaded = cases_loaded(host, monkeypatch)
    tick = periodic_job(host, "approval-clock")
    qingdao.clock.now = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    assert await host.command(tick) == 4  # 张伟 warned and overdue, 李娜 and 赵敏 warned
    assert sorted(loaded) == sorted([zhang, li, zhao])
    loaded.clear()
    assert await host.command(tick) == 0 and loaded == []  # nothing more is due today
    qingdao.clock.now = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 王强: two days left
    assert await host.command(tick) == 1 and loaded == [wang]
    loaded.clear()
    qingdao.clock.now = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # 李娜's due date has passed
    assert await host.command(tick) == 1 and loaded == [li]
    names = [e.name for e in host.store.events.get(UUID(li))]
    assert names.count("deadline_approaching") == names.count("case_overdue") == 1


async def test_a_paused_clock_is_not_read_by_the_scheduler_until_it_resumes(
    qingdao: Qingdao, monkeypatch: pytest.MonkeyPatch,
) -> None:
    host = qingdao.open()
    [wang] = qingdao.admit(host, admitted(WANG))
    tick = periodic_job(host, "approval-clock")
    async with client(host) as approval:
        await approval.post(f"/cases/{wang}/claim", headers=APPROVER)
        await approval.post(f"/cases/{wang}/supplement-requests", headers=APPROVER,
                            json={"items": ["新经营场所租赁合同需加盖出租方公章"]})
        loaded = cases_loaded(host, monkeypatch)
        qingdao.clock.now = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # past the old due date
        assert await host.command(tick) == 0 and loaded == []
        resumed = (await approval.post(f"/cases/{wang}/clock/resume", headers=APPROVER)).json()
    assert resumed["due_date"] == "2026-12-07"  # the 4 working days paused added
    loaded.clear()
    qingdao.clock.now = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)  # two working days left
    assert await host.command(tick) == 1 and loaded == [wang]


async def test_a_provisional_due_date_is_computed_again_once_the_site_configures_its_year(
    qingdao: Qingdao, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 2054-2055: years the calendar package will not know for decades (weekdays as 2026-2027).
    qingdao.clock.now = datetime(2054, 12, 21, 2, 0, tzinfo=UTC)
    first = qingdao.open()
    [wang] = qingdao.admit(first, admitted(WANG, accepted_on="2054-12-21", promised_days=20,
                                           statutory_days=20))
    assert await first.command(periodic_job(first, "approval-clock")) == 0
    first.store.close()
    configured = qingdao.open(calendar_holidays=[date(2055, 1, 1), date(2055, 1, 18)],
                              calendar_configured_years=[2054, 2055])
    without_the_log(configured, monkeypatch)
    tick = periodic_job(configured, "approval-clock")
    qingdao.clock.now = datetime(2054, 12, 23, 2, 0, tzinfo=UTC)
    assert await configured.command(tick) == 1
    assert await configured.command(tick) == 0
    events = list(configured.store.events.get(UUID(wang)))
    assert [(e.previous_due_date, e.due_date) for e in events
            if isinstance(e, DueDateRecomputed)] == [(date(2055, 1, 19), date(2055, 1, 20))]


async def test_a_holiday_the_site_adds_moves_the_warning_day_of_cases_already_queued(
    qingdao: Qingdao,
) -> None:
    first = qingdao.open()
    [case_id] = qingdao.admit(first, admitted(WANG))  # due Tuesday 1 December
    before = warning_day(first, case_id)
    first.store.close()
    # The site declares Friday 27 November a holiday: the table is made again on start.
    second = qingdao.open(calendar_holidays=[date(2026, 11, 27)])
    after = warning_day(second, case_id)
    assert (before, after) == ("2026-11-27", "2026-11-26")


def warning_day(host: ServiceHost, case_id: str) -> str:
    [row] = [r for r in host.store.read(Query(APPROVAL_CASES)) if r["id"] == case_id]
    return str(row["next_check"])
