"""The 工作台账 filtered and paged in its table: by a site that received or handled the case,
the case number, the matter, the status, the day accepted and whether it is late today,
earliest accepted first.
A site is one of several per case, hence a query of its own rather than a runtime `Query`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from services.ledger.read_side import WORK_LEDGER
from services.runtime.store import CaseStore


@dataclass(frozen=True)
class CaseFilter:
    site: str | None = None
    matter: str | None = None
    status: str | None = None
    accepted_from: date | None = None
    accepted_to: date | None = None
    overdue: bool | None = None
    case_number: str | None = None  # 办件编号: one case, found by its index

    def clauses(self, today: date) -> list[tuple[str, list[str]]]:
        """(SQL with `?` marks, its parameters) for each filter given."""
        given: list[tuple[bool, str, list[str]]] = [
            (self.site is not None, "(receiving_site = ? OR sites LIKE ?)",
             [self.site or "", f"%,{self.site},%"]),
            (self.matter is not None, "matter_code = ?", [self.matter or ""]),
            (self.status is not None, "status = ?", [self.status or ""]),
            (self.accepted_from is not None, "accepted_on >= ?", [_iso(self.accepted_from)]),
            (self.accepted_to is not None, "accepted_on <= ?", [_iso(self.accepted_to)]),
            (self.overdue is True, "overdue_from < ?", [today.isoformat()]),
            (self.overdue is False, "overdue_from >= ?", [today.isoformat()]),
            (self.case_number is not None, "case_number = ?", [self.case_number or ""]),
        ]
        return [(sql, params) for wanted, sql, params in given if wanted]


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


Key = tuple[str, str, str]  # (accepted_sort, case_number, id): where a page ends


def work_ledger_page(store: CaseStore, where: CaseFilter, today: date, limit: int,
                     offset: int = 0, after: Key | None = None) -> list[dict[str, Any]]:
    """A page in the table's index order; `after` a key instead of an offset, so that reading
    a whole export costs one page's read per page however far into the table it is."""
    side = store.read_side
    clauses = where.clauses(today)
    if after is not None:
        clauses.append(("(accepted_sort, case_number, id) > (?, ?, ?)", list(after)))
    sql = f"SELECT id, body, accepted_sort, case_number FROM {WORK_LEDGER.qualified(side.prefix)}"
    if clauses:
        sql += " WHERE " + " AND ".join(c for c, _ in clauses)
    sql += f" ORDER BY accepted_sort, case_number, id LIMIT {int(limit)} OFFSET {int(offset)}"
    params = [p for _, ps in clauses for p in ps]
    with side.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
        cursor.execute(sql.replace("?", side.dialect.mark), params)
        return [dict(row) for row in cursor.fetchall()]


def key_of(row: dict[str, Any]) -> Key:
    return (row["accepted_sort"], row["case_number"], row["id"])
