"""The applicant's progress query over HTTP: 王强 follows his case with the case number, his ID
number and the query code on his receipt; a stranger who knows the case number and tries ID
numbers one after another is stopped after five, and learns nothing from how he is refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from contracts.identity import resident_id_check_digit
from tests.integration.test_window_http import open_case
from tests.support.applicant import receipt_query_code
from tests.support.clock import FakeClock
from tests.support.stack import WANG_QIANG, accept_with_every_material

NO_SUCH_CASE = {"errors": [{"field": "case_number", "reason":
                            "未找到与办件编号、证件号码和查询码相符的办件",
                            "rule": "case_number_unknown"}]}


def born_1988_03_14(sequence: int) -> str:
    """Valid ID numbers of people born in Zhifu on 王强's birthday: what a guesser would try."""
    first17 = f"37060219880314{sequence:03d}"
    return first17 + resident_id_check_digit(first17)


async def accepted_with_receipt(client: httpx.AsyncClient) -> tuple[str, str]:
    """王强's case, accepted at the Yantai window: (case number, the receipt's query code)."""
    case = await open_case(client)
    await accept_with_every_material(client, case["case_id"])
    return case["case_number"], await receipt_query_code(client, case["case_id"])


async def ask(client: httpx.AsyncClient, case_number: str, id_number: str,
              query_code: str) -> httpx.Response:
    return await client.get("/progress", params={
        "case_number": case_number, "id_number": id_number, "query_code": query_code})


async def test_the_receipt_shows_a_query_code_that_stays_the_same_when_printed_again(
    window: Any,
) -> None:
    _, client = window
    case = await open_case(client)
    await accept_with_every_material(client, case["case_id"])
    first = await receipt_query_code(client, case["case_id"])
    assert first == await receipt_query_code(client, case["case_id"])
    answer = await ask(client, case["case_number"], WANG_QIANG["id_number"], first)
    assert answer.status_code == 200 and answer.json()["status"] == "accepted"


async def test_a_wrong_query_code_a_wrong_id_and_an_unknown_case_get_one_and_the_same_answer(
    window: Any,
) -> None:
    _, client = window
    number, code = await accepted_with_receipt(client)
    wrong_code = f"{(int(code) + 1) % 10**8:08d}"
    answers = [await ask(client, number, WANG_QIANG["id_number"], wrong_code),
               await ask(client, number, born_1988_03_14(17), code),
               await ask(client, "370671202611269999999", WANG_QIANG["id_number"], code)]
    assert [(a.status_code, a.json()) for a in answers] == [(404, NO_SUCH_CASE)] * 3


async def test_trying_id_numbers_for_one_case_is_stopped_and_the_applicant_gets_in_afterwards(
    window: Any, clock: FakeClock,
) -> None:
    _, client = window
    number, code = await accepted_with_receipt(client)
    guesses = [await ask(client, number, born_1988_03_14(n), code) for n in range(1, 9)]
    assert [g.status_code for g in guesses] == [404] * 5 + [429] * 3
    refused = guesses[-1]
    assert refused.headers["Retry-After"] == "900"
    assert refused.json() == {"errors": [{
        "field": "request", "reason": "办件编号、证件号码或查询码错误次数过多，请15分钟后再试",
        "rule": "too_many_misses"}]}
    locked = await ask(client, number, WANG_QIANG["id_number"], code)
    assert locked.status_code == 429  # a lock that let the right answer in would confirm a guess
    clock.now += timedelta(minutes=15)
    answer = await ask(client, number, WANG_QIANG["id_number"], code)
    assert answer.status_code == 200, answer.text
    assert answer.json()["applicant"] == "王* 3****************3"


async def test_one_address_trying_many_case_numbers_is_stopped_after_twenty(
    window: Any,
) -> None:
    _, client = window
    answers = [await ask(client, f"37067120261126{n:07d}", WANG_QIANG["id_number"], "12345678")
               for n in range(1, 23)]
    assert [a.status_code for a in answers] == [404] * 20 + [429] * 2
