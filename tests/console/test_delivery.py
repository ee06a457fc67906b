"""送达 across the two consoles: Qingdao's mailroom sends 王强's approved licence to the Yantai
window, the window signs for it, refuses a stranger beside the ID field and hands it to 王强,
and prints the 送达回证."""

from __future__ import annotations

import re

from tests.console.conftest import Halls
from tests.support.console import signed_in
from tests.support.stack import (
    GT_CHANGE,
    WANG_QIANG,
    approve,
    eventually,
    take_in_and_accept,
)

YANTAI, QINGDAO = "370671", "370202"
CHEN_JING_ID = "370202199209093382"  # a real-looking ID number that is not 王强's


async def test_a_result_is_mailed_to_the_window_signed_for_and_handed_only_to_the_applicant(
    halls: Halls,
) -> None:
    async with halls.stack.client(YANTAI, "intake") as intake, \
            halls.stack.client(QINGDAO, "approval") as approval:
        case_id = await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG, "pickup_at_window")
        await approve(approval, case_id)

    mailroom = await signed_in(halls.qingdao, "370202-D21", "孙伟", "delivery")

    async def to_dispatch() -> str | None:
        page = await mailroom.get("/delivery")
        return page.text if case_id in page.text else None
    lists = await eventually(to_dispatch)
    assert "待寄出的办理结果" in lists and "370202600123456" in lists
    assert "待领取" not in lists  # the window's lists are not the mailroom's

    case = await mailroom.get(f"/delivery/cases/{case_id}")
    assert 'value="中国邮政EMS"' in case.text and "签收到件" not in case.text
    mailed = await mailroom.post(f"/delivery/cases/{case_id}/mail", {
        "recipient": "window", "carrier": "中国邮政EMS", "tracking_number": "1187654329901"})
    await mailroom.aclose()
    assert mailed.status_code == 200 and "已寄出" in mailed.text
    assert "寄往受理地窗口" in mailed.text and "1187654329901" in mailed.text

    clerk = await signed_in(halls.yantai, "370671-W21", "张敏", "window")

    async def awaited() -> str | None:
        page = await clerk.get("/delivery")
        return page.text if case_id in page.text else None
    lists = await eventually(awaited)
    assert "寄往本窗口、待签收" in lists and "待寄出的办理结果" not in lists

    case = await clerk.get(f"/delivery/cases/{case_id}")
    assert "签收到件" in case.text and 'action="/delivery/cases/' + case_id + '/mail"' \
        not in case.text
    arrived = await clerk.post(f"/delivery/cases/{case_id}/arrival", {
        "arrival_tracking": "1187654329901", "intact": "yes"})
    assert arrived.status_code == 200 and "已签收到件" in arrived.text
    assert "领取人身份证号" in arrived.text
    waiting = (await clerk.get("/delivery")).text
    on_the_way, at_window = waiting.split('id="list-arrival"')[1].split('id="list-pickup"')
    assert case_id not in on_the_way and case_id in at_window

    stranger = await clerk.post(f"/delivery/cases/{case_id}/pickup", {
        "id_number": CHEN_JING_ID, "identity_method": "身份证读卡器"})
    assert stranger.status_code == 403
    assert f'name="id_number" type="text" value="{CHEN_JING_ID}"' in stranger.text  # kept
    assert re.search(r'id="err-id_number"[^>]*>证件号码与申请人[^<]*不符', stranger.text)
    assert "打印送达回证" not in stranger.text

    handed = await clerk.post(f"/delivery/cases/{case_id}/pickup", {
        "id_number": WANG_QIANG["id_number"], "identity_method": "身份证读卡器"})
    assert handed.status_code == 200 and "已核验身份并交付" in handed.text
    receipt = await clerk.get(f"/delivery/cases/{case_id}/receipt")
    await clerk.aclose()
    assert receipt.status_code == 200 and "送达回证" in receipt.text
    assert "370202600123456" in receipt.text
    assert "通办工作台" not in receipt.text  # the service's own page, not wrapped in the console's
