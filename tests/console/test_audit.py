"""审计 at the Yantai console (issue 19): the auditor finds 王强's case in the 工作台账, reads
its timeline across both sites and its state at a past moment, downloads the ledger, and reads
the applicant unmasked only with a reason, on the record."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.console.conftest import Halls
from tests.support.console import signed_in
from tests.support.stack import GT_CHANGE, WANG_QIANG, approve, eventually, take_in_and_accept
from tongban.ledger_tools import verify


async def decided_case(halls: Halls) -> str:
    """王强's change of registration, taken in at Yantai at 09:30, approved at Qingdao at
    09:35 (and so completed: the result is online), the Yantai ledger has seen both sites'
    events: its case id."""
    async with halls.stack.client("370671", "intake") as intake:
        case_id = await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG)
    halls.clock.now += timedelta(minutes=5)  # decided at 09:35 (within a token's life)
    async with halls.stack.client("370202", "approval") as approval:
        await approve(approval, case_id)
    async with halls.stack.client("370671", "ledger") as ledger:
        async def decided() -> Any:
            rows = (await ledger.get("/audit/cases")).json()
            return rows if isinstance(rows, list) and rows and rows[0]["decided_on"] else None
        await eventually(decided)
    return case_id


async def test_the_auditor_finds_a_case_reads_it_across_sites_and_downloads_the_ledger(
    halls: Halls,
) -> None:
    case_id = await decided_case(halls)
    auditor = await signed_in(halls.yantai, "370671-AU21", "周涛", "auditor")
    first = await auditor.get("/audit")
    number = first.text.split(f'href="/audit/cases/{case_id}">')[1].split("<")[0]
    by_number = await auditor.get("/audit", params={"case_number": number})
    by_matter = await auditor.get("/audit", params={
        "matter": GT_CHANGE, "accepted_from": "2026-11-26", "accepted_to": "2026-11-26"})
    other_day = await auditor.get("/audit", params={
        "matter": GT_CHANGE, "accepted_from": "2026-11-27"})
    bad_day = await auditor.get("/audit", params={"accepted_from": "2026-13-01"})
    timeline = await auditor.get(f"/audit/cases/{case_id}")
    before = await auditor.get(f"/audit/cases/{case_id}", params={"at": "2026-11-26T09:00"})
    at_acceptance = await auditor.get(f"/audit/cases/{case_id}",
                                      params={"at": "2026-11-26T09:32"})
    never_verified = await auditor.get("/audit/ledger")
    verify(halls.stack.host("370671", "ledger").settings)  # `tongban ledger verify`
    verified = await auditor.get("/audit/ledger")
    csv = await auditor.get("/audit/work-ledger.csv", params={"matter": GT_CHANGE})
    xlsx = await auditor.get("/audit/work-ledger.xlsx")
    await auditor.aclose()

    assert number.startswith("370671") and "王* 3****************3" in first.text
    assert f'/audit/cases/{case_id}"' in by_number.text and "个体工商户变更登记" in by_matter.text
    assert case_id not in other_day.text and "没有符合条件的办件" in other_day.text
    assert bad_day.status_code == 422 and "不是有效的日期" in bad_day.text
    assert 'value="2026-13-01"' in bad_day.text  # what was typed stays
    rows = timeline.text.split("<tbody>")[1].split("</tbody>")[0]
    assert "<td>370671</td>" in rows and "<td>370202</td>" in rows
    assert "受理服务" in rows and "审批服务" in rows and "准予" in rows and "受理" in rows
    assert "2026-11-26 09:30:00" in rows  # the clock's 01:30 UTC, in Beijing time
    assert before.status_code == 404 and "2026-11-26T09:00" in before.text
    state = at_acceptance.text.split('aria-label="该时刻的状态"')[1].split("</dl>")[0]
    assert "<dd>已受理</dd>" in state and "<dd>准予</dd>" not in state
    assert "已办结" in first.text  # and now it is
    assert "尚未进行过完整核验" in never_verified.text
    assert "最近一次核验：完整" in verified.text and "此后新增</dt><dd>0 条" in verified.text
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["content-disposition"].startswith("attachment;")
    assert number in csv.text and "370602198803141233" not in csv.text
    assert xlsx.headers["content-disposition"].startswith("attachment;")
    assert xlsx.content[:2] == b"PK"  # a zip: the workbook


async def test_the_applicant_is_shown_unmasked_only_with_a_reason_and_the_read_is_recorded(
    halls: Halls,
) -> None:
    case_id = await decided_case(halls)
    auditor = await signed_in(halls.yantai, "370671-AU22", "孙悦", "auditor")
    await auditor.get(f"/audit/cases/{case_id}")
    page = f"/audit/cases/{case_id}/applicant"
    without = await auditor.post(page, {"reason": "", "_page": page})
    too_short = await auditor.post(page, {"reason": "查", "_page": page})
    read = await auditor.post(page, {"reason": "核查投诉所涉办件", "_page": page})

    async def recorded() -> Any:
        answer = await auditor.get("/audit/personal-data-reads")
        return answer if "核查投诉所涉办件" in answer.text else None
    reads = await eventually(recorded)
    mistyped = await auditor.post("/audit/person-record", {
        "id_number": "370602198803141234", "_page": "/audit/person-record"})
    record = await auditor.post("/audit/person-record", {
        "id_number": "370602198803141233", "_page": "/audit/person-record"})
    supervisor = await signed_in(halls.yantai, "370671-S21", "钱进", "supervisor")
    refused = [await supervisor.get(p) for p in
               ("/audit", f"/audit/cases/{case_id}", "/audit/work-ledger.csv")]
    await auditor.aclose()
    await supervisor.aclose()

    assert without.status_code == 422 and "370602198803141233" not in without.text
    assert 'id="err-reason"' in without.text and "必填" in without.text
    assert too_short.status_code == 422 and "至少2个字符" in too_short.text
    assert ">查</textarea>" in too_short.text  # what was typed stays
    assert read.status_code == 200
    assert "370602198803141233" in read.text and "王强" in read.text and "13805351234" in read.text
    assert "370671-AU22" in reads.text and "id_number" in reads.text
    assert "370602198803141233" not in reads.text
    assert [r.status_code for r in refused] == [403, 403, 403]
    # 王强 asks what was done with his data: the wrong check digit refused beside the field
    assert mistyped.status_code == 422 and 'id="err-id_number"' in mistyped.text
    assert 'value="370602198803141234"' in mistyped.text
    assert record.status_code == 200 and "个人信息处理情况" in record.text
    assert "核查投诉所涉办件" in record.text and "370671-AU22" in record.text
