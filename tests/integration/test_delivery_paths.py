"""Every way a result reaches the applicant, across two sites on one real nats-server: the
paper licence Qingdao mails to the Yantai window and 王强 collects there; a licence mailed to
his home (and once returned); the e-licence pushed online; a result without paper explained at
the window; a change of mind before dispatch; a result nobody collects. Harbin, party to none of it, learns nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx

from contracts.subjects import admitted_stream, inbox_stream, own_stream
from services.runtime.nats_server import LocalNatsServer
from tests.support.clock import FakeClock
from tests.support.stack import (
    GT_CHANGE,
    WANG_QIANG,
    WINDOW_CLERK,
    Stack,
    approve,
    eventually,
    periodic_job,
    settings_factory,
    take_in_and_accept,
)
from tests.support.staff import staff

A, B, C, D = "370671", "370202", "230102", "370602"
QINGDAO_MAILROOM = staff("370202-D02", "delivery")
PICKUP_CLERK = staff("370671-W03", "window")
CHEN_JING_ID = "370202199209093382"  # a real-looking ID number that is not 王强's


async def approved(stack: Stack, channel: str) -> str:
    """王强's licence change taken in at Yantai with this delivery choice, approved in Qingdao,
    its result issued there: the case id."""
    async with stack.client(A, "intake") as intake, stack.client(B, "approval") as approval:
        case_id = await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG, channel)
        await approve(approval, case_id)
    async with stack.client(B, "delivery") as delivery:
        await state(delivery, case_id, lambda body: body["result"] is not None)
    return case_id


async def state(client: httpx.AsyncClient, case_id: str, holds: Any) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        response = await client.get(f"/cases/{case_id}")
        body = response.json() if response.status_code == 200 else None
        return body if body is not None and holds(body) else None
    return await eventually(check)


async def window_status(stack: Stack, case_id: str, status: str) -> None:
    async with stack.client(A, "intake") as intake:
        async def reached() -> bool:
            return (await intake.get(f"/cases/{case_id}")).json()["status"] == status
        await eventually(reached)


async def test_a_paper_licence_mailed_to_the_window_is_signed_for_and_collected_with_custody_at_both_sites(
    three_sites: Stack,
) -> None:
    case_id = await approved(three_sites, "pickup_at_window")
    async with three_sites.client(B, "delivery") as qingdao, three_sites.client(A, "delivery") as yantai:
        assert [c["case_id"] for c in (await qingdao.get("/dispatch")).json()] == [case_id]
        mailed = await qingdao.post(f"/cases/{case_id}/mailings", headers=QINGDAO_MAILROOM,
                                    json={"recipient": "window", "carrier": "中国邮政EMS",
                                          "tracking_number": "1187654329901"})
        assert mailed.status_code == 200, mailed.text
        assert mailed.json()["status"] == "mailed_to_window"
        await state(yantai, case_id, lambda b: b["status"] == "mailed_to_window")
        too_early = await yantai.post(f"/cases/{case_id}/pickup", headers=PICKUP_CLERK,
                                      json={"id_number": WANG_QIANG["id_number"]})
        assert too_early.status_code == 409
        arrived = await yantai.post(f"/cases/{case_id}/arrival", headers=PICKUP_CLERK,
                                    json={"tracking_number": "1187654329901"})
        assert arrived.status_code == 200, arrived.text
        assert [c["case_id"] for c in (await yantai.get("/window/awaiting-pickup")).json()] == [
            case_id]

        stranger = await yantai.post(f"/cases/{case_id}/pickup", headers=PICKUP_CLERK,
                                     json={"id_number": CHEN_JING_ID})
        assert stranger.status_code == 403
        assert stranger.json()["errors"][0]["field"] == "id_number"
        assert (await yantai.get(f"/cases/{case_id}")).json()["status"] == "at_window"
        collected = await yantai.post(f"/cases/{case_id}/pickup", headers=PICKUP_CLERK,
                                      json={"id_number": WANG_QIANG["id_number"]})
        assert collected.status_code == 200, collected.text
        again = await yantai.post(f"/cases/{case_id}/pickup", headers=PICKUP_CLERK,
                                  json={"id_number": WANG_QIANG["id_number"]})
        assert again.status_code == 409 and "不能重复领取" in again.json()["errors"][0]["reason"]

        steps = ["出具结果", "寄往受理地窗口", "窗口签收", "申请人领取"]
        at_yantai = (await yantai.get(f"/cases/{case_id}")).json()["custody"]
        at_qingdao = (await state(qingdao, case_id, lambda b: b["status"] == "collected"))[
            "custody"]
        receipt = await yantai.get(f"/cases/{case_id}/receipt")
    assert [s["step"] for s in at_yantai] == steps
    assert [(s["step"], s["site"], s["by"]) for s in at_qingdao] == [
        ("出具结果", B, "system:delivery"), ("寄往受理地窗口", B, "370202-D02"),
        ("窗口签收", A, "370671-W03"), ("申请人领取", A, "370671-W03")]
    assert receipt.status_code == 200
    for text in ("送达回证", "王强", "370202600123456", "1187654329901", "直接送达（受理地窗口领取）"):
        assert text in receipt.text
    await window_status(three_sites, case_id, "completed")
    js = three_sites.host(C, "routing").js
    for stream in (own_stream(C), inbox_stream(C), admitted_stream(C)):
        assert (await js.stream_info(stream)).state.messages == 0, f"{stream} got something"


async def at_the_yantai_window(stack: Stack, tracking_number: str) -> str:
    """王强's licence approved in Qingdao, mailed to the Yantai window and signed for there,
    intact, waiting for him: returns the case id."""
    case_id = await approved(stack, "pickup_at_window")
    async with stack.client(B, "delivery") as qingdao, stack.client(A, "delivery") as yantai:
        await qingdao.post(f"/cases/{case_id}/mailings", headers=QINGDAO_MAILROOM, json={
            "recipient": "window", "carrier": "中国邮政EMS", "tracking_number": tracking_number})
        await state(yantai, case_id, lambda b: b["status"] == "mailed_to_window")
        arrived = await yantai.post(f"/cases/{case_id}/arrival", headers=PICKUP_CLERK,
                                    json={"tracking_number": tracking_number, "intact": True})
        assert arrived.status_code == 200, arrived.text
    return case_id


async def test_a_result_collected_at_the_yantai_window_ends_in_qingdao_on_the_day_yantai_ended_it(
    three_sites: Stack,
) -> None:
    case_id = await at_the_yantai_window(three_sites, "1187654329903")
    async with three_sites.client(B, "delivery") as qingdao, three_sites.client(A, "delivery") as yantai:
        collected = await yantai.post(f"/cases/{case_id}/pickup", headers=PICKUP_CLERK,
                                      json={"id_number": WANG_QIANG["id_number"]})
        assert collected.status_code == 200, collected.text
        at_yantai = await state(yantai, case_id, lambda b: b["ended_on"] is not None)
        at_qingdao = await state(qingdao, case_id, lambda b: b["ended_on"] is not None)
    assert at_yantai["status"] == at_qingdao["status"] == "collected"
    assert at_qingdao["ended_on"] == at_yantai["ended_on"] == "2026-11-26"


async def test_a_licence_mailed_home_is_returned_once_then_delivered_and_completes_the_case(
    three_sites: Stack,
) -> None:
    case_id = await approved(three_sites, "mail_to_applicant")
    home = "山东省烟台市芝罘区南大街88号3单元502室"
    async with three_sites.client(B, "delivery") as qingdao, three_sites.client(A, "delivery") as yantai:
        wrong_way = await qingdao.post(f"/cases/{case_id}/mailings", headers=QINGDAO_MAILROOM,
                                       json={"recipient": "window", "carrier": "顺丰速运",
                                             "tracking_number": "SF1400012345678"})
        assert wrong_way.status_code == 409 and wrong_way.json()["errors"][0]["field"] == "recipient"
        nowhere = await qingdao.post(f"/cases/{case_id}/mailings", headers=QINGDAO_MAILROOM,
                                     json={"recipient": "applicant", "carrier": "顺丰速运",
                                           "tracking_number": "SF1400012345678"})
        assert nowhere.status_code == 422 and nowhere.json()["errors"][0]["field"] == "address"
        first = await qingdao.post(f"/cases/{case_id}/mailings", headers=QINGDAO_MAILROOM, json={
            "recipient": "applicant", "carrier": "顺丰速运", "tracking_number": "SF1400012345678",
            "address": "山东省烟台市芝罘区南大街8号"})
        assert first.status_code == 200, first.text
        returned = await qingdao.post(
            f"/cases/{case_id}/mailings/SF1400012345678/returned", headers=QINGDAO_MAILROOM,
            json={"reason": "地址不详，收件人电话无人接听"})
        assert returned.json()["status"] == "returned"
        await state(yantai, case_id, lambda b: b["status"] == "returned")
        second = await qingdao.post(f"/cases/{case_id}/mailings", headers=QINGDAO_MAILROOM, json={
            "recipient": "applicant", "carrier": "顺丰速运", "tracking_number": "SF1400012399999",
            "address": home})
        assert second.status_code == 200, second.text
        delivered = await qingdao.post(
            f"/cases/{case_id}/mailings/SF1400012399999/delivered", headers=QINGDAO_MAILROOM,
            json={"signed_by": "王强"})
        assert delivered.json()["status"] == "delivered"
        receipt = await qingdao.get(f"/cases/{case_id}/receipt")
    assert "邮寄送达" in receipt.text and home in receipt.text and "SF1400012399999" in receipt.text
    await window_status(three_sites, case_id, "completed")


async def test_an_online_result_is_pushed_with_the_time_the_applicant_was_told(
    three_sites: Stack, clock: FakeClock,
) -> None:
    case_id = await approved(three_sites, "online")
    async with three_sites.client(A, "delivery") as yantai:
        body = await state(yantai, case_id, lambda b: b["status"] == "pushed_online")
        no_paper = await yantai.get(f"/cases/{case_id}/receipt")
    pushed = body["custody"][-1]
    assert pushed["step"] == "网上推送" and "138****1234" in pushed["detail"]
    assert pushed["at"] == clock.now.isoformat()
    assert no_paper.status_code == 409
    await window_status(three_sites, case_id, "completed")


async def test_a_change_of_mind_before_dispatch_is_followed_and_after_dispatch_refused(
    three_sites: Stack,
) -> None:
    case_id = await approved(three_sites, "pickup_at_window")
    async with three_sites.client(A, "delivery") as yantai, three_sites.client(B, "delivery") as qingdao:
        bad = await yantai.post(f"/cases/{case_id}/delivery-choice", headers=WINDOW_CLERK,
                                json={"channel": "mail_to_applicant"})
        assert bad.status_code == 422 and "地址" in bad.json()["errors"][0]["reason"]
        changed = await yantai.post(f"/cases/{case_id}/delivery-choice", headers=WINDOW_CLERK,
                                    json={"channel": "online"})
        assert changed.status_code == 200, changed.text
        await state(qingdao, case_id, lambda b: b["status"] == "pushed_online")
        await state(yantai, case_id, lambda b: b["status"] == "pushed_online")
        late = await yantai.post(f"/cases/{case_id}/delivery-choice", headers=WINDOW_CLERK,
                                 json={"channel": "pickup_at_window"})
    assert late.status_code == 409 and "已网上推送" in late.json()["errors"][0]["reason"]
    await window_status(three_sites, case_id, "completed")


async def test_a_result_left_at_the_window_is_reminded_then_supervised_once_each(
    three_sites: Stack, clock: FakeClock,
) -> None:
    case_id = await at_the_yantai_window(three_sites, "1187654329902")
    host = three_sites.host(A, "delivery")
    watch = periodic_job(host, "delivery-watch")
    assert await host.command(watch) == 0
    clock.now += timedelta(days=7)  # Thu 26 Nov → Thu 3 Dec: five working days
    assert await host.command(watch) == 1
    assert await host.command(watch) == 0
    clock.now += timedelta(days=7)  # ten working days
    assert await host.command(watch) == 1
    events = [e.name for e in host.store.events.get(UUID(case_id))]
    assert events.count("collection_reminded") == events.count("collection_supervised") == 1


async def test_a_result_without_paper_is_explained_at_the_window_and_completes_the_case(
    nats_server: LocalNatsServer, store_overrides: dict[str, Any], clock: FakeClock,
) -> None:
    """陈静 registers for medical treatment in another place (异地就医备案, Zhifu): there is no
    licence or document, so the Yantai window tells her the form of the result."""
    chen_jing = {"kind": "person", "name": "陈静", "id_number": CHEN_JING_ID,
                 "phone": "13953561234"}
    zhifu_approver = staff("370602-A03", "approver")
    stack = Stack(settings_factory(nats_server, store_overrides))
    try:
        await stack.start([A], ["intake", "routing", "delivery"], clock)
        await stack.start([D], ["routing", "approval", "delivery"], clock)
        async with stack.client(A, "intake") as intake, stack.client(D, "approval") as approval:
            case_id = await take_in_and_accept(intake, "370602YB0002", chen_jing)
            for path, body in [("claim", None), ("approve", {"document_number": "备案370602260117"})]:
                async def done(path: str = path, body: Any = body) -> bool:  # once it arrived
                    r = await approval.post(f"/cases/{case_id}/{path}", headers=zhifu_approver,
                                            json=body)
                    return r.status_code == 200
                await eventually(done)
        async with stack.client(A, "delivery") as yantai:
            await state(yantai, case_id, lambda b: b["status"] == "awaiting_explanation")
            explained = await yantai.post(f"/cases/{case_id}/form-explained", headers=WINDOW_CLERK,
                                          json={"form": "备案信息登记于国家医保信息平台，不出具纸质凭证",
                                                "lookup_at": "国家医保服务平台APP“异地备案”查询"})
            again = await yantai.post(f"/cases/{case_id}/form-explained", headers=WINDOW_CLERK,
                                      json={"form": "同上", "lookup_at": "同上"})
        assert explained.json()["status"] == "explained"
        assert again.status_code == 409
        await window_status(stack, case_id, "completed")
    finally:
        await stack.stop()
