"""审批 at the Qingdao console: the queue soonest due first, a case arriving while the page is
open, claiming and deciding it, and a refusal shown beside its field with what was typed."""

from __future__ import annotations

import re

from tests.console.conftest import Halls
from tests.support.console import signed_in
from tests.support.stack import (
    GT_CHANGE,
    WANG_QIANG,
    WINDOW_CLERK,
    accept_with_every_material,
    eventually,
)

YANTAI, QINGDAO = "370671", "370202"
SCAN = b"%PDF-1.7\n" + "王强 个体工商户营业执照 正本 扫描件\n".encode() * 300 + b"%%EOF\n"


async def test_an_approver_sees_a_new_case_arrive_claims_it_and_approves_it_with_its_number(
    halls: Halls,
) -> None:
    approver = await signed_in(halls.qingdao, "370202-A21", "李娜", "approver")
    page = await approver.get("/approval")
    assert page.status_code == 200 and 'data-live="/approval/queue/rows?offset=0"' in page.text
    assert "暂无待办办件" in page.text

    async with halls.stack.client(YANTAI, "intake") as intake:
        opened = await intake.post("/cases", headers=WINDOW_CLERK, json={
            "matter_code": GT_CHANGE, "applicant": WANG_QIANG,
            "delivery_channel": "pickup_at_window"})
        case_id = opened.json()["case_id"]
        scan = await intake.post(f"/cases/{case_id}/files", headers=WINDOW_CLERK,
                                 data={"material_code": "M02", "pages": "2"},
                                 files={"file": ("营业执照.pdf", SCAN, "application/pdf")})
        assert scan.status_code == 200, scan.text
        await accept_with_every_material(intake, case_id)

    async def in_rows() -> str | None:
        rows = await approver.get("/approval/queue/rows?offset=0")
        return rows.text if case_id in rows.text else None
    rows = await eventually(in_rows)
    assert "个体工商户变更登记" in rows and "未认领" in rows
    assert re.search(r"剩余 \d+ 个工作日", rows)
    assert "<html" not in rows  # a fragment: the live region's rows only

    case = await approver.get(f"/approval/cases/{case_id}")
    assert case.status_code == 200 and "<h1>" in case.text
    assert "认领" in case.text and "准予" not in case.text  # nothing to decide before claiming
    link = re.search(rf'href="(/approval/cases/{case_id}/files/[0-9a-f]{{64}})">营业执照.pdf<',
                     case.text)
    assert link is not None
    read = await approver.get(link.group(1))
    assert read.status_code == 200 and read.content == SCAN
    assert read.headers["content-type"] == "application/pdf"

    claimed = await approver.post(f"/approval/cases/{case_id}/claim", {"_page": case.url.path})
    assert claimed.url.path == f"/approval/cases/{case_id}" and "已认领" in claimed.text
    assert "370202-A21" in claimed.text and 'name="document_number"' in claimed.text

    no_number = await approver.post(f"/approval/cases/{case_id}/approve", {
        "document_number": "", "opinion": "经审查，变更事项属实，准予变更"})
    assert no_number.status_code == 422
    assert re.search(r'id="err-document_number"[^>]*>[^<]+<', no_number.text)
    assert "经审查，变更事项属实，准予变更" in no_number.text  # the opinion typed is kept

    no_reasons = await approver.post(f"/approval/cases/{case_id}/deny", {"reasons": "  \n"})
    assert no_reasons.status_code == 422 and 'id="err-reasons"' in no_reasons.text

    approved = await approver.post(f"/approval/cases/{case_id}/approve", {
        "document_number": "370202600123456", "opinion": "经审查，变更事项属实，准予变更"})
    await approver.aclose()
    assert approved.status_code == 200 and "已准予" in approved.text
    assert "370202600123456" in approved.text
    assert 'name="document_number"' not in approved.text  # decided once
