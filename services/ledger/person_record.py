"""A person's record (PIPL Art. 45: 个人信息查阅): for an ID number, the cases this site's
ledger holds that name it, what kinds of personal data each holds, who read them unmasked, when
and why, and what was destroyed when.

The number is never kept nor compared: its blind index (`Vault.blind`) is looked up in the
`personal_record` table, one indexed read per column, so the cost is that of the person's cases,
not of the site's history. The ledger notes each event's blind indexes when it observes it
(`holders_of`), while it can open the event.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from contracts.base import DomainEvent
from contracts.identity import Company, Person, canonical_number, mask_id_number
from services.ledger import read_side as tables
from services.ledger.projections.personal_record import ROLE_ZH
from services.ledger.projections.work_ledger import STATUS_ZH
from services.runtime.blind_index import Blind
from services.runtime.store import CaseStore


def holders_of(event: DomainEvent, blind: Blind) -> dict[str, str]:
    """Role → blind index of each number the event's applicant names (none if it has no
    applicant, or this site cannot open it)."""
    applicant = getattr(event, "applicant", None)
    if isinstance(applicant, Person):
        return {"applicant": blind(applicant.id_number)}
    if not isinstance(applicant, Company):
        return {}
    held = {"company": blind(applicant.credit_code),
            "legal_representative": blind(applicant.representative_id_number)}
    if applicant.agent is not None:
        held["agent"] = blind(applicant.agent.id_number)
    return held


def cases_held(store: CaseStore, blind: str, limit: int, offset: int) -> list[dict[str, Any]]:
    """A page of the cases that name the number, by case number: the rows of each indexed
    column up to the page's end, merged."""
    found: dict[str, dict[str, Any]] = {}
    for query in tables.held_by(blind, offset + limit):
        found.update((row["id"], row) for row in store.read(query))
    page = sorted(found.values(), key=lambda r: (r["case_number"], r["id"]))[offset:offset + limit]
    return [_case(store, row, blind) for row in page]


def _case(store: CaseStore, row: dict[str, Any], blind: str) -> dict[str, Any]:
    case_id = UUID(row["id"])
    record = json.loads(row["body"])
    work = tables.view(store, tables.WORK_LEDGER, case_id) or {}
    reads = (tables.view(store, tables.PERSONAL_DATA_READS, case_id) or {}).get("entries", {})
    return {
        "case_id": row["id"], "case_number": row["case_number"],
        "roles": [{"role": role, "role_zh": ROLE_ZH[role]}
                  for role, held in sorted(record["holders"].items()) if held == blind],
        "applicant": work.get("applicant", ""), "matter_name": work.get("matter_name", ""),
        "receiving_site": work.get("receiving_site", ""),
        "business_sites": work.get("business_sites", []),
        "accepted_on": work.get("accepted_on"),
        "status": work.get("status"), "status_zh": STATUS_ZH.get(work.get("status", ""), ""),
        "personal_data": [{"kind": kind, "since": since} for kind, since
                          in sorted(record["kinds"].items(), key=lambda kv: (kv[1], kv[0]))],
        "unmasked_reads": sorted(({k: v for k, v in read.items() if k != "case_number"}
                                  for read in reads.values()), key=lambda r: r["at"]),
        "destroyed": record["destroyed"],
    }


def person_record(store: CaseStore, id_number: str, site: str, limit: int,
                  offset: int) -> dict[str, Any]:
    blind = store.vault.blind(id_number)
    return {"id_number": mask_id_number(canonical_number(id_number)), "site": site,
            "cases": cases_held(store, blind, limit, offset), "limit": limit, "offset": offset}
