"""The window over HTTP: every endpoint refuses bad input with the field and the reason and
stores nothing; an action out of order answers 409 with the rule it breaks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.intake.main import build
from services.runtime.host import ServiceHost
from services.runtime.settings import for_service
from tests.support.applicant import query_code_of
from tests.support.clock import FakeClock
from tests.support.stack import GT_CHANGE, WANG_QIANG, WINDOW_CLERK
from tests.support.staff import on_duty

HAIAN = {"kind": "company", "name": "烟台海岸食品有限公司", "credit_code": "913706027654032157",
         "legal_representative": "赵海", "representative_id_number": "370602198803141233",
         "phone": "0535-6921234"}


def fields(response: httpx.Response) -> dict[str, str]:
    return {e["field"]: e["reason"] for e in response.json()["errors"]}


def stored(host: ServiceHost) -> int:
    return sum(1 for _ in host.store.scan())


async def open_case(client: httpx.AsyncClient, applicant: dict[str, Any] = WANG_QIANG,
                    matter: str = GT_CHANGE) -> dict[str, Any]:
    response = await client.post("/cases", headers=WINDOW_CLERK,
                                 json={"matter_code": matter, "applicant": applicant})
    assert response.status_code == 201, response.text
    return response.json()


BAD_CASE_REQUESTS = [
    ({"matter_code": "999999XX0000", "applicant": WANG_QIANG}, "matter_code"),
    ({"matter_code": GT_CHANGE}, "applicant"),
    ({"matter_code": GT_CHANGE, "applicant": {**WANG_QIANG, "id_number": "370602198803141234"}},
     "applicant.id_number"),
    ({"matter_code": GT_CHANGE, "applicant": {**HAIAN, "credit_code": "91370202589012345I"}},
     "applicant.credit_code"),
    ({"matter_code": GT_CHANGE, "applicant": {**WANG_QIANG, "phone": "12345"}}, "applicant.phone"),
    ({"matter_code": GT_CHANGE, "applicant": WANG_QIANG, "delivery_channel": "pigeon"},
     "delivery_channel"),
]


@pytest.mark.parametrize(("body", "field"), BAD_CASE_REQUESTS, ids=lambda v: str(v)[:40])
async def test_opening_a_case_with_bad_input_names_the_field_and_stores_nothing(
    window: Any, body: dict[str, Any], field: str,
) -> None:
    host, client = window
    response = await client.post("/cases", headers=WINDOW_CLERK, json=body)
    assert response.status_code == 422
    assert field in fields(response), fields(response)
    assert stored(host) == 0


async def test_malformed_json_is_refused_against_the_body(window: Any) -> None:
    host, client = window
    response = await client.post("/cases", headers={**WINDOW_CLERK,
                                                    "Content-Type": "application/json"},
                                 content=b'{"matter_code": "370202GT0001", "applicant": ')
    assert response.status_code == 422
    assert fields(response) == {"body": "请求体不是有效的 JSON"}
    assert stored(host) == 0


async def test_a_command_without_a_signed_in_clerk_is_refused_and_stores_nothing(
        window: Any) -> None:
    host, client = window
    for headers in ({"Authorization": ""}, {"X-Staff-Id": "370671-W01", "X-Staff-Role": "window",
                                            "Authorization": ""}):
        response = await client.post("/cases", headers=headers, json={
            "matter_code": GT_CHANGE, "applicant": WANG_QIANG})
        assert response.status_code == 401
        assert response.json()["errors"][0] == {"field": "authorization",
                                                "rule": "token_missing",
                                                "reason": "请先登录：请求未携带职员令牌"}
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert stored(host) == 0


BAD_CASE_COMMANDS = [
    ("proxy", {"kind": "proxy"}, 422, "mandate_number"),
    ("proxy", {"kind": "friend"}, 422, "kind"),
    ("materials", {"items": []}, 422, "items"),
    ("materials", {"items": [{"material_code": "M99"}]}, 422, "material_code"),
    ("materials", {"items": [{"material_code": "M01", "pages": 0}]}, 422, "items.0.pages"),
    ("identity", {"subject": "agent"}, 422, "subject"),
    ("notices", {"defects": []}, 422, "defects"),
    ("notices", {"defects": [{"material_code": "M01", "problem": "ugly", "detail": "x"}]}, 422,
     "defects.0.problem"),
    ("supplements", {"items": [{"material_code": "M01"}]}, 409, "case"),
    ("commitment", {"material_codes": ["M04"], "signed_by": "王强"}, 409, "case"),
    ("accept", None, 409, "case"),
    ("accept-tolerantly", {"due_date": "下周三"}, 422, "due_date"),
    ("reject", {"reason": ""}, 422, "reason"),
    ("promised-materials", {"items": [{"material_code": "M04"}]}, 409, "case"),
]


@pytest.mark.parametrize(("path", "body", "status", "field"), BAD_CASE_COMMANDS,
                         ids=[f"{c[0]}-{c[3]}" for c in BAD_CASE_COMMANDS])
async def test_every_window_command_refuses_bad_input_and_stores_nothing(
    window: Any, path: str, body: dict[str, Any] | None, status: int, field: str,
) -> None:
    host, client = window
    case = await open_case(client)
    before = stored(host)
    response = await client.post(f"/cases/{case['case_id']}/{path}", headers=WINDOW_CLERK,
                                 json=body)
    assert response.status_code == status, response.text
    assert field in fields(response)
    assert stored(host) == before


@pytest.mark.parametrize("path", ["accept", "fee-guidance"])
async def test_an_unknown_or_malformed_case_id_is_refused(window: Any, path: str) -> None:
    host, client = window
    unknown = await client.post(f"/cases/6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e/{path}",
                                headers=WINDOW_CLERK)
    malformed = await client.post(f"/cases/case-1/{path}", headers=WINDOW_CLERK)
    assert (unknown.status_code, malformed.status_code) == (404, 422)
    assert "case_id" in fields(malformed)
    assert stored(host) == 0


async def test_accepting_under_an_open_one_time_notice_answers_409_with_the_rule(
    window: Any,
) -> None:
    host, client = window
    case_id = (await open_case(client))["case_id"]
    await client.post(f"/cases/{case_id}/materials", headers=WINDOW_CLERK,
                      json={"items": [{"material_code": "M01"}, {"material_code": "M02"}]})
    await client.post(f"/cases/{case_id}/identity", headers=WINDOW_CLERK, json={})
    notice = await client.post(f"/cases/{case_id}/notices", headers=WINDOW_CLERK, json={
        "defects": [{"material_code": "M03", "problem": "missing", "detail": "缺少身份证复印件"}]})
    assert notice.status_code == 200 and notice.json()["status"] == "awaiting_supplement"
    before = stored(host)
    response = await client.post(f"/cases/{case_id}/accept", headers=WINDOW_CLERK)
    assert response.status_code == 409
    assert response.json()["errors"][0]["rule"] == "one_time_notice_open"
    assert stored(host) == before


async def test_documents_and_progress_refuse_what_does_not_exist(window: Any) -> None:
    host, client = window
    case = await open_case(client)
    early = await client.get(f"/cases/{case['case_id']}/documents/acceptance_notice")
    bogus = await client.get(f"/cases/{case['case_id']}/documents/certificate")
    no_receipt_yet = await client.get(f"/cases/{case['case_id']}/documents/receipt")
    wrong_id = await client.get("/progress", params={
        "case_number": case["case_number"], "id_number": "370202199209093382",
        "query_code": query_code_of(host, case["case_id"])})
    missing = await client.get("/progress", params={"case_number": case["case_number"]})
    assert (early.status_code, bogus.status_code, no_receipt_yet.status_code) == (409, 422, 409)
    assert (wrong_id.status_code, missing.status_code) == (404, 422)
    assert {"id_number", "query_code"} <= set(fields(missing))


async def test_the_guide_desk_refuses_an_unknown_matter_and_an_unknown_window(window: Any) -> None:
    host, client = window
    visit = await client.post("/guide/visits", headers=WINDOW_CLERK,
                              json={"matter_code": "999999XX0000"})
    queue = await client.get("/guide/queues/X99")
    assert (visit.status_code, queue.status_code) == (422, 404)
    assert "matter_code" in fields(visit) and "window_id" in fields(queue)
    assert stored(host) == 0


async def test_an_id_number_typed_in_full_width_opens_the_case_for_the_same_person(
    window: Any,
) -> None:
    host, client = window
    full_width = {**WANG_QIANG, "id_number": "３７０６０２１９８８０３１４１２３３"}
    case = await open_case(client, full_width)
    code = query_code_of(host, case["case_id"])
    found = [await client.get("/progress", params={"case_number": case["case_number"],
                                                   "id_number": number, "query_code": code})
             for number in ("370602198803141233", "３７０６０２１９８８０３１４１２３３")]
    assert [r.status_code for r in found] == [200, 200]


async def test_a_notice_naming_ten_thousand_defects_is_refused_naming_the_list(
    window: Any,
) -> None:
    host, client = window
    case = await open_case(client)
    before = stored(host)
    defects = [{"material_code": "M04", "problem": "defective", "detail": f"租赁合同第{page}页模糊"}
               for page in range(1, 10_001)]
    body = json.dumps({"defects": defects}, ensure_ascii=False).encode()
    assert len(body) < host.settings.body_max_bytes  # the list's own bound refuses it
    response = await client.post(f"/cases/{case['case_id']}/notices", content=body,
                                 headers={**WINDOW_CLERK, "Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "defects", "reason": "最多只能有 50 项", "rule": "too_long"}]
    assert stored(host) == before


def two_megabytes_of_reasons() -> bytes:
    reason = "申请人提交的营业执照正副本与登记机关存档不一致，经营场所证明亦未加盖产权单位公章。"
    return json.dumps({"reason": reason * 50_000}, ensure_ascii=False).encode()


async def streamed(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 64 * 1024):
        yield body[start:start + 64 * 1024]


TOO_LARGE = {"errors": [
    {"field": "body", "reason": "请求体过大（至多 1048576 字节）", "rule": "http_413"}]}


@pytest.mark.parametrize("sent", ["with_its_length", "streamed_without_a_length"])
async def test_a_two_megabyte_body_is_refused_as_too_large_and_stores_nothing(
    window: Any, sent: str,
) -> None:
    host, client = window
    case = await open_case(client)
    before = stored(host)
    body = two_megabytes_of_reasons()
    assert len(body) > 2_000_000
    response = await client.post(f"/cases/{case['case_id']}/reject", headers={
        **WINDOW_CLERK, "Content-Type": "application/json"},
        content=body if sent == "with_its_length" else streamed(body))
    assert response.status_code == 413
    assert response.json() == TOO_LARGE
    assert stored(host) == before


@pytest.mark.parametrize("sent", ["with_its_length", "streamed_without_a_length"])
async def test_a_command_that_takes_no_body_refuses_a_two_megabyte_one_before_it_acts(
    window: Any, sent: str,
) -> None:
    host, client = window
    case_id = (await open_case(client))["case_id"]
    await client.post(f"/cases/{case_id}/materials", headers=WINDOW_CLERK, json={"items": [
        {"material_code": code} for code in ("M01", "M02", "M03", "M04")]})
    await client.post(f"/cases/{case_id}/identity", headers=WINDOW_CLERK, json={})
    before = stored(host)
    body = two_megabytes_of_reasons()
    response = await client.post(f"/cases/{case_id}/accept", headers={
        **WINDOW_CLERK, "Content-Type": "application/json"},
        content=body if sent == "with_its_length" else streamed(body))
    assert response.status_code == 413
    assert response.json() == TOO_LARGE
    assert stored(host) == before
    accepted = await client.post(f"/cases/{case_id}/accept", headers=WINDOW_CLERK)
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"


def every_page_of_the_lease(pages: int) -> list[dict[str, str]]:
    problem = ("出租人签章与不动产权证书上的产权人姓名不一致，未附产权人同意转租的书面证明，"
               "请补齐后一并提交。")
    return [{"material_code": "M04", "problem": "defective",
             "detail": (f"租赁合同第{page}页：" + problem * 4)[:200]} for page in range(1, pages + 1)]


async def test_a_command_whose_event_would_not_fit_a_message_is_refused_and_stores_nothing(
    store_overrides: dict[str, Any], clock: FakeClock,
) -> None:
    # A site whose NATS takes messages of 64 KiB keeps each event under 32 KiB.
    host = build(for_service("intake", site="370671", event_max_bytes=32 * 1024,
                             **store_overrides), clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=host.api),
                                 base_url="http://intake.370671",
                                 headers=on_duty("370671")) as client:
        case_id = (await open_case(client))["case_id"]
        before = stored(host)
        fifty = await client.post(f"/cases/{case_id}/notices", headers=WINDOW_CLERK,
                                  json={"defects": every_page_of_the_lease(50)})
        after_refusal = stored(host)
        ten = await client.post(f"/cases/{case_id}/notices", headers=WINDOW_CLERK,
                                json={"defects": every_page_of_the_lease(10)})
    host.store.close()
    assert fifty.status_code == 422, fifty.text
    [error] = fifty.json()["errors"]
    assert (error["field"], error["rule"]) == ("body", "event_too_large")
    assert "intake.correction_notice_issued.v1" in error["reason"]
    assert "超过上限 32768 字节" in error["reason"]
    assert after_refusal == before
    assert ten.status_code == 200, ten.text
    assert ten.json()["status"] == "awaiting_supplement"
