"""好差评 over HTTP on a real nats-server: 王强 rates his visit and the matter at the Yantai
window; the department's bad rating travels to Qingdao only, where the approver who decided
calls him back; a window's bad rating is fixed at once (story 6); ratings past their window,
twice, by a stranger, without the receipt's query code or at the wrong site are refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from contracts.subjects import admitted_stream
from tests.integration.test_delivery_paths import (
    CHEN_JING_ID,
    PICKUP_CLERK,
    at_the_yantai_window,
    state,
    window_status,
)
from tests.support.applicant import receipt_query_code
from tests.support.clock import FakeClock
from tests.support.stack import APPROVER, WANG_QIANG, Stack, eventually
from tests.support.staff import staff

A, B, C = "370671", "370202", "230102"
TODAY = "2026-11-26"
NO_SUCH_CASE = {"errors": [{"field": "case_number",
                            "reason": "未找到与办件编号、证件号码和查询码相符的办件",
                            "rule": "case_number_unknown"}]}


async def collected(stack: Stack) -> tuple[str, str]:
    """王强 collected his licence at the Yantai window today: (case id, case number). The
    query code he rates with is on his receipt (`code`)."""
    case_id = await at_the_yantai_window(stack, "1187654329911")
    async with stack.client(A, "delivery") as yantai:
        body = (await yantai.post(f"/cases/{case_id}/pickup", headers=PICKUP_CLERK,
                                  json={"id_number": WANG_QIANG["id_number"]})).json()
    await window_status(stack, case_id, "completed")
    async with stack.client(A, "delivery") as yantai:  # delivery, too, knows the case ended
        await state(yantai, case_id, lambda b: b["ended_on"] is not None)
    return case_id, body["case_number"]


async def code(stack: Stack, case_id: str) -> str:
    async with stack.client(A, "intake") as window:
        return await receipt_query_code(window, case_id)


def rating(case_number: str, query_code: str = "00000000", **fields: Any) -> dict[str, Any]:
    return {"case_number": case_number, "id_number": WANG_QIANG["id_number"],
            "query_code": query_code, **fields}


async def test_a_department_rating_is_followed_up_at_the_business_site_and_nowhere_else(
    three_sites: Stack,
) -> None:
    case_id, number = await collected(three_sites)
    query_code = await code(three_sites, case_id)
    async with three_sites.client(A, "delivery") as yantai, three_sites.client(B, "delivery") as qingdao:
        visit = await yantai.post("/ratings", json=rating(number, query_code, scope="visit",
                                                           visit_day=TODAY, window_level=1))
        assert visit.status_code == 201, visit.text
        twice = await yantai.post("/ratings", json=rating(number, query_code, scope="visit",
                                                           visit_day=TODAY, window_level=2))
        assert twice.status_code == 409 and twice.json()["errors"][0]["rule"] == "already_rated"
        matter = await yantai.post("/ratings", json=rating(
            number, query_code, scope="matter", window_level=2, department_level=5,
            comment="审批人员电话里态度生硬"))
        assert [(r["unit"], r["level_zh"]) for r in matter.json()] == [
            ("window", "满意"), ("department", "非常不满意")]
        elsewhere = await qingdao.post("/ratings", json=rating(number, query_code,
                                                               scope="matter", window_level=1))
        assert (elsewhere.status_code, elsewhere.json()) == (404, NO_SUCH_CASE)

        async def opened_in_qingdao() -> list[dict[str, Any]]:
            return (await qingdao.get("/reviews", headers=APPROVER)).json()

        [review] = await eventually(opened_in_qingdao)
        assert review["owner"] == "370202-A07" and review["evaluator"]["name"] == "王*"
        mine = (await qingdao.get(f"/cases/{case_id}/reviews/{review['rating_id']}",
                                  headers=APPROVER)).json()
        assert mine["evaluator"]["name"] == "王强"  # the follow-up's owner reads it in full
        colleague = staff("370202-A09", "approver")
        hidden = (await qingdao.get(f"/cases/{case_id}/reviews/{review['rating_id']}",
                                    headers=colleague)).json()
        assert hidden["evaluator"] == "（评价人信息保密）"
        path = f"/cases/{case_id}/reviews/{review['rating_id']}"
        not_theirs = await qingdao.post(f"{path}/callback", headers=colleague, json={
            "reached": True, "verified": True, "notes": "代为回访"})
        assert not_theirs.status_code == 403
        await qingdao.post(f"{path}/callback", headers=APPROVER, json={
            "reached": True, "verified": False, "notes": "申请人要求电话中直接告知审批结果，按规定须书面送达"})
        done = await qingdao.post(f"{path}/resolution", headers=APPROVER, json={
            "resolution": "explained", "detail": "已解释审批结果须书面送达的规定"})
        assert done.json()["status"] == "closed"
        at_qingdao = (await qingdao.get("/ratings")).json()
        at_yantai = (await yantai.get("/ratings")).json()
    assert [r["level"] for r in at_qingdao["ratings"]] == [5]
    assert sorted(r["level"] for r in at_yantai["ratings"]) == [1, 2]
    assert "evaluator" not in at_qingdao["ratings"][0]
    async with three_sites.client(C, "delivery") as harbin:
        assert (await harbin.get("/ratings")).json()["ratings"] == []
    rated = f"tb.in.{B}.{A}.service_rated.v1"  # the window's ratings never leave Yantai
    info = await three_sites.host(B, "routing").js.stream_info(admitted_stream(B), subjects_filter=rated)
    assert info.state.subjects == {rated: 1}


async def test_a_stranger_and_a_case_number_that_does_not_exist_get_one_and_the_same_answer(
    three_sites: Stack,
) -> None:
    """Nothing tells a stranger whether a case number exists, at its window or another site."""
    case_id, number = await collected(three_sites)
    query_code = await code(three_sites, case_id)
    strangers = {**rating(number, query_code, scope="matter", window_level=1),
                 "id_number": CHEN_JING_ID}
    async with three_sites.client(A, "delivery") as yantai, three_sites.client(B, "delivery") as qingdao:
        answers = [await yantai.post("/ratings", json=strangers),
                   await qingdao.post("/ratings", json=strangers),
                   await yantai.post("/ratings", json=rating("37067120261126FFFFFF", query_code,
                                                             scope="matter", window_level=1))]
    assert [(a.status_code, a.json()) for a in answers] == [(404, NO_SUCH_CASE)] * 3


async def test_a_rating_without_the_receipts_query_code_is_refused_and_changes_nothing(
    three_sites: Stack,
) -> None:
    case_id, number = await collected(three_sites)
    query_code = await code(three_sites, case_id)
    wrong_code = f"{(int(query_code) + 1) % 10**8:08d}"
    async with three_sites.client(A, "delivery") as yantai:
        without = {k: v for k, v in rating(number, scope="matter", window_level=5).items()
                   if k != "query_code"}
        missing = await yantai.post("/ratings", json=without)
        wrong = await yantai.post("/ratings", json=rating(number, wrong_code, scope="matter",
                                                          window_level=5))
        ratings = (await yantai.get("/ratings")).json()
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "query_code"
    assert (wrong.status_code, wrong.json()) == (404, NO_SUCH_CASE)
    assert ratings["ratings"] == []


async def test_a_bad_window_rating_is_called_back_and_fixed_at_once(three_sites: Stack) -> None:
    """Story 6: the window did not say how long mailing takes."""
    case_id, number = await collected(three_sites)
    query_code = await code(three_sites, case_id)
    async with three_sites.client(A, "delivery") as yantai:
        [bad] = (await yantai.post("/ratings", json=rating(
            number, query_code, scope="visit", visit_day=TODAY, window_level=4,
            comment="窗口没有告诉我邮寄要多久"))).json()
        path = f"/cases/{case_id}/reviews/{bad['rating_id']}"
        review = (await yantai.get(path, headers=PICKUP_CLERK)).json()
        assert (review["owner"], review["status"]) == ("370671-W03", "awaiting_callback")
        assert review["deadlines"]["callback_due"] == "2026-11-27"
        for step, body in [("callback", {"reached": True, "verified": True,
                                         "notes": "属实：领证时未告知邮寄约需3个工作日"}),
                           ("resolution", {"resolution": "fixed",
                                           "detail": "已当场致歉，并在窗口公示邮寄时长"})]:
            response = await yantai.post(f"{path}/{step}", headers=PICKUP_CLERK, json=body)
            assert response.status_code == 200, response.text
        after = (await yantai.get(path, headers=PICKUP_CLERK)).json()
        ratings = (await yantai.get("/ratings")).json()
    assert after["status"] == "closed" and [s["event"] for s in after["steps"]] == [
        "review_called_back", "review_resolved"]
    assert ratings["summary"]["by_level"]["不满意"] == 1  # the rating stays


async def test_a_rating_after_five_working_days_is_refused_and_changes_nothing(
    three_sites: Stack, clock: FakeClock,
) -> None:
    case_id, number = await collected(three_sites)
    query_code = await code(three_sites, case_id)
    clock.now += timedelta(days=8)  # Friday 4 Dec: the sixth working day after the visit
    async with three_sites.client(A, "delivery") as yantai:
        late = await yantai.post("/ratings", json=rating(number, query_code, scope="visit",
                                                          visit_day=TODAY, window_level=1))
        assert late.status_code == 409 and late.json()["errors"][0]["rule"] == "rating_closed"
        unknown = await yantai.post("/ratings", json=rating("37067120261126FFFFFF",
                                                             scope="matter", window_level=1))
        assert (unknown.status_code, unknown.json()) == (404, NO_SUCH_CASE)
        assert (await yantai.get("/ratings")).json()["ratings"] == []


async def test_ratings_with_bad_input_are_refused_with_the_field(three_sites: Stack) -> None:
    async with three_sites.client(A, "delivery") as yantai:
        no_day = await yantai.post("/ratings", json=rating("37067120261126A1B2C3", scope="visit",
                                                            window_level=1))
        level = await yantai.post("/ratings", json=rating("37067120261126A1B2C3", scope="matter",
                                                           window_level=6))
    assert no_day.status_code == 422 and "visit_day" in no_day.json()["errors"][0]["reason"]
    assert level.status_code == 422 and level.json()["errors"][0]["field"] == "window_level"
