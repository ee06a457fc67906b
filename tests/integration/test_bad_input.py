"""Bad input at the window gets a 4xx naming the field and the reason, and stores nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.intake.main import build
from services.runtime.host import ServiceHost
from services.runtime.settings import for_service
from tests.support.stack import GT_CHANGE, WANG_QIANG, WINDOW_CLERK


@pytest.fixture
async def window(store_overrides: dict[str, Any]) -> AsyncIterator[tuple[ServiceHost, httpx.AsyncClient]]:
    host = build(for_service("intake", site="370671", **store_overrides))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=host.api),
                                 base_url="http://intake.370671") as client:
        yield host, client
    host.store.close()


def fields(response: httpx.Response) -> dict[str, str]:
    return {e["field"]: e["reason"] for e in response.json()["errors"]}


async def test_an_unknown_matter_is_refused_and_nothing_is_stored(window: Any) -> None:
    host, client = window
    response = await client.post("/cases", headers=WINDOW_CLERK,
                                 json={"matter_code": "999999XX0000", "applicant": WANG_QIANG})
    assert response.status_code == 422
    assert "999999XX0000" in fields(response)["matter_code"]
    assert list(host.store.scan()) == []


async def test_a_missing_applicant_is_named(window: Any) -> None:
    host, client = window
    response = await client.post("/cases", headers=WINDOW_CLERK, json={"matter_code": GT_CHANGE})
    assert response.status_code == 422
    assert fields(response) == {"applicant": "必填项缺失"}
    assert list(host.store.scan()) == []


async def test_malformed_json_is_refused(window: Any) -> None:
    host, client = window
    response = await client.post("/cases", headers={**WINDOW_CLERK, "Content-Type": "application/json"},
                                 content=b'{"matter_code": "370202GT0001", "applicant": ')
    assert response.status_code == 422
    assert list(fields(response).values()) == ["JSON 格式错误"]
    assert list(host.store.scan()) == []


async def test_an_id_number_with_a_wrong_check_digit_is_refused(window: Any) -> None:
    host, client = window
    wrong = {"name": "王强", "id_number": "370602198803141234"}
    response = await client.post("/cases", headers=WINDOW_CLERK,
                                 json={"matter_code": GT_CHANGE, "applicant": wrong})
    assert response.status_code == 422
    assert fields(response) == {"applicant.id_number": "居民身份证号码校验码不正确"}
    assert list(host.store.scan()) == []


async def test_a_command_without_the_acting_staff_member_is_refused(window: Any) -> None:
    host, client = window
    response = await client.post("/cases", json={"matter_code": GT_CHANGE, "applicant": WANG_QIANG})
    assert response.status_code == 422
    assert set(fields(response)) == {"x-staff-id", "x-staff-role"}
    assert list(host.store.scan()) == []


async def test_accepting_a_case_twice_is_refused_with_the_reason(window: Any) -> None:
    host, client = window
    opened = await client.post("/cases", headers=WINDOW_CLERK,
                               json={"matter_code": GT_CHANGE, "applicant": WANG_QIANG})
    case_id = opened.json()["case_id"]
    assert (await client.post(f"/cases/{case_id}/accept", headers=WINDOW_CLERK)).status_code == 200
    again = await client.post(f"/cases/{case_id}/accept", headers=WINDOW_CLERK)
    assert again.status_code == 409
    assert fields(again) == {"case": "该办件已受理，不能重复受理"}
    assert [e.name for e in host.store.scan()] == ["case_opened", "case_accepted"]


async def test_an_unknown_case_is_not_found(window: Any) -> None:
    _, client = window
    response = await client.get("/cases/6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e")
    assert response.status_code == 404
