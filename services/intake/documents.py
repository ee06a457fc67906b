"""Documents a window issues, as printable Chinese HTML pages.

A document is a function of the case's events, the matter and the site only (and the receipt
of the case's query code, itself a function of the site's key) — never of the clock — so a
document fetched again later is byte for byte the one printed at the window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from contracts.intake import CaseRejected, CorrectionNoticeIssued
from services.directory import Matter, Site
from services.intake.domain.case import WindowCase
from services.runtime.aggregate import DomainError
from services.runtime.printing import (
    FORM_ZH,
    applicant_rows,
    china_day,
    fields,
    heading,
    page,
    paragraph,
    table,
    zh_date,
    zh_time,
)

DocumentKind = Literal["receipt", "one_time_notice", "acceptance_notice", "non_acceptance_notice",
                       "tolerant_acceptance_notice", "commitment"]

DOCUMENT_TITLES: dict[DocumentKind, str] = {
    "receipt": "收件凭证",
    "one_time_notice": "一次性告知书",
    "acceptance_notice": "受理通知书",
    "non_acceptance_notice": "不予受理通知书",
    "tolerant_acceptance_notice": "容缺受理通知书",
    "commitment": "告知承诺书",
}

LEGAL_BASIS = "《中华人民共和国行政许可法》第三十二条"


class DocumentNotAvailable(DomainError):
    status = 409
    field = "document"

    def __init__(self, what: str) -> None:
        super().__init__(f"该办件尚无{what}")


def render_document(kind: DocumentKind, case: WindowCase, matter: Matter, site: Site,
                    notice_number: int | None = None, query_code: str = "") -> str:
    """The document `kind` of the case as a complete HTML page; DocumentNotAvailable when the
    case has not (yet) reached the step that issues it. The receipt prints `query_code`."""
    if kind == "one_time_notice":
        return _one_time_notice(case, matter, site, notice_number)
    if kind == "receipt":
        return _receipt(case, site, query_code)
    renderer: Callable[[WindowCase, Matter, Site], str] = _RENDERERS[kind]
    return renderer(case, matter, site)


def _unit(site: Site) -> str:
    return site.hall or site.name


def _receipt(case: WindowCase, site: Site, query_code: str) -> str:
    received = case.submitted_before(case.first_decision_version)
    if not received:
        raise DocumentNotAvailable(DOCUMENT_TITLES["receipt"])
    opened = case.opened
    items = sorted(received.values(), key=lambda i: i.material_code)
    body = [
        fields([*applicant_rows(opened.applicant), ("申请事项", opened.matter_name),
                ("收件单位", _unit(site)), ("收件日期", zh_date(china_day(opened.occurred_at))),
                ("查询码", query_code)]),
        heading("收到的申请材料"),
        table(["序号", "材料名称", "形式", "份数", "页数"],
              [(n, i.name, FORM_ZH[i.form], i.copies, i.pages) for n, i in enumerate(items, 1)]),
        paragraph("窗口已收到上列申请材料，是否受理的决定将在5个工作日内作出。"),
        paragraph("凭办件编号、证件号码和查询码查询办理进度、评价服务；查询码请妥善保管，"
                  "勿告知他人" + (f"；咨询电话：{site.phone}。" if site.phone else "。")),
    ]
    return page(DOCUMENT_TITLES["receipt"], case.case_number, body, _unit(site),
                china_day(opened.occurred_at))


def _notice(case: WindowCase, number: int | None) -> CorrectionNoticeIssued:
    if not case.notices:
        raise DocumentNotAvailable(DOCUMENT_TITLES["one_time_notice"])
    if number is None:
        return case.notices[-1]
    found = next((n for n in case.notices if n.notice_number == number), None)
    if found is None:
        raise DocumentNotAvailable(f"第{number}次{DOCUMENT_TITLES['one_time_notice']}")
    return found


def _one_time_notice(case: WindowCase, matter: Matter, site: Site, number: int | None) -> str:
    notice = _notice(case, number)
    defects = {d.material_code: d for d in notice.defects}
    submitted = case.submitted_before(notice.version)
    committed = set(case.commitment.material_codes) if case.commitment else set()

    def state(code: str) -> tuple[str, str]:
        if code in defects:
            d = defects[code]
            return ("缺少" if d.problem == "missing" else "需补正"), d.detail
        if code in submitted:
            return "已提交", ""
        return ("以承诺代替", "") if code in committed else ("未提交", "")

    rows = [(n, m.name, FORM_ZH[m.form], *state(m.code)) for n, m in enumerate(matter.materials, 1)]
    body = [
        fields([*applicant_rows(case.opened.applicant), ("申请事项", case.opened.matter_name),
                ("告知次数", f"第{notice.notice_number}次"),
                ("补正期限", zh_date(notice.reply_by) if notice.reply_by else None),
                ("承诺办理时限", f"{matter.promised_days}个工作日")]),
        paragraph(f"经审查，你（单位）申请的“{case.opened.matter_name}”事项，申请材料不齐全或者"
                  "不符合法定形式，现将需要补齐、补正的全部内容一次性告知如下："),
        table(["序号", "材料名称", "形式", "审查情况", "说明"], rows),
        heading("办理程序"),
        paragraph("补齐后到窗口提交，窗口审查后作出受理决定。"),
        paragraph(f"受理后，将在{matter.promised_days}个工作日内办结。"),
    ]
    return page(DOCUMENT_TITLES["one_time_notice"], case.case_number, body, _unit(site),
                china_day(notice.occurred_at))


def _acceptance_notice(case: WindowCase, matter: Matter, site: Site) -> str:
    a = case.accepted
    if a is None:
        raise DocumentNotAvailable(DOCUMENT_TITLES["acceptance_notice"])
    tolerant = (f"容缺受理，容缺材料应于{zh_date(a.promise_due)}前补齐"
                if a.pending_materials and a.promise_due else None)
    body = [
        fields([("受理编号", a.acceptance_number), *applicant_rows(a.applicant),
                ("申请事项", a.matter_name), ("受理时间", zh_time(a.occurred_at)),
                ("办件类型", a.case_type), ("承诺时限", f"{a.promised_days}个工作日"),
                ("承诺办结日期", zh_date(a.promised_date)), ("受理方式", tolerant),
                ("受理单位", _unit(site)), ("统一社会信用代码", site.credit_code),
                ("受理人员", a.actor.staff_id)]),
        paragraph(f"你（单位）申请的“{a.matter_name}”事项，根据{LEGAL_BASIS}的规定，"
                  "决定予以受理。"),
        paragraph(f"本件为{a.case_type}，将于{zh_date(a.promised_date)}前办结。"
                  "凭办件编号和证件号码查询办理进度。"),
    ]
    return page(DOCUMENT_TITLES["acceptance_notice"], case.case_number, body, _unit(site),
                china_day(a.occurred_at))


def _non_acceptance_notice(case: WindowCase, matter: Matter, site: Site) -> str:
    r = case.ended
    if not isinstance(r, CaseRejected):  # ended.name == "case_rejected"
        raise DocumentNotAvailable(DOCUMENT_TITLES["non_acceptance_notice"])
    body = [
        fields([*applicant_rows(case.opened.applicant), ("申请事项", case.opened.matter_name),
                ("决定时间", zh_time(r.occurred_at)), ("不予受理的理由", r.reason),
                ("可向以下机关申请", r.apply_instead)]),
        paragraph(f"你（单位）申请的“{case.opened.matter_name}”事项，经审查，决定不予受理。"),
        paragraph("如对本决定不服，可以自收到本通知书之日起60日内依法申请行政复议，"
                  "或者在6个月内依法向人民法院提起行政诉讼。"),
    ]
    return page(DOCUMENT_TITLES["non_acceptance_notice"], case.case_number, body, _unit(site),
                china_day(r.occurred_at))


def _tolerant_acceptance_notice(case: WindowCase, matter: Matter, site: Site) -> str:
    a = case.accepted
    if a is None or not a.pending_materials:
        raise DocumentNotAvailable(DOCUMENT_TITLES["tolerant_acceptance_notice"])
    pending = [m for code in a.pending_materials if (m := matter.material(code)) is not None]
    due = zh_date(a.promise_due) if a.promise_due else ""
    body = [
        fields([("受理编号", a.acceptance_number), *applicant_rows(a.applicant),
                ("申请事项", a.matter_name), ("受理时间", zh_time(a.occurred_at)),
                ("补齐期限", due), ("受理单位", _unit(site))]),
        paragraph(f"你（单位）申请的“{a.matter_name}”事项，主要申请材料齐全，"
                  "次要材料有欠缺，现予容缺受理。请于下列期限前补齐以下材料："),
        table(["序号", "材料名称", "形式", "份数"],
              [(n, m.name, FORM_ZH[m.form], m.copies) for n, m in enumerate(pending, 1)]),
        paragraph(f"补齐期限：{due}。逾期未补齐的，终止办理。"),
    ]
    return page(DOCUMENT_TITLES["tolerant_acceptance_notice"], case.case_number, body,
                _unit(site), china_day(a.occurred_at))


def _commitment(case: WindowCase, matter: Matter, site: Site) -> str:
    c = case.commitment
    if c is None:
        raise DocumentNotAvailable(DOCUMENT_TITLES["commitment"])
    names = [m.name if (m := matter.material(code)) else code for code in c.material_codes]
    body = [
        fields([*applicant_rows(case.opened.applicant), ("申请事项", case.opened.matter_name),
                ("受理单位", _unit(site))]),
        heading("一、告知"),
        paragraph(f"申请“{case.opened.matter_name}”事项，依法应当提交下列证明材料。"
                  "实行告知承诺制，申请人书面承诺符合条件的，可不再提交："),
        table(["序号", "以承诺代替的证明材料"], list(enumerate(names, 1))),
        paragraph("行政机关将对承诺内容进行核查。承诺不实的，依法终止办理或撤销已作出的决定，"
                  "记入信用记录，申请人承担相应的法律责任。"),
        heading("二、承诺"),
        paragraph(c.statement),
        fields([("承诺人", c.signed_by), ("日期", zh_date(china_day(c.occurred_at)))]),
    ]
    return page(DOCUMENT_TITLES["commitment"], case.case_number, body, _unit(site),
                china_day(c.occurred_at))


_RENDERERS: dict[DocumentKind, Callable[[WindowCase, Matter, Site], str]] = {
    "acceptance_notice": _acceptance_notice,
    "non_acceptance_notice": _non_acceptance_notice,
    "tolerant_acceptance_notice": _tolerant_acceptance_notice,
    "commitment": _commitment,
}
