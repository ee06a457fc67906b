"""`tongban demo`: one case across two sites against a running stack, as a window clerk and an
approver would drive it (scenario: 王强 changes the address of his Qingdao business); and the
morning's two other applicants at the same window taken in and accepted, a person whose name
is outside the Basic Multilingual Plane and a company acting through an agent."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import httpx

WANG_QIANG = {"kind": "person", "name": "王强", "id_number": "370602198803141233",
              "phone": "13805351234"}
MATTER = "370202GT0001"  # 个体工商户变更登记, owned by 青岛市市南区
YOSHINOYA = {"kind": "person", "name": "𠮷野家", "id_number": "370202197905210045",
             "phone": "13953288017"}
HAIWAN_BREWERY = {
    "kind": "company", "name": "青岛海湾精酿啤酒有限公司", "credit_code": "913706027654032157",
    "legal_representative": "司马秀英", "representative_id_number": "370202196803175520",
    "phone": "0532-82891234", "agent": {"name": "欧阳明远", "id_number": "370687198506127316",
                                        "phone": "13606391188", "mandate_number": "WT20261126-0088"}}
MORNING = (YOSHINOYA, HAIWAN_BREWERY)
QUERY_CODE = re.compile(r"<th>查询码：</th><td>(\d{8})</td>")  # as the receipt prints it


def run_demo(urls: dict[str, str], signed_in: Callable[[str], dict[str, str]],
             receiving: str = "370671", business: str = "370202",
             timeout: float = 30.0) -> dict[str, Any]:
    """`signed_in(staff_id)`: the headers of that staff member, signed in."""
    clerk, approver = signed_in(f"{receiving}-W01"), signed_in(f"{business}-A07")
    auditor = signed_in(f"{receiving}-AU01")
    with httpx.Client(timeout=5.0) as http:
        intake, approval = urls[f"{receiving}/intake"], urls[f"{business}/approval"]
        ledger = urls[f"{receiving}/ledger"]
        case_id = take_in_and_accept(http, intake, clerk)
        others = [take_in_and_accept(http, intake, clerk, applicant) for applicant in MORNING]
        wait_for(lambda: http.get(f"{approval}/cases/{case_id}", headers=approver
                                  ).status_code == 200, timeout)
        _ok(http.post(f"{approval}/cases/{case_id}/claim", headers=approver))
        _ok(http.post(f"{approval}/cases/{case_id}/approve", headers=approver,
                      json={"document_number": "370202600123456", "opinion": "材料齐全，准予变更"}))
        wait_for(lambda: _ok(http.get(f"{intake}/cases/{case_id}", headers=clerk)
                             )["status"] == "completed", timeout)
        timeline_url = f"{ledger}/cases/{case_id}/timeline"
        wait_for(lambda: _archived(http.get(timeline_url, headers=auditor)), timeout)
        case = _ok(http.get(f"{intake}/cases/{case_id}", headers=clerk))
        timeline = _ok(http.get(timeline_url, headers=auditor))["timeline"]
        progress = progress_as_the_applicant(http, intake, case_id, case["case_number"], clerk)
    return {"case_id": case_id, "case_number": case["case_number"], "status": case["status"],
            "progress": {k: progress[k] for k in ("status_zh", "next_step", "applicant")},
            "timeline": [{k: e[k] for k in ("site", "service", "event", "at")} for e in timeline],
            "also_accepted": others}


def progress_as_the_applicant(http: httpx.Client, intake: str, case_id: str,
                              case_number: str, clerk: dict[str, str]) -> dict[str, Any]:
    """王强 follows his case with the case number, his ID number and the query code printed on
    his receipt (收件凭证, printed for him by the clerk)."""
    receipt = http.get(f"{intake}/cases/{case_id}/documents/receipt", headers=clerk)
    found = QUERY_CODE.search(receipt.text)
    if found is None:
        raise RuntimeError(f"the receipt shows no query code: {receipt.status_code}")
    return dict(_ok(http.get(f"{intake}/progress", params={
        "case_number": case_number, "id_number": WANG_QIANG["id_number"],
        "query_code": found.group(1)})))


def take_in_and_accept(http: httpx.Client, intake: str, clerk: dict[str, str],
                       applicant: dict[str, Any] = WANG_QIANG) -> str:
    """收件, materials, identity check, 受理: what the clerk does at the Yantai window."""
    opened = _ok(http.post(f"{intake}/cases", headers=clerk,
                           json={"matter_code": MATTER, "applicant": applicant}))
    case_id = opened["case_id"]
    items = [{"material_code": m["material_code"], "pages": 2} for m in opened["materials"]
             if m["state"] != "not_required"]
    _ok(http.post(f"{intake}/cases/{case_id}/materials", headers=clerk,
                  json={"items": items}))
    _ok(http.post(f"{intake}/cases/{case_id}/identity", headers=clerk,
                  json={"subject": "agent" if applicant.get("agent") else "applicant",
                        "method": "id_card_reader"}))
    _ok(http.post(f"{intake}/cases/{case_id}/accept", headers=clerk))
    return str(case_id)


def _archived(response: httpx.Response) -> bool:
    if response.status_code != 200 or not response.json()["archived"]:
        return False
    return response.json()["timeline"][-1]["event"] == "case_archived"


def _ok(response: httpx.Response) -> Any:
    if response.is_error:
        raise RuntimeError(f"{response.request.method} {response.request.url}: "
                           f"{response.status_code} {response.text}")
    return response.json()


def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise TimeoutError("the case did not reach the expected step in time")
