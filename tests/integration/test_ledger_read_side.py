"""The ledger's read tables on SQLite and PostgreSQL, without NATS: its rows are in the store's
own database (no file beside it), a restarted ledger answers a page of its 工作台账 from the
table, a message of a long file is observed from its rows rather than its events, and the rows
kept equal the rows the events rebuild."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from openpyxl import load_workbook

from contracts.base import DomainEvent
from contracts.subjects import own_stream, own_subject, parse_subject
from services.ledger.application import ExportTooLarge, Ledger
from services.ledger.domain import CaseFile
from services.ledger.main import build
from services.ledger.read_side import LEGS, TABLES, WORK_LEDGER, row_digests
from services.ledger.work_ledger_query import CaseFilter
from services.runtime.consumer import Delivery
from services.runtime.host import ServiceHost
from services.runtime.projections import Query
from services.runtime.settings import ServiceSettings, for_service
from tests.support.events import sample
from tests.support.staff import on_duty

YANTAI, QINGDAO = "370671", "370202"
WANG_QIANG = sample("intake.case_accepted.v1").applicant.model_dump(mode="json")  # type: ignore[attr-defined]
FIRST_DAY = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)  # a Monday, 09:30 in Yantai


def settings(store: dict[str, Any]) -> ServiceSettings:
    return for_service("ledger", site=YANTAI, **store)


class Feed:
    """Hands the ledger what its consumer would, one message at a time."""

    def __init__(self, host: ServiceHost) -> None:
        self.host, self.seq = host, 0

    def __call__(self, event: DomainEvent) -> CaseFile:
        self.seq += 1
        subject = own_subject(event)
        effect = self.host.subscriptions[0].handler(Delivery(
            event=event, envelope=parse_subject(subject), subject=subject,
            stream=own_stream(YANTAI), seq=self.seq, data=event.model_dump_json().encode()))
        self.host.store.record(*effect.aggregates)
        [file] = effect.aggregates
        return file


def a_case(day: int, number: str) -> list[DomainEvent]:
    """王强's change of registration, opened and accepted on the `day`th weekday, handled in
    Qingdao, approved and pushed online two days later."""
    case_id, at = uuid4(), FIRST_DAY + timedelta(days=day)
    common = {"case_number": number, "applicant": WANG_QIANG}

    def when(hours: int) -> str:
        return (at + timedelta(hours=hours)).isoformat()
    return [
        sample("intake.case_opened.v1", case_id, occurred_at=when(0), **common),
        sample("intake.case_accepted.v1", case_id, occurred_at=when(1), **common),
        sample("routing.case_routed.v1", case_id, occurred_at=when(2), **common),
        sample("approval.case_approved.v1", case_id, occurred_at=when(48),
               acting_site=QINGDAO, case_number=number),
        sample("delivery.result_pushed_online.v1", case_id, occurred_at=when(49),
               acting_site=QINGDAO, case_number=number),
        sample("intake.case_completed.v1", case_id, occurred_at=when(50), case_number=number),
    ]


@pytest.fixture
def ledger(store_overrides: dict[str, Any]) -> Iterator[tuple[ServiceHost, Feed]]:
    host = build(settings(store_overrides), lambda: FIRST_DAY + timedelta(days=10))
    yield host, Feed(host)
    host.store.close()


def client_of(host: ServiceHost) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=host.api),
                             base_url="http://ledger.370671", headers=on_duty("370671"))


def numbers(rows: list[dict[str, Any]]) -> list[str]:
    return [r["case_number"] for r in rows]


def test_the_ledgers_rows_are_in_its_store_and_no_file_is_made_beside_it(
    ledger: tuple[ServiceHost, Feed], store_overrides: dict[str, Any],
) -> None:
    host, feed = ledger
    for event in a_case(0, "37067120261123A1B2C3"):
        feed(event)
    [row] = host.store.read(Query(WORK_LEDGER))
    assert row["case_number"] == "37067120261123A1B2C3" and row["status"] == "completed"
    site_dir = Path(store_overrides["data_dir"]) / YANTAI
    kept_files = sorted(p.name for p in site_dir.glob("*.sqlite3"))
    if store_overrides["store"] == "postgres":
        assert kept_files == []
    else:
        assert kept_files == ["ledger.sqlite3", "personal_keys.sqlite3"]  # the site's vault


async def test_a_restarted_ledger_answers_a_page_of_its_work_ledger_from_the_table(
    ledger: tuple[ServiceHost, Feed], store_overrides: dict[str, Any],
) -> None:
    host, feed = ledger
    accepted = [f"370671202611{23 + day}A1B2C{day}" for day in range(5)]
    for day in (3, 0, 4, 1, 2):  # received out of order: listed by the day accepted
        for event in a_case(day, accepted[day]):
            feed(event)
    host.store.close()

    again = build(settings(store_overrides), lambda: FIRST_DAY + timedelta(days=10))
    try:
        async with client_of(again) as client:
            page = await client.get("/audit/cases", params={"limit": 2, "offset": 1})
            last = await client.get("/audit/cases", params={"limit": 2, "offset": 4})
            at_qingdao = await client.get("/audit/cases", params={"site": QINGDAO, "limit": 3})
            too_many = await client.get("/audit/cases", params={"limit": 501})
    finally:
        again.store.close()
    assert page.status_code == 200, page.text
    assert numbers(page.json()) == accepted[1:3]
    assert numbers(last.json()) == accepted[4:]
    assert numbers(at_qingdao.json()) == accepted[:3]
    assert all(r["applicant"] == "王* 3****************3" for r in page.json())
    assert too_many.status_code == 422


def test_a_message_of_a_long_file_is_observed_from_its_rows_not_its_events(
    ledger: tuple[ServiceHost, Feed],
) -> None:
    _, feed = ledger
    events = a_case(0, "37067120261123A1B2C3")
    for event in events[:-1]:
        feed(event)
    file = feed(events[-1])
    assert [e.observed.name for e in file.entries] == ["case_completed"]  # nothing replayed
    assert (file.version, file.observed, file.archived) == (len(events) + 1, len(events), True)


async def test_the_rows_kept_equal_the_rows_the_events_rebuild(
    ledger: tuple[ServiceHost, Feed],
) -> None:
    host, feed = ledger
    for day in range(3):
        events = a_case(day, f"370671202611{23 + day}A1B2C{day}")
        case_id: UUID = events[0].case_id
        for event in events:
            feed(event)
        feed(sample("delivery.service_rated.v1", case_id, case_number=events[0].case_number))
        feed(sample("ledger.personal_data_read.v1", case_id, case_number=events[0].case_number))
    for table in TABLES:
        kept, rebuilt = host.store.rows_digests(table)
        assert kept == rebuilt, table.name
    async with client_of(host) as client:
        ratings = (await client.get("/audit/ratings", params={"limit": 2})).json()
        reads = (await client.get("/audit/personal-data-reads", params={"limit": 5})).json()
    assert len(ratings) == 2 and len(reads) == 3


async def test_a_name_with_a_control_character_sent_from_elsewhere_still_exports(
    ledger: tuple[ServiceHost, Feed],
) -> None:
    """A site whose window let a bell into 王强's name sends it on: this ledger's exports still
    answer, the character written escaped, never a 500 on every later call."""
    host, feed = ledger
    for event in a_case(0, "37067120261123A1B2C3"):
        if hasattr(event, "applicant"):
            belled = event.applicant.model_copy(update={"name": "\u0007王强"})
            event = event.model_copy(update={"applicant": belled})
        feed(event)
    async with client_of(host) as client:
        xlsx = await client.get("/audit/work-ledger.xlsx")
        csv = await client.get("/audit/work-ledger.csv")
    assert xlsx.status_code == 200, xlsx.text
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    applicants = [cell for row in sheet.iter_rows(values_only=True) for cell in row
                  if isinstance(cell, str) and "3****************3" in cell]
    assert applicants == ["\\u0007** 3****************3"]
    assert csv.status_code == 200 and "\u0007** 3****" in csv.content.decode("utf-8-sig")


async def test_time_per_leg_and_the_digests_come_from_totals_kept_with_the_rows(
    ledger: tuple[ServiceHost, Feed],
) -> None:
    """Over all history they read a row per unit and per table: the rows themselves, gone
    behind the store's back, change neither; the rows' own digests show the loss."""
    host, feed = ledger
    for day in range(3):
        for event in a_case(day, f"370671202611{23 + day}A1B2C{day}"):
            feed(event)
    async with client_of(host) as client:
        legs = (await client.get("/audit/legs")).json()
        digests = (await client.get("/audit/digests")).json()
        assert {k: v for k, v in digests.items() if k != "position"} == row_digests(host.store)
        check = next(leg for leg in legs if leg["leg"] == "receiving_check")
        assert (check["site"], check["unit"], check["cases"], check["mean_hours"]) == (
            YANTAI, "跨域通办窗口", 3, 1.0)
        side = host.store.read_side
        with side.datastore.transaction(commit=True) as cursor:
            cursor.execute(f"DELETE FROM {LEGS.qualified(side.prefix)}")
        assert (await client.get("/audit/legs")).json() == legs
        assert (await client.get("/audit/digests")).json() == digests
    assert row_digests(host.store)["legs"] != digests["legs"]


async def test_the_work_ledger_exports_the_cases_selected_a_page_at_a_time_and_an_xlsx_has_a_limit(
    ledger: tuple[ServiceHost, Feed],
) -> None:
    host, feed = ledger
    numbers = [f"370671202611{23 + day}A1B2C{day}" for day in range(3)]
    for day, number in enumerate(numbers):
        for event in a_case(day, number):
            feed(event)
    application = Ledger(host)  # the use cases the routes call
    rows, after = application.work_ledger_pages(CaseFilter(), size=2)
    rest, last = application.work_ledger_pages(CaseFilter(), after, size=2)
    assert [r["case_number"] for r in [*rows, *rest]] == numbers and last is not None
    with pytest.raises(ExportTooLarge):
        list(application.work_ledger(CaseFilter(), at_most=2))
    async with client_of(host) as client:
        later = await client.get("/audit/work-ledger.csv", params={"accepted_from": "2026-11-24"})
        xlsx = await client.get("/audit/work-ledger.xlsx", params={"accepted_to": "2026-11-23"})
        bad = await client.get("/audit/work-ledger.csv", params={"site": "3706711"})
    assert [line.split(",")[0] for line in later.content.decode("utf-8-sig").splitlines()[1:]] \
        == numbers[1:]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [r[0] for r in sheet.iter_rows(min_row=3, values_only=True)] == numbers[:1]
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "site"
