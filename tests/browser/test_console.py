"""The two demo halls in a real browser, as `tongban up` runs them: the staff console and every
service's API page, with nothing asked of any host but 127.0.0.1 (a hall's network has no way
out); what a window clerk is shown and refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page

from services.runtime.settings import SERVICES
from tests.browser.hall import Halls, hosts_asked, running_halls, sign_in
from tests.browser.walkthrough import Walk, a4_pages, until


@pytest.fixture(scope="module")
def halls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Halls]:
    yield from running_halls(tmp_path_factory.mktemp("halls") / "data")


def test_a_clerk_is_not_shown_approval_or_audit_and_is_refused_if_she_types_them(
    halls: Halls, browser: Browser, tmp_path: Path,
) -> None:
    page = browser.new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    try:
        sign_in(page, halls, "370671", "370671-W01")
        nav = page.get_by_role("navigation", name="栏目")
        shown = nav.get_by_role("link").all_inner_texts()
        page.screenshot(path=str(tmp_path / "clerk-home.png"))
        answers = {}
        for path in ("/approval", "/audit"):
            response = page.goto(f"{halls.consoles['370671']}{path}")
            assert response is not None
            answers[path] = (response.status, page.get_by_role("alert").inner_text())
    finally:
        page.close()

    assert "综合窗口" in shown and "审批" not in shown and "审计" not in shown
    assert answers == {"/approval": (403, "您的岗位无权访问此页面。"),
                       "/audit": (403, "您的岗位无权访问此页面。")}
    assert hosts_asked(asked) == {"127.0.0.1"}, f"asked of other hosts: {sorted(asked)}"


def test_every_service_api_page_renders_its_operations_from_the_hall_alone(
    halls: Halls, browser: Browser, tmp_path: Path,
) -> None:
    page = browser.new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    titles = {}
    try:
        for service in SERVICES:
            page.goto(f"{halls.services[f'370671/{service}']}/docs")
            page.wait_for_selector(".opblock-tag", timeout=30_000)  # the operations, by tag
            titles[service] = page.inner_text(".swagger-ui .info .title")
        page.screenshot(path=str(tmp_path / "ledger-docs.png"))
    finally:
        page.close()

    assert all(f"tongban {service} 370671" in titles[service] for service in SERVICES), titles
    assert hosts_asked(asked) == {"127.0.0.1"}, f"asked of other hosts: {sorted(asked)}"


CHEN_JING = "370202199209093382"  # not 王强: she may not collect his licence


def section(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="栏目").get_by_role("link", name=name).click()


def field(page: Page, label: str) -> Locator:
    """The input of this label exactly (a required field's label ends in its mark, *)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}\*?$"))


def test_a_remote_collection_case_goes_from_the_yantai_window_to_qingdao_and_back_through_the_console_alone(
    halls: Halls, browser: Browser, tmp_path: Path,
) -> None:
    walk = Walk(browser, halls, tmp_path)
    clerk = walk.person("370671", "370671-W01")
    approver = walk.person("370202", "370202-A07")
    mailroom = walk.person("370202", "370202-D02")
    auditor = walk.person("370671", "370671-AU01")
    walk.seen(clerk, "window-clerk-home")

    # 收件 at the Yantai window: 王强 changes the address of his Qingdao business
    section(clerk, "综合窗口")
    clerk.get_by_role("link", name="新建收件").click()
    clerk.get_by_label("事项编码").fill("370202GT0001")
    clerk.get_by_label("申请人类型").select_option(label="个人")
    clerk.get_by_label("申请人姓名").fill("王强")
    clerk.get_by_label("申请人身份证号").fill("370602198803141233")
    clerk.get_by_label("联系电话").fill("13805351234")
    clerk.get_by_label("结果送达方式").select_option(label="窗口领取")
    walk.seen(clerk, "window-new-case")
    clerk.get_by_role("button", name="收件", exact=True).click()
    case_number = re.sub(r"\D", "", clerk.get_by_role("heading", level=1).inner_text())
    for material in ("M01", "M02", "M03"):
        clerk.check(f"input[name=have_{material}]")
    clerk.get_by_role("button", name="登记收到的材料").click()
    clerk.get_by_role("button", name="出具一次性告知书").click()  # M04 is missing
    walk.seen(clerk, "window-one-time-notice-issued")
    assert "待补正" in clerk.content()

    section(approver, "审批")  # the queue, open before the case comes
    walk.seen(approver, "approval-queue-before")

    clerk.check("input[name=have_M04]")
    clerk.get_by_role("button", name="提交补正材料").click()
    clerk.get_by_role("button", name="核验身份").click()
    clerk.get_by_role("button", name="予以受理").click()
    walk.seen(clerk, "window-accepted")
    clerk.get_by_role("link", name="收件凭证").click()
    walk.seen(clerk, "window-receipt")
    assert "收件凭证" in clerk.content() and a4_pages(clerk) == 1
    clerk.go_back()  # the document is the service's own page, without the console's menu

    # 审批 at Qingdao: the case appears in the open queue without a reload
    approver.locator("#queue-rows").get_by_text(case_number).wait_for(timeout=60_000)
    walk.seen(approver, "approval-queue-live")
    approver.get_by_role("link", name=case_number).click()
    approver.get_by_role("button", name="认领").click()
    field(approver, "证照或文书编号").fill("370202600123456")
    walk.seen(approver, "approval-case-claimed")
    approver.get_by_role("button", name="准予", exact=True).click()
    assert "已准予" in approver.content()

    # 送达: Qingdao mails the licence to the Yantai window
    section(mailroom, "送达")
    until(mailroom, lambda: mailroom.get_by_role("link", name=case_number).count() > 0)
    walk.seen(mailroom, "delivery-to-dispatch")
    mailroom.get_by_role("link", name=case_number).click()
    field(mailroom, "运单号").fill("1187654329901")
    mailroom.get_by_role("button", name="寄出").click()
    walk.seen(mailroom, "delivery-mailed")

    # the Yantai window signs for it, refuses 陈静, hands it to 王强
    section(clerk, "送达")
    until(clerk, lambda: clerk.get_by_role("link", name=case_number).count() > 0)
    clerk.get_by_role("link", name=case_number).click()
    field(clerk, "运单号").fill("1187654329901")
    clerk.get_by_role("button", name="签收到件").click()
    clerk.get_by_label("领取人身份证号").fill(CHEN_JING)
    clerk.get_by_role("button", name="核验并交付").click()
    refusal = clerk.locator("#err-id_number").inner_text()
    kept = clerk.get_by_label("领取人身份证号").input_value()
    walk.seen(clerk, "delivery-pickup-refused")
    clerk.get_by_label("领取人身份证号").fill("370602198803141233")
    clerk.get_by_role("button", name="核验并交付").click()
    clerk.get_by_role("link", name="打印送达回证").click()
    walk.seen(clerk, "delivery-receipt")
    assert "送达回证" in clerk.content() and a4_pages(clerk) == 1

    # 审计 at Yantai: the case, its timeline across both sites, the work ledger
    section(auditor, "审计")
    auditor.get_by_label("办件编号").fill(case_number)
    auditor.get_by_role("button", name="查询").click()
    auditor.get_by_role("link", name=case_number).click()
    until(auditor, lambda: "370202" in auditor.content() and "领取" in auditor.content())
    walk.seen(auditor, "audit-timeline")
    timeline = auditor.content()
    section(auditor, "审计")
    with auditor.expect_download() as downloading:
        auditor.get_by_role("link", name="下载工作台账（CSV）").click()
    download = downloading.value
    ledger_csv = Path(download.path()).read_text(encoding="utf-8-sig")

    assert "不能领取" in refusal and kept == CHEN_JING
    assert "370671" in timeline and "370202" in timeline
    assert download.suggested_filename.endswith(".csv") and case_number in ledger_csv
    assert walk.unlabelled == {}, f"fields without a label: {walk.unlabelled}"
    assert hosts_asked(walk.asked) == {"127.0.0.1"}, f"asked of other hosts: {walk.asked}"
