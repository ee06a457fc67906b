"""个人信息档案 of one case, for a person's record (PIPL Art. 45): whose numbers the case holds
(their blind indexes, never a number), which kinds of personal data its events carry, and what
of it was destroyed when. Who read it unmasked is the `personal_data_reads` view.

The kinds are read from which personal fields the events carry, not from their values, so a
ledger that cannot open a field (a rebuild without keys, a key destroyed) folds the same row.
"""

from __future__ import annotations

from typing import Any

from contracts.base import DomainEvent
from contracts.personal import DATA_KINDS_ZH
from contracts.routing import PersonalDataDestroyed
from services.ledger.projections.base import Projection

KIND_ZH = {  # (event, field) or field: the kind of personal data it holds
    "applicant": "申请人身份信息（姓名、证件号码）及联系电话",
    "mandate_number": "代办委托信息（委托书编号）",
    "person_name": "身份核验对象姓名",
    ("commitment_signed", "signed_by"): "告知承诺书签署人姓名",
    ("mail_delivered", "signed_by"): "邮件签收人姓名",
    "address": "送达地址",
    "addressee": "收件人姓名",
    "collector_name": "领取人姓名",
    "document_number": "领取人证件号码",
    "evaluator": "评价人姓名及联系电话",
    "holder_name": "证照持有人姓名",
}
ROLE_ZH = {"applicant": "申请人", "company": "申请单位", "legal_representative": "法定代表人",
           "agent": "代理人"}
AGENT_ZH = "代理人身份信息（姓名、证件号码、联系电话）"


def kinds_of(event: DomainEvent) -> list[str]:
    """The kinds of personal data the event carries: its personal fields that are set."""
    return [KIND_ZH.get((event.name, field), KIND_ZH.get(field, field))
            for field in type(event).personal if getattr(event, field, None) is not None]


class PersonalRecord(Projection):
    name = "personal_record"

    def _row(self, case_id: object, case_number: str) -> dict[str, Any]:
        return self.rows.setdefault(str(case_id), {
            "case_number": case_number, "holders": {}, "kinds": {}, "destroyed": []})

    def apply(self, event: DomainEvent, position: int) -> set[str]:
        kinds = kinds_of(event)
        if not kinds and not isinstance(event, PersonalDataDestroyed):
            return set()
        row = self._row(event.case_id, event.case_number)
        at = event.occurred_at.isoformat()
        for kind in kinds:
            row["kinds"][kind] = min(row["kinds"].get(kind, at), at)  # held since
        if isinstance(event, PersonalDataDestroyed):
            row["destroyed"] = sorted([*row["destroyed"], _destroyed(event)],
                                      key=lambda d: (d["at"], d["event_id"]))
        return {str(event.case_id)}

    def hold(self, event: DomainEvent, holders: dict[str, str]) -> set[str]:
        """Note whose numbers the case holds: role → blind index (see `Ledger.on_event`)."""
        if not holders:
            return set()
        row = self._row(event.case_id, event.case_number)
        row["holders"].update(holders)
        if "agent" in holders:
            at = event.occurred_at.isoformat()
            row["kinds"][AGENT_ZH] = min(row["kinds"].get(AGENT_ZH, at), at)
        return {str(event.case_id)}


def _destroyed(event: DomainEvent) -> dict[str, Any]:
    """What a destruction says: when, where, by whom, which kinds of data, and why."""
    assert isinstance(event, PersonalDataDestroyed)
    why = ("保存期限届满" + (f"（保存至 {event.kept_until}）" if event.kept_until else "")
           if event.basis == "retention" else f"依法删除：{event.legal_basis or ''}")
    return {"at": event.occurred_at.isoformat(), "site": event.acting_site,
            "by": event.actor.staff_id, "event_id": str(event.event_id), "basis": event.basis,
            "what": [DATA_KINDS_ZH.get(k, k) for k in event.kinds] or ["全部个人信息"],
            "reason": why}
