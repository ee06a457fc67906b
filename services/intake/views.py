"""What the window and the applicant see of a case. The applicant's view masks personal data."""

from __future__ import annotations

from typing import Any

from contracts.intake import CaseCompleted
from services.directory import Matter
from services.intake.domain.case import WindowCase


def next_step(case: WindowCase, matter: Matter) -> str:
    status = case.status
    if status == "opened":
        if not case.submitted:
            return "请向窗口提交申请材料"
        if not case.identities:
            return "窗口核验身份"
        return "窗口审查材料，作出受理决定"
    if status == "awaiting_supplement":
        return f"请按第{len(case.notices)}次一次性告知书补正材料后到窗口提交"
    if status == "accepted" and case.supplement_request is not None:
        return f"业务属地要求补正：{'、'.join(case.supplement_request.items)}，请到窗口提交"
    if status == "accepted":
        assert case.accepted is not None
        if case.pending:
            names = "、".join(m.name for m in matter.materials if m.code in case.pending)
            return f"请于{case.accepted.promise_due}前补交：{names}"
        if case.extension is not None:
            return (f"业务属地审批中，经批准延长{case.extension.extra_days}个工作日"
                    f"（{case.extension.reason}），办结日期 {case.extension.due_date}")
        return f"业务属地审批中，承诺办结日期 {case.accepted.promised_date}"
    if status == "rejected":
        return "不予受理，详见不予受理通知书"
    if status == "terminated":
        return "办件已终止，详见终止说明"
    if isinstance(case.ended, CaseCompleted) and case.ended.outcome == "denied":
        return "已办结：不予许可，请领取不予许可决定书（含申请行政复议或提起诉讼的权利）"
    return "已办结"


def materials_view(case: WindowCase, matter: Matter) -> list[dict[str, Any]]:
    committed = set(case.commitment.material_codes) if case.commitment else set()
    rows = []
    for m in matter.materials:
        if m.code in case.submitted:
            state = "submitted"
        elif m.code in committed:
            state = "committed"
        elif m.code in case.pending:
            state = "promised"
        elif m.only_when == "agent" and not case.acts_through_agent:
            state = "not_required"
        else:
            state = "missing"
        rows.append({"material_code": m.code, "name": m.name, "key": m.key, "form": m.form,
                     "state": state})
    return rows


def case_view(case: WindowCase, matter: Matter) -> dict[str, Any]:
    """The window's view: the owner, the materials, the notices, the decision."""
    o = case.opened
    view: dict[str, Any] = {
        "case_id": str(case.id), "case_number": case.case_number, "status": case.status,
        "status_zh": case.status_zh, "next_step": next_step(case, matter),
        "matter_code": o.matter_code, "matter_name": o.matter_name,
        "handling_mode": o.handling_mode, "applicant": o.applicant.masked(),
        "owner_staff_id": o.owner_staff_id, "receiving_site": o.receiving_site,
        "delivery_channel": o.delivery_channel, "opened_at": o.occurred_at.isoformat(),
        "materials": materials_view(case, matter),
        "identity_verified": bool(case.identities),
        "notices": [n.notice_number for n in case.notices],
        "proxy": case.proxy.kind if case.proxy else None,
        "files": [f.model_dump() for f in case.files.values()],
    }
    if case.accepted is not None:
        a = case.accepted
        view["acceptance"] = {
            "acceptance_number": a.acceptance_number, "accepted_at": a.occurred_at.isoformat(),
            "promised_date": a.promised_date.isoformat(), "case_type": a.case_type,
            "promise_due": a.promise_due.isoformat() if a.promise_due else None,
            "paper_items": [i.name for i in a.paper_items],
        }
    return view


def progress_view(case: WindowCase, matter: Matter) -> dict[str, Any]:
    """The applicant's progress query: status and next step, personal data masked."""
    return {
        "case_number": case.case_number, "matter_name": case.opened.matter_name,
        "applicant": case.opened.applicant.masked(), "status": case.status,
        "status_zh": case.status_zh, "next_step": next_step(case, matter),
        "promised_date": case.accepted.promised_date.isoformat() if case.accepted else None,
    }
