"""The auditor's `GET /cases/{id}/state?at=` on an in-process ledger (no NATS): a date-time
written without an offset is read as China's time, the time on the hall's clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import httpx
import pytest

from contracts.subjects import own_stream, own_subject, parse_subject
from services.ledger.main import build
from services.runtime.consumer import Delivery
from services.runtime.settings import for_service
from tests.support.events import sample
from tests.support.staff import on_duty

YANTAI = "370671"
OPENED_AT = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)  # 09:30 in Yantai


@pytest.fixture
async def ledger_with_one_case(tmp_path: Path) -> AsyncIterator[tuple[UUID, httpx.AsyncClient]]:
    """Yantai's ledger holding one case, opened at 09:30 China time on 26 November 2026."""
    host = build(for_service("ledger", site=YANTAI, store="sqlite", data_dir=tmp_path),
                 lambda: OPENED_AT)
    case_id = uuid4()
    opened = sample("intake.case_opened.v1", case_id, occurred_at=OPENED_AT.isoformat())
    subject = own_subject(opened)
    effect = host.subscriptions[0].handler(Delivery(
        event=opened, envelope=parse_subject(subject), subject=subject,
        stream=own_stream(YANTAI), seq=1, data=opened.model_dump_json().encode()))
    host.store.record(*effect.aggregates)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=host.api),
                                 base_url="http://ledger.370671",
                                 headers=on_duty("370671")) as client:
        yield case_id, client
    host.store.close()


async def test_a_moment_without_an_offset_is_read_as_china_time(
    ledger_with_one_case: tuple[UUID, httpx.AsyncClient],
) -> None:
    case_id, ledger = ledger_with_one_case
    before = await ledger.get(f"/cases/{case_id}/state", params={"at": "2026-11-26T09:00:00"})
    after = await ledger.get(f"/cases/{case_id}/state", params={"at": "2026-11-26T09:40:00"})
    assert before.status_code == 404  # 09:00 in Yantai is half an hour before it was opened
    assert after.status_code == 200, after.text
    assert after.json()["as_of"] == "2026-11-26T09:40:00+08:00"
    assert after.json()["events"] == 1


async def test_a_moment_with_an_offset_is_taken_as_written(
    ledger_with_one_case: tuple[UUID, httpx.AsyncClient],
) -> None:
    case_id, ledger = ledger_with_one_case
    in_utc = await ledger.get(f"/cases/{case_id}/state", params={"at": "2026-11-26T01:40:00Z"})
    assert in_utc.status_code == 200 and in_utc.json()["events"] == 1


async def test_a_moment_that_is_no_date_time_is_refused_against_the_field_at(
    ledger_with_one_case: tuple[UUID, httpx.AsyncClient],
) -> None:
    case_id, ledger = ledger_with_one_case
    refused = await ledger.get(f"/cases/{case_id}/state", params={"at": "昨天上午"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "at"
