"""What the window's forms become as request bodies to intake, and which form field each of the
service's field names is shown beside (so a refusal lands next to what was typed)."""

from __future__ import annotations

from typing import Any

STATES_ZH = {"submitted": "已收", "committed": "以承诺代替", "promised": "容缺待补",
             "not_required": "无需提交", "missing": "未收"}
FORMS_ZH = {"original": "原件", "copy": "复印件", "electronic": "电子件"}
PROBLEMS = [("", "无问题"), ("missing", "缺少"), ("defective", "需补正")]
SUBJECTS = [("applicant", "申请人"), ("legal_representative", "法定代表人"), ("agent", "代理人")]
METHODS = [("id_card_reader", "身份证读卡器"), ("face_match", "人脸比对"),
           ("document_check", "证件核验")]
PROXY_KINDS = [("assisted", "帮办"), ("proxy", "代办")]
CHANNELS = [("pickup_at_window", "窗口领取"), ("mail_to_applicant", "邮寄送达"),
            ("online", "网上推送")]
KINDS = [("person", "个人"), ("company", "企业")]

PERSON_FIELDS = {"applicant.name": "name", "applicant.id_number": "id_number",
                 "applicant.phone": "phone"}
COMPANY_FIELDS = {"applicant.name": "company_name", "applicant.credit_code": "credit_code",
                  "applicant.legal_representative": "legal_representative",
                  "applicant.representative_id_number": "representative_id_number",
                  "applicant.phone": "phone", "applicant.agent.name": "agent_name",
                  "applicant.agent.id_number": "agent_id_number",
                  "applicant.agent.phone": "agent_phone",
                  "applicant.agent.mandate_number": "agent_mandate_number"}


def _text(form: dict[str, str], name: str) -> str:
    return form.get(name, "").strip()


def opening(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """收件: the body of `POST /cases`, and the names of its fields on the form."""
    if form.get("applicant_kind") == "company":
        applicant: dict[str, Any] = {
            "kind": "company", "name": _text(form, "company_name"),
            "credit_code": _text(form, "credit_code").upper(),
            "legal_representative": _text(form, "legal_representative"),
            "representative_id_number": _text(form, "representative_id_number").upper(),
            "phone": _text(form, "phone")}
        if _text(form, "agent_name"):
            applicant["agent"] = {
                "name": _text(form, "agent_name"),
                "id_number": _text(form, "agent_id_number").upper(),
                "phone": _text(form, "agent_phone"),
                "mandate_number": _text(form, "agent_mandate_number")}
        names = COMPANY_FIELDS
    else:
        applicant = {"kind": "person", "name": _text(form, "name"),
                     "id_number": _text(form, "id_number").upper(),
                     "phone": _text(form, "phone")}
        names = PERSON_FIELDS
    body = {"matter_code": _text(form, "matter_code").upper(), "applicant": applicant,
            "delivery_channel": form.get("delivery_channel") or "online"}
    return body, {**names, "applicant": "applicant_kind"}


def handed_over(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The materials ticked on the checklist (`have_M01`), with their pages (`pages_M01`)."""
    codes = [k.removeprefix("have_") for k in form if k.startswith("have_")]
    items = [{"material_code": c, "pages": _pages(form.get(f"pages_{c}"))} for c in codes]
    names = {f"items.{i}.{part}": f"{'have' if part == 'material_code' else part}_{c}"
             for i, c in enumerate(codes) for part in ("material_code", "pages")}
    return {"items": items}, names


def _pages(value: str | None) -> int | str:
    text = (value or "").strip() or "1"
    return int(text) if text.isdigit() else text  # the service says why a bad one is refused


def notice(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """一次性告知: every material marked with a problem (`defect_M04`), its detail."""
    defects, names = [], {}
    for key, problem in form.items():
        if key.startswith("defect_") and problem:
            code = key.removeprefix("defect_")
            detail = _text(form, f"detail_{code}") or ("未提交" if problem == "missing"
                                                       else "材料不符合要求，请按要求补正")
            names |= {f"defects.{len(defects)}.detail": f"detail_{code}",
                      f"defects.{len(defects)}.material_code": f"defect_{code}",
                      f"defects.{len(defects)}.problem": f"defect_{code}"}
            defects.append({"material_code": code, "problem": problem, "detail": detail})
    body: dict[str, Any] = {"defects": defects}
    if _text(form, "reply_by"):
        body["reply_by"] = _text(form, "reply_by")
    return body, names


def commitment(form: dict[str, str]) -> dict[str, Any]:
    codes = [k.removeprefix("commit_") for k in form if k.startswith("commit_")]
    return {"material_codes": codes, "signed_by": _text(form, "signed_by")}


def rejection(form: dict[str, str]) -> dict[str, Any]:
    body = {"reason": _text(form, "reason")}
    if _text(form, "apply_instead"):
        body["apply_instead"] = _text(form, "apply_instead")
    return body



def documents(case: dict[str, Any]) -> list[tuple[str, str]]:
    """The printable documents the case has reached: (path under the case, title)."""
    states = {m["state"] for m in case["materials"]}
    found = []
    if "submitted" in states:
        found.append(("receipt", "收件凭证"))
    found += [(f"one_time_notice?notice={n}", f"第{n}次一次性告知书") for n in case["notices"]]
    if "committed" in states:
        found.append(("commitment", "告知承诺书"))
    acceptance = case.get("acceptance")
    if acceptance and acceptance.get("promise_due"):
        found.append(("tolerant_acceptance_notice", "容缺受理通知书"))
    elif acceptance:
        found.append(("acceptance_notice", "受理通知书"))
    if case["status"] == "rejected":
        found.append(("non_acceptance_notice", "不予受理通知书"))
    return found
