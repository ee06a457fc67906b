"""督办 at both consoles (issue 19): Qingdao's supervisor reads how its department keeps its
time limits, Yantai's (no approval service there) is told so; a bad window rating's follow-up
is followed with its deadlines, and a step the service refuses shows its reason."""

from __future__ import annotations

from typing import Any

from tests.console.conftest import Halls
from tests.integration.test_ratings import TODAY, code, collected, rating
from tests.support.console import signed_in
from tests.support.stack import eventually


async def test_the_supervisor_sees_time_limits_and_follows_up_a_bad_rating(halls: Halls) -> None:
    case_id, number = await collected(halls.stack)
    query_code = await code(halls.stack, case_id)
    async with halls.stack.client("370671", "delivery") as yantai:
        made = await yantai.post("/ratings", json=rating(
            number, query_code, scope="visit", visit_day=TODAY, window_level=4,
            comment="窗口没有告诉我邮寄要多久"))
        assert made.status_code == 201, made.text

        async def opened() -> Any:
            return (await yantai.get("/ratings")).json()["ratings"]
        await eventually(opened)
    qingdao = await signed_in(halls.qingdao, "370202-S31", "李娜", "supervisor")
    at_qingdao = await qingdao.get("/supervision")
    await qingdao.aclose()
    supervisor = await signed_in(halls.yantai, "370671-S31", "钱进", "supervisor")
    at_yantai = await supervisor.get("/supervision")
    ratings = await supervisor.get("/supervision/ratings")
    reviews = await supervisor.get("/reviews")
    path = reviews.text.split('href="/reviews/')[1].split('"')[0]
    page = f"/reviews/{path}"
    opened_review = await supervisor.get(page)
    blank = await supervisor.post(f"{page}/callback", {"reached": "true", "verified": "true",
                                                       "notes": "", "_page": page})
    called = await supervisor.post(f"{page}/callback", {
        "reached": "true", "verified": "true", "notes": "属实：领证时未告知邮寄约需3个工作日",
        "_page": page})
    await supervisor.aclose()
    owner = await signed_in(halls.yantai, "370671-W03", "王芳", "window")
    mine = await owner.get("/reviews")
    taken = await owner.post(f"{page}/callback", {
        "reached": "true", "verified": "true", "notes": "属实：领证时未告知邮寄约需3个工作日",
        "_page": page})
    await owner.aclose()

    assert "青岛市市南区市场监督管理局" in at_qingdao.text and "已决定·按时" in at_qingdao.text
    assert at_yantai.status_code == 200 and "本站点没有审批服务" in at_yantai.text
    assert "不满意" in ratings.text and "窗口没有告诉我邮寄要多久" in ratings.text
    assert number in reviews.text and "待回访" in reviews.text and "2026-11-27" in reviews.text
    assert "回访核实" in opened_review.text and "王强" in opened_review.text  # to a supervisor
    assert blank.status_code == 422 and 'id="err-notes"' in blank.text
    assert 'value="true" selected' in blank.text  # what was chosen stays
    # the follow-up is its owner's (the clerk who served): the supervisor watches it
    assert called.status_code == 403 and "差评由经办人 370671-W03 负责处理" in called.text
    assert "属实：领证时未告知邮寄约需3个工作日</textarea>" in called.text
    # and she, its owner, finds it under 差评整改 and records the call-back
    assert 'href="/reviews"' in mine.text and number in mine.text
    assert taken.status_code == 200 and taken.url.path == page, taken.text
    assert "回访核实" in taken.text and "属实：领证时未告知邮寄约需3个工作日" in taken.text
