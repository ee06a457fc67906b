"""工作台账: one row per case — who applied (masked), for what, where it was received and
handled, when it was accepted, decided and delivered, who owns it, on time or late.

Every field folds the same whatever order two streams' events arrive in: dates keep the
earliest, the status only moves forward."""

from __future__ import annotations

from datetime import date

from contracts.base import DomainEvent
from services.ledger.projections.base import Projection, Row
from services.runtime.workdays import china_date

STATUS_ZH = {"opened": "收件", "accepted": "已受理", "decided": "已决定", "completed": "已办结",
             "rejected": "不予受理", "terminated": "已终止"}
RANK = {status: n for n, status in enumerate(STATUS_ZH)}  # a row only moves forward
DELIVERED = ("result_pushed_online", "mail_delivered", "result_handed_to_applicant",
             "result_form_explained")
HEADERS_ZH = {
    "case_number": "办件编号", "applicant": "申请人", "matter_name": "事项名称",
    "receiving_site": "受理地", "business_sites": "业务属地", "department": "承办部门",
    "accepted_on": "受理日期",
    "promised_date": "承诺办结日期", "decided_on": "决定日期", "outcome": "办理结果",
    "delivered_on": "送达日期", "owner": "首问负责人", "status": "状态", "timeliness": "是否按时",
}


def blank(event: DomainEvent) -> Row:
    return {"case_number": event.case_number, "applicant": "", "matter_code": "",
            "matter_name": "", "receiving_site": "", "business_sites": [], "department": "",
            "accepted_on": None,
            "promised_date": None, "decided_on": None, "outcome": None, "delivered_on": None,
            "owner": "", "status": "opened", "overdue": False, "archived": False}


class WorkLedger(Projection):
    name = "work_ledger"

    def apply(self, event: DomainEvent, position: int) -> set[str]:
        key = str(event.case_id)
        if key not in self.rows and not hasattr(self, f"on_{event.name}"):
            return set()
        row = self.rows.setdefault(key, blank(event))
        handler = getattr(self, f"on_{event.name}", None)
        if handler is not None:
            handler(row, event)
        return {key}

    @staticmethod
    def _application(row: Row, event: DomainEvent) -> None:
        row["applicant"] = event.applicant.masked()  # type: ignore[attr-defined]
        row["matter_code"] = event.matter_code  # type: ignore[attr-defined]
        row["matter_name"] = event.matter_name  # type: ignore[attr-defined]
        row["receiving_site"] = event.receiving_site  # type: ignore[attr-defined]

    def on_case_opened(self, row: Row, event: DomainEvent) -> None:
        self._application(row, event)
        row["owner"] = event.owner_staff_id  # type: ignore[attr-defined]

    def on_case_accepted(self, row: Row, event: DomainEvent) -> None:
        self._application(row, event)
        _earliest(row, "accepted_on", _day(event))
        row["promised_date"] = event.promised_date.isoformat()  # type: ignore[attr-defined]
        _advance(row, "accepted")

    def on_case_routed(self, row: Row, event: DomainEvent) -> None:
        self._application(row, event)
        row["business_sites"] = list(event.business_sites)  # type: ignore[attr-defined]
        row["department"] = event.department  # type: ignore[attr-defined]
        accepted, due = event.accepted_on, event.decide_by  # type: ignore[attr-defined]
        _earliest(row, "accepted_on", accepted.isoformat() if accepted else None)
        row["promised_date"] = row["promised_date"] or (due.isoformat() if due else None)
        _advance(row, "accepted")

    on_case_admitted = on_case_routed

    def _decided(self, row: Row, event: DomainEvent, outcome: str) -> None:
        if row["decided_on"] is None or _day(event) < row["decided_on"]:
            row["decided_on"], row["outcome"] = _day(event), outcome
        _advance(row, "decided")

    def on_case_approved(self, row: Row, event: DomainEvent) -> None:
        self._decided(row, event, "准予")

    def on_case_denied(self, row: Row, event: DomainEvent) -> None:
        self._decided(row, event, "不予许可")

    def on_joint_case_decided(self, row: Row, event: DomainEvent) -> None:
        self._decided(row, event, "准予" if event.approved else "不予许可")  # type: ignore[attr-defined]

    def on_case_completed(self, row: Row, event: DomainEvent) -> None:
        _advance(row, "completed")
        _earliest(row, "delivered_on", _day(event))

    def on_case_rejected(self, row: Row, event: DomainEvent) -> None:
        _advance(row, "rejected")
        row["outcome"] = "不予受理"

    def on_case_terminated(self, row: Row, event: DomainEvent) -> None:
        _advance(row, "terminated")
        row["outcome"] = "终止"

    def on_case_overdue(self, row: Row, event: DomainEvent) -> None:
        row["overdue"] = True

    def on_case_archived(self, row: Row, event: DomainEvent) -> None:
        row["archived"] = True

    def _delivered(self, row: Row, event: DomainEvent) -> None:
        _earliest(row, "delivered_on", _day(event))

    on_result_pushed_online = on_mail_delivered = _delivered
    on_result_handed_to_applicant = on_result_form_explained = _delivered


def _earliest(row: Row, field: str, day: str | None) -> None:
    if day is not None and (row[field] is None or day < row[field]):
        row[field] = day


def _advance(row: Row, status: str) -> None:
    if RANK[status] > RANK[row["status"]]:
        row["status"] = status


def _day(event: DomainEvent) -> str:
    return china_date(event.occurred_at).isoformat()


def timeliness(row: Row, today: date | None = None) -> str:
    """按时 when decided by the promised date, 超期 when late or flagged, else 办理中."""
    promised, decided = row.get("promised_date"), row.get("decided_on")
    if row.get("overdue") or (promised and decided and decided > promised):
        return "超期"
    if promised and decided:
        return "按时"
    if promised and today and today.isoformat() > promised:
        return "超期"
    return "办理中" if row.get("status") not in ("rejected", "terminated") else "—"
