"""Window documents: each rendered from a case built on the domain alone, checked for its facts."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from uuid import UUID

import pytest

from contracts.base import Actor
from contracts.identity import Company, Person
from services.directory import Directory, Matter, Site, load_directory
from services.intake.documents import (
    DOCUMENT_TITLES,
    DocumentKind,
    DocumentNotAvailable,
    render_document,
)
from services.intake.domain.case import WindowCase
from services.intake.domain.inputs import HandedOver, NamedDefect
from services.runtime.aggregate import Context
from services.runtime.workdays import WorkCalendar

CHINA = timezone(timedelta(hours=8))
AT = datetime(2026, 11, 26, 9, 30, tzinfo=CHINA)
LATER = AT + timedelta(hours=1, minutes=15)
CASE_ID = UUID("00000000-0000-4000-8000-000000000001")
CORRELATION = UUID("00000000-0000-4000-8000-0000000000c0")
CASE_NUMBER = "37067120261126A1B2C3"
ACCEPTANCE_NUMBER = "370671受〔2026〕00012号"
STAFF = Actor(staff_id="370671-W01", role="window")
WANG = Person(name="王强", id_number="370602198803141233", phone="13805351234")
HAIAN = Company(name="烟台海岸食品有限公司", credit_code="913706027654032157",
                legal_representative="赵海", representative_id_number="370602198803141233",
                phone="0535-6921234")


def ctx(at: datetime = AT) -> Context:
    return Context("370671", STAFF, at, CORRELATION)


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory()


@pytest.fixture(scope="module")
def gt(directory: Directory) -> Matter:
    return directory.matters["370202GT0001"]  # 个体工商户变更登记


@pytest.fixture(scope="module")
def sp(directory: Directory) -> Matter:
    return directory.matters["370202SP0012"]  # 食品经营许可证变更: 容缺 and 告知承诺


@pytest.fixture(scope="module")
def site(directory: Directory) -> Site:
    return directory.sites["370671"]


def hand(codes: list[str]) -> list[HandedOver]:
    return [HandedOver(material_code=code, pages=2) for code in codes]


def person_case(matter: Matter, codes: list[str] | None = None) -> WindowCase:
    case = WindowCase.open(CASE_ID, CASE_NUMBER, matter, WANG, "pickup_at_window", ctx())
    case.submit(hand([m.code for m in matter.materials] if codes is None else codes), matter,
                ctx())
    case.verify_identity("applicant", "id_card_reader", ctx())
    return case


def company_case(matter: Matter, codes: list[str]) -> WindowCase:
    case = WindowCase.open(CASE_ID, CASE_NUMBER, matter, HAIAN, "pickup_at_window", ctx())
    case.submit(hand(codes), matter, ctx())
    case.verify_identity("legal_representative", "id_card_reader", ctx())
    return case


def assert_page(text: str, kind: DocumentKind, site: Site) -> None:
    assert text.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in text and "@page" in text and "serif" in text
    assert f"<h1>{DOCUMENT_TITLES[kind]}</h1>" in text
    assert f"办件编号：{CASE_NUMBER}" in text
    assert site.hall in text
    assert "http" not in text and "<link" not in text and "<script" not in text


def test_receipt_lists_the_materials_received(gt: Matter, site: Site) -> None:
    case = person_case(gt)
    text = render_document("receipt", case, gt, site, query_code="40917263")
    assert_page(text, "receipt", site)
    assert "<th>查询码：</th><td>40917263</td>" in text and "查询码查询办理进度" in text
    assert "王强" in text and "3****************3" in text and "370602198803141233" not in text
    assert "138****1234" in text and "13805351234" not in text
    assert gt.name in text and "2026年11月26日" in text
    for n, material in enumerate(gt.materials, 1):
        row = f"<td>{n}</td><td>{material.name}</td><td>{_form(material.form)}</td>"
        assert f"{row}<td>1</td><td>2</td>" in text
    assert "是否受理的决定将在5个工作日内作出" in text
    assert "凭办件编号、证件号码和查询码查询办理进度" in text


def test_one_time_notice_marks_every_material(gt: Matter, site: Site) -> None:
    optional = [m for m in gt.materials if not m.key]
    missing, defective = optional[0], gt.materials[0]
    submitted = [m.code for m in gt.materials if m.code != missing.code]
    case = person_case(gt, submitted)
    case.issue_notice([NamedDefect(material_code=missing.code, problem="missing", detail="未提交"),
                       NamedDefect(material_code=defective.code, problem="defective",
                                   detail="申请书未签字")], date(2026, 12, 3), gt, ctx())
    text = render_document("one_time_notice", case, gt, site)
    assert_page(text, "one_time_notice", site)
    assert f"<td>{missing.name}</td><td>{_form(missing.form)}</td><td>缺少</td>" in text
    assert f"<td>{defective.name}</td><td>{_form(defective.form)}</td><td>需补正</td>" in text
    assert "申请书未签字" in text
    others = [m for m in gt.materials if m.code not in (missing.code, defective.code)]
    assert text.count("<td>已提交</td>") == len(others)
    assert "第1次" in text and "2026年12月03日" in text
    assert f"{gt.promised_days}个工作日" in text
    assert "补齐后到窗口提交，窗口审查后作出受理决定" in text
    assert render_document("one_time_notice", case, gt, site, notice_number=1) == text


def test_acceptance_notice_carries_number_basis_unit_and_dates(gt: Matter, site: Site) -> None:
    case = person_case(gt)
    case.accept(gt, WorkCalendar(), ACCEPTANCE_NUMBER, ctx(LATER))
    text = render_document("acceptance_notice", case, gt, site)
    assert_page(text, "acceptance_notice", site)
    accepted = case.accepted
    assert accepted is not None
    assert ACCEPTANCE_NUMBER in text and "王强" in text and gt.name in text
    assert "2026年11月26日 10:45" in text
    assert "《中华人民共和国行政许可法》第三十二条" in text
    assert site.credit_code in text and "370671-W01" in text
    assert f"{accepted.promised_date.year}年{accepted.promised_date.month:02d}月" \
           f"{accepted.promised_date.day:02d}日" in text
    assert accepted.case_type in text
    assert "容缺受理" not in text


def test_non_acceptance_notice_gives_reason_and_rights(gt: Matter, site: Site) -> None:
    case = person_case(gt)
    case.reject("申请事项不属于本机关职权范围", "青岛市市南区市场监督管理局", ctx())
    text = render_document("non_acceptance_notice", case, gt, site)
    assert_page(text, "non_acceptance_notice", site)
    assert "申请事项不属于本机关职权范围" in text and "青岛市市南区市场监督管理局" in text
    assert "60日内依法申请行政复议" in text and "6个月内" in text and "提起行政诉讼" in text


def test_tolerant_acceptance_notice_lists_what_to_supply(sp: Matter, site: Site) -> None:
    pending = [m for m in sp.materials if not m.key]
    case = company_case(sp, [m.code for m in sp.materials if m.key])
    case.accept_tolerantly(sp, WorkCalendar(), ACCEPTANCE_NUMBER, date(2026, 12, 1), ctx())
    text = render_document("tolerant_acceptance_notice", case, sp, site)
    assert_page(text, "tolerant_acceptance_notice", site)
    assert ACCEPTANCE_NUMBER in text and HAIAN.name in text and "赵海" in text
    assert "053****1234" in text
    for n, material in enumerate(pending, 1):
        assert f"<td>{n}</td><td>{material.name}</td><td>{_form(material.form)}</td>" in text
    assert "2026年12月01日" in text and "逾期未补齐的，终止办理" in text
    acceptance = render_document("acceptance_notice", case, sp, site)
    assert "容缺受理" in acceptance and "2026年12月01日" in acceptance


def test_commitment_holds_notice_and_statement(sp: Matter, site: Site) -> None:
    replaced = [m for m in sp.materials if m.commitment_replaces]
    case = company_case(sp, [m.code for m in sp.materials if not m.commitment_replaces])
    case.sign_commitment([m.code for m in replaced], "赵海", sp, ctx())
    text = render_document("commitment", case, sp, site)
    assert_page(text, "commitment", site)
    assert case.commitment is not None
    for material in replaced:
        assert material.name in text
    assert "法律责任" in text and case.commitment.statement in text
    assert "<th>承诺人：</th><td>赵海</td>" in text and "2026年11月26日" in text


def test_rendering_twice_gives_identical_text(sp: Matter, site: Site) -> None:
    case = company_case(sp, [m.code for m in sp.materials if not m.commitment_replaces])
    case.sign_commitment([m.code for m in sp.materials if m.commitment_replaces], "赵海", sp,
                         ctx())
    case.accept(sp, WorkCalendar(), ACCEPTANCE_NUMBER, ctx())
    replayed = WindowCase.replay(CASE_ID, case.collect_events())
    kinds: list[DocumentKind] = ["receipt", "acceptance_notice", "commitment"]
    for kind in kinds:
        first = render_document(kind, case, sp, site)
        assert render_document(kind, case, sp, site) == first
        assert render_document(kind, replayed, sp, site) == first


@pytest.mark.parametrize("kind", ["one_time_notice", "acceptance_notice", "non_acceptance_notice",
                                  "tolerant_acceptance_notice", "commitment"])
def test_a_document_not_yet_issued_is_not_available(kind: DocumentKind, gt: Matter,
                                                    site: Site) -> None:
    case = person_case(gt)
    with pytest.raises(DocumentNotAvailable) as raised:
        render_document(kind, case, gt, site)
    assert raised.value.status == 409
    assert raised.value.reason == f"该办件尚无{DOCUMENT_TITLES[kind]}"


def test_no_receipt_before_materials_and_no_unknown_notice(gt: Matter, site: Site) -> None:
    case = WindowCase.open(CASE_ID, CASE_NUMBER, gt, WANG, "pickup_at_window", ctx())
    with pytest.raises(DocumentNotAvailable, match="该办件尚无收件凭证"):
        render_document("receipt", case, gt, site)
    case = person_case(gt, [gt.materials[0].code])
    case.issue_notice([NamedDefect(material_code=gt.materials[1].code, problem="missing",
                                   detail="未提交")], None, gt, ctx())
    with pytest.raises(DocumentNotAvailable, match="第2次"):
        render_document("one_time_notice", case, gt, site, notice_number=2)


def test_values_with_html_characters_are_escaped(gt: Matter, site: Site) -> None:
    case = person_case(gt)
    case.reject('<script>alert("x")</script> & 其他', None, ctx())
    text = render_document("non_acceptance_notice", case, gt, site)
    assert "<script>" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 其他" in text


def _form(form: str) -> str:
    return {"original": "原件", "copy": "复印件", "electronic": "电子件"}[form]


def test_a_receipt_and_a_notice_print_the_same_after_the_supplement_arrives(
    gt: Matter, site: Site,
) -> None:
    last = gt.materials[-1].code
    case = person_case(gt, [m.code for m in gt.materials if m.code != last])
    case.issue_notice([NamedDefect(material_code=last, problem="missing", detail="未提交")], None,
                      gt, ctx())
    receipt = render_document("receipt", case, gt, site)
    notice = render_document("one_time_notice", case, gt, site, 1)
    case.supplement(hand([last]), gt, ctx(LATER))
    case.accept(gt, WorkCalendar(), ACCEPTANCE_NUMBER, ctx(LATER))
    assert render_document("receipt", case, gt, site) == receipt
    assert render_document("one_time_notice", case, gt, site, 1) == notice
