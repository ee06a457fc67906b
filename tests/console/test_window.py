"""The window (综合窗口) at the Yantai console: a clerk takes in 王强's application, tells him
once of what is missing, takes the supplement, checks his identity, accepts and prints; her
open cases list it; a refused form keeps what she typed with the reason beside the field."""

from __future__ import annotations

import re

from tests.console.conftest import Halls
from tests.support.console import signed_in
from tests.support.stack import GT_CHANGE

WANG_QIANG = {"applicant_kind": "person", "name": "王强", "id_number": "370602198803141233",
              "phone": "13805351234"}
SCAN = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + b"0" * 4000 + b"\n%%EOF\n"


async def test_a_clerk_takes_in_tells_once_takes_the_supplement_accepts_and_prints(
        halls: Halls) -> None:
    clerk = await signed_in(halls.yantai, "370671-W21", "张敏", "window")
    form = await clerk.get("/window/new")
    assert form.status_code == 200 and "data-id-number" in form.text

    opened = await clerk.post("/window/cases", {
        "matter_code": GT_CHANGE, **WANG_QIANG, "delivery_channel": "pickup_at_window"})
    assert opened.status_code == 200 and "已收件" in opened.text, opened.text
    case_path = opened.url.path
    assert re.fullmatch(r"/window/cases/[0-9a-f-]{36}", case_path)
    assert "王*" in opened.text and "370602198803141233" not in opened.text

    taken = await clerk.post(f"{case_path}/handed-over/materials", {
        "have_M01": "yes", "pages_M01": "2", "have_M02": "yes", "have_M03": "yes"})
    assert "已登记收到的材料" in taken.text
    uploaded = await clerk.post(f"{case_path}/files", {"material_code": "M01", "file_pages": "2"},
                                files={"file": ("申请书.pdf", SCAN, "application/pdf")})
    assert "电子材料已上传" in uploaded.text and "申请书.pdf" in uploaded.text
    # the missing M04 comes preselected on the notice: the clerk only presses the button
    assert re.search(r'name="defect_M04"><option value="">无问题</option><option value="missing"'
                     r' selected>', taken.text)
    told = await clerk.post(f"{case_path}/notices", {"defect_M04": "missing"})
    assert "已出具一次性告知书" in told.text and "待补正" in told.text
    notice = await clerk.get(f"{case_path}/documents/one_time_notice?notice=1")
    assert "一次性告知书" in notice.text and "新经营场所使用证明" in notice.text

    supplied = await clerk.post(f"{case_path}/handed-over/supplements", {"have_M04": "yes"})
    assert "已收取补正材料" in supplied.text
    checked = await clerk.post(f"{case_path}/identity", {"subject": "applicant",
                                                        "method": "id_card_reader"})
    assert "身份已核验" in checked.text
    accepted = await clerk.post(f"{case_path}/accept")
    assert "已受理" in accepted.text and "受〔" in accepted.text, accepted.text
    receipt = await clerk.get(f"{case_path}/documents/receipt")
    acceptance = await clerk.get(f"{case_path}/documents/acceptance_notice")
    assert receipt.status_code == 200 and "收件凭证" in receipt.text
    assert acceptance.status_code == 200 and "受理通知书" in acceptance.text

    mine = await clerk.get("/window")
    await clerk.aclose()
    number = re.search(r"<h1>办件 (\d+)</h1>", accepted.text)
    assert number and number.group(1) in mine.text
    assert "已受理" in mine.text and "王*" in mine.text


async def test_a_wrong_id_check_digit_is_refused_beside_the_id_and_keeps_what_was_typed(
        halls: Halls) -> None:
    clerk = await signed_in(halls.yantai, "370671-W22", "王芳", "window")
    await clerk.get("/window/new")
    answer = await clerk.post("/window/cases", {
        "matter_code": GT_CHANGE, **WANG_QIANG, "id_number": "370602198803141234",
        "delivery_channel": "pickup_at_window"})
    mine = await clerk.get("/window")
    await clerk.aclose()

    assert answer.status_code == 422
    assert re.search(r'name="id_number"[^>]*value="370602198803141234"[^>]*aria-invalid="true"',
                     answer.text)
    assert 'id="err-id_number"' in answer.text
    assert 'value="王强"' in answer.text and 'value="13805351234"' in answer.text
    assert '<option value="pickup_at_window" selected>' in answer.text
    assert "您没有未办结的办件" in mine.text
