"""The guide desk (导办) at the Yantai console: a matter found by name, the visitor sent with a
ticket to the window that takes it and seen in its queue; a matter this hall does not handle
gets the printed one-time notice of where to go."""

from __future__ import annotations

from tests.console.conftest import Halls
from tests.support.console import signed_in


async def test_a_guide_finds_a_matter_gives_a_ticket_and_sends_elsewhere_with_a_notice(
        halls: Halls) -> None:
    guide = await signed_in(halls.yantai, "370671-G21", "李娜", "guide")
    found = await guide.get("/guide", params={"q": "个体工商户变更"})
    assert "370202GT0001" in found.text and "代收代办（业务属地：青岛市市南区）" in found.text
    assert "跨域通办专窗（市场准入）" in found.text

    ticket = await guide.post("/guide/visits", {"matter_code": "370202GT0001"})
    assert ticket.status_code == 201
    assert "Z01001" in ticket.text and "跨域通办专窗（市场准入）" in ticket.text
    second = await guide.post("/guide/visits", {"matter_code": "370202GT0001",
                                                "wants_assistance": "yes"})
    assert "Z01002" in second.text
    queue = await guide.get("/guide/queues/Z01")
    rows = await guide.get("/guide/queues/Z01/rows")
    assert "Z01001" in queue.text and "Z01002" in rows.text and "个体工商户变更登记" in rows.text

    elsewhere = await guide.get("/guide", params={"q": "不动产转移"})
    assert "不在本大厅办理" in elsewhere.text and "出具去向告知" in elsewhere.text
    notice = await guide.post("/guide/visits", {"matter_code": "510107BD0002"})
    unknown = await guide.post("/guide/visits", {"matter_code": "999999XX0000"})
    await guide.aclose()
    assert "一次性告知（办理地点）" in notice.text and "不在本大厅办理" in notice.text
    assert "打印" in notice.text
    assert unknown.status_code == 422 and "事项目录中没有编码为 999999XX0000 的事项" in unknown.text
